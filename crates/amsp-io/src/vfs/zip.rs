//! A zip archive of source files.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Cursor, Read, Seek};
use std::path::Path;
use std::sync::Arc;

use ::zip::ZipArchive;
use ::zip::result::ZipError;
use amsp_core::AssetPath;
use parking_lot::Mutex;

use super::{
    DEFAULT_MAX_FILE_SIZE, FileTree, TreeError, TreeFile, TreeListing, bad_name, check_size,
};

/// What a zip archive is read from.
trait Storage: Read + Seek + Send {}
impl<T: Read + Seek + Send> Storage for T {}

/// A [`FileTree`] over a zip archive (a mod, a patch, a download).
///
/// The central directory is read once, when the tree is opened, into an
/// index by path. Entries are refused, listed in
/// [`TreeListing::rejected`] and never read, when their name is no asset
/// path (`../x`, `/etc/x`, `C:x`, control characters), or when they are
/// symbolic links. A read checks the entry's declared size against a limit
/// before allocating, reads at most that many bytes, and checks the size and
/// CRC-32 the archive declares: a damaged entry is
/// [`TreeError::Corrupt`], never bytes.
pub struct ZipTree {
    name: String,
    archive: Mutex<ZipArchive<Box<dyn Storage>>>,
    /// Path → (entry index, uncompressed size).
    index: BTreeMap<AssetPath, (usize, u64)>,
    rejected: Vec<TreeError>,
    max_file_size: u64,
}

impl std::fmt::Debug for ZipTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZipTree")
            .field("name", &self.name)
            .field("files", &self.index.len())
            .field("rejected", &self.rejected.len())
            .finish_non_exhaustive()
    }
}

impl ZipTree {
    /// A tree over the zip file at `path`.
    ///
    /// # Errors
    /// [`TreeError::Io`] if the file cannot be opened or read,
    /// [`TreeError::Corrupt`] if it is no zip archive.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, TreeError> {
        let path = path.as_ref();
        let name = format!("zip {}", path.display());
        let file = File::open(path).map_err(|e| TreeError::Io {
            tree: name.clone(),
            path: path.display().to_string(),
            source: Arc::new(e),
        })?;
        Self::from_storage(name, Box::new(file))
    }

    /// A tree over a zip archive held in memory (embedded, downloaded).
    ///
    /// # Errors
    /// [`TreeError::Corrupt`] if the bytes are no zip archive.
    pub fn from_bytes(
        name: impl Into<String>,
        bytes: impl AsRef<[u8]> + Send + 'static,
    ) -> Result<Self, TreeError> {
        Self::from_storage(name.into(), Box::new(Cursor::new(bytes)))
    }

    fn from_storage(name: String, storage: Box<dyn Storage>) -> Result<Self, TreeError> {
        let mut archive =
            ZipArchive::new(storage).map_err(|e| zip_error(&name, "the archive", e))?;
        let mut index = BTreeMap::new();
        let mut rejected = Vec::new();
        for i in 0..archive.len() {
            let entry = archive.by_index_raw(i).map_err(|e| zip_error(&name, "the archive", e))?;
            let Ok(raw_name) = entry.name().map(|n| n.into_owned()) else {
                rejected.push(TreeError::Corrupt {
                    tree: name.clone(),
                    path: format!("entry {i}"),
                    detail: "the name cannot be decoded".to_owned(),
                });
                continue;
            };
            if entry.is_dir() {
                continue;
            }
            let path = match AssetPath::new(&raw_name) {
                Ok(path) => path,
                Err(reason) => {
                    rejected.push(bad_name(&name, &raw_name, reason));
                    continue;
                }
            };
            if entry.is_symlink() {
                rejected.push(TreeError::Escapes { tree: name.clone(), path, target: None });
                continue;
            }
            // A later entry of the same path replaces an earlier one, as
            // archive tools that append do.
            index.insert(path, (i, entry.size()));
        }
        Ok(Self {
            name,
            archive: Mutex::new(archive),
            index,
            rejected,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        })
    }

    /// Entries larger than `bytes` are refused with [`TreeError::TooLarge`]
    /// (default [`DEFAULT_MAX_FILE_SIZE`]).
    #[must_use]
    pub fn with_max_file_size(mut self, bytes: u64) -> Self {
        self.max_file_size = bytes;
        self
    }
}

impl FileTree for ZipTree {
    fn name(&self) -> &str {
        &self.name
    }

    fn list(&self) -> Result<TreeListing, TreeError> {
        let files = self
            .index
            .iter()
            .map(|(path, &(_, size))| TreeFile { path: path.clone(), size })
            .collect();
        Ok(TreeListing { files, rejected: self.rejected.clone() })
    }

    fn read(&self, path: &AssetPath) -> Result<Vec<u8>, TreeError> {
        let &(at, size) = self
            .index
            .get(path)
            .ok_or_else(|| TreeError::NotFound { tree: self.name.clone(), path: path.clone() })?;
        check_size(&self.name, path, size, self.max_file_size)?;
        let mut archive = self.archive.lock();
        let entry = archive.by_index(at).map_err(|e| zip_error(&self.name, path.as_str(), e))?;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        // The reader checks the CRC-32 at the end of the entry; reading one
        // byte past the declared size catches an entry longer than it says.
        entry
            .take(size + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| read_error(&self.name, path, e))?;
        if bytes.len() as u64 != size {
            return Err(TreeError::Corrupt {
                tree: self.name.clone(),
                path: path.to_string(),
                detail: format!("{} bytes where the archive declares {size}", bytes.len()),
            });
        }
        Ok(bytes)
    }
}

/// A zip crate error as a tree error: storage failures are I/O, the rest is
/// damage.
fn zip_error(tree: &str, path: &str, e: ZipError) -> TreeError {
    match e {
        ZipError::Io(e)
            if e.kind() != io::ErrorKind::InvalidData
                && e.kind() != io::ErrorKind::UnexpectedEof =>
        {
            TreeError::Io { tree: tree.to_owned(), path: path.to_owned(), source: Arc::new(e) }
        }
        e => TreeError::Corrupt {
            tree: tree.to_owned(),
            path: path.to_owned(),
            detail: e.to_string(),
        },
    }
}

/// An error while decompressing an entry: a bad CRC or deflate stream is
/// damage, anything else I/O.
fn read_error(tree: &str, path: &AssetPath, e: io::Error) -> TreeError {
    match e.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof | io::ErrorKind::Other => {
            TreeError::Corrupt {
                tree: tree.to_owned(),
                path: path.to_string(),
                detail: e.to_string(),
            }
        }
        _ => TreeError::Io { tree: tree.to_owned(), path: path.to_string(), source: Arc::new(e) },
    }
}
