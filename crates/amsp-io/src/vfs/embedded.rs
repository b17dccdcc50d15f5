//! Files compiled into the program.

use std::collections::BTreeMap;

use amsp_core::AssetPath;

use super::{FileTree, TreeError, TreeFile, TreeListing, bad_name};

/// A [`FileTree`] over bytes compiled into the program (`include_bytes!`):
/// default settings, shaders, the error placeholder's source files.
///
/// Names are checked once, when the tree is made: a name that is no asset
/// path is listed as rejected and never served.
///
/// ```
/// use amsp_io::vfs::{EmbeddedTree, FileTree};
///
/// static FILES: &[(&str, &[u8])] = &[
///     ("config/default.ron", b"(volume: 0.8)"),
///     ("../outside.txt", b"never served"),
/// ];
/// let tree = EmbeddedTree::new("embedded", FILES);
/// assert_eq!(tree.read_name("config/default.ron").unwrap(), b"(volume: 0.8)");
/// assert_eq!(tree.list().unwrap().rejected.len(), 1);
/// assert!(tree.read_name("../outside.txt").is_err());
/// ```
#[derive(Debug)]
pub struct EmbeddedTree {
    name: String,
    files: BTreeMap<AssetPath, &'static [u8]>,
    rejected: Vec<TreeError>,
}

impl EmbeddedTree {
    /// A tree named `name` over `files` (name, bytes). Of two files with
    /// the same normalised path, the later one is served.
    #[must_use]
    pub fn new(name: impl Into<String>, files: &[(&str, &'static [u8])]) -> Self {
        let name = name.into();
        let mut map = BTreeMap::new();
        let mut rejected = Vec::new();
        for &(file, bytes) in files {
            match AssetPath::new(file) {
                Ok(path) => {
                    map.insert(path, bytes);
                }
                Err(reason) => rejected.push(bad_name(&name, file, reason)),
            }
        }
        Self { name, files: map, rejected }
    }
}

impl FileTree for EmbeddedTree {
    fn name(&self) -> &str {
        &self.name
    }

    fn list(&self) -> Result<TreeListing, TreeError> {
        let files = self
            .files
            .iter()
            .map(|(path, bytes)| TreeFile { path: path.clone(), size: bytes.len() as u64 })
            .collect();
        Ok(TreeListing { files, rejected: self.rejected.clone() })
    }

    fn read(&self, path: &AssetPath) -> Result<Vec<u8>, TreeError> {
        self.files
            .get(path)
            .map(|bytes| bytes.to_vec())
            .ok_or_else(|| TreeError::NotFound { tree: self.name.clone(), path: path.clone() })
    }
}
