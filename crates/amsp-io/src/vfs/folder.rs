//! A loose folder of source files.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use amsp_core::AssetPath;

use super::{
    DEFAULT_MAX_FILE_SIZE, FileTree, TreeError, TreeFile, TreeListing, bad_name, check_size,
};

/// A [`FileTree`] over a folder on disk: the development tree that source
/// files load from without a cook step, or a mod folder.
///
/// Reads resolve every symbolic link first and refuse a file whose real
/// location is outside the folder ([`TreeError::Escapes`]); a link to a file
/// inside it is followed. The listing does not descend into linked folders
/// (their files are listed under their real paths, or refused if they are
/// outside). Sizes are checked against a limit before a file is read.
#[derive(Debug)]
pub struct FolderTree {
    name: String,
    root: PathBuf,
    max_file_size: u64,
}

impl FolderTree {
    /// A tree over the folder `root`.
    ///
    /// # Errors
    /// [`TreeError::Io`] if the folder does not exist or cannot be
    /// resolved.
    pub fn open(root: impl AsRef<Path>) -> Result<Self, TreeError> {
        let given = root.as_ref();
        let name = format!("folder {}", given.display());
        let root = fs::canonicalize(given).map_err(|e| TreeError::Io {
            tree: name.clone(),
            path: given.display().to_string(),
            source: Arc::new(e),
        })?;
        if !root.is_dir() {
            return Err(TreeError::Io {
                tree: name,
                path: given.display().to_string(),
                source: Arc::new(io::Error::new(io::ErrorKind::NotADirectory, "not a folder")),
            });
        }
        Ok(Self { name, root, max_file_size: DEFAULT_MAX_FILE_SIZE })
    }

    /// Files larger than `bytes` are refused with [`TreeError::TooLarge`]
    /// (default [`DEFAULT_MAX_FILE_SIZE`]).
    #[must_use]
    pub fn with_max_file_size(mut self, bytes: u64) -> Self {
        self.max_file_size = bytes;
        self
    }

    /// The folder's real (canonical) path.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `path` lives on disk, before links are resolved.
    #[must_use]
    pub fn file_path(&self, path: &AssetPath) -> PathBuf {
        path.as_str().split('/').fold(self.root.clone(), |dir, segment| dir.join(segment))
    }

    fn io(&self, path: impl Into<String>, e: io::Error) -> TreeError {
        TreeError::Io { tree: self.name.clone(), path: path.into(), source: Arc::new(e) }
    }

    fn not_found(&self, path: &AssetPath) -> TreeError {
        TreeError::NotFound { tree: self.name.clone(), path: path.clone() }
    }

    /// Resolves the links of `path` and checks that it stays in the folder
    /// and is a plain file; returns its real path and size.
    fn locate(&self, path: &AssetPath) -> Result<(PathBuf, u64), TreeError> {
        let real = match fs::canonicalize(self.file_path(path)) {
            Ok(real) => real,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(self.not_found(path)),
            Err(e) => return Err(self.io(path.as_str(), e)),
        };
        if !real.starts_with(&self.root) {
            return Err(TreeError::Escapes {
                tree: self.name.clone(),
                path: path.clone(),
                target: Some(real.display().to_string()),
            });
        }
        let meta = fs::metadata(&real).map_err(|e| self.io(path.as_str(), e))?;
        if !meta.is_file() {
            return Err(self.not_found(path));
        }
        Ok((real, meta.len()))
    }

    /// Lists `dir` (relative path `prefix`) into `listing`.
    fn walk(&self, dir: &Path, prefix: &str, listing: &mut TreeListing) -> Result<(), TreeError> {
        let entries = fs::read_dir(dir).map_err(|e| self.io(dir.display().to_string(), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| self.io(dir.display().to_string(), e))?;
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                let shown = file_name.to_string_lossy();
                listing.rejected.push(TreeError::Corrupt {
                    tree: self.name.clone(),
                    path: format!("{prefix}{shown}"),
                    detail: "the name is not UTF-8".to_owned(),
                });
                continue;
            };
            let relative = format!("{prefix}{file_name}");
            let kind = entry.file_type().map_err(|e| self.io(&relative, e))?;
            if kind.is_dir() {
                self.walk(&entry.path(), &format!("{relative}/"), listing)?;
                continue;
            }
            let path = match AssetPath::new(&relative) {
                Ok(path) if path.as_str() == relative => path,
                Ok(path) => {
                    listing.rejected.push(TreeError::NotCanonical {
                        tree: self.name.clone(),
                        name: relative,
                        path,
                    });
                    continue;
                }
                Err(reason) => {
                    listing.rejected.push(bad_name(&self.name, &relative, reason));
                    continue;
                }
            };
            if kind.is_symlink() || kind.is_file() {
                match self.locate(&path) {
                    Ok((_, size)) => listing.files.push(TreeFile { path, size }),
                    // A link to a folder inside the tree: its files are
                    // listed under their own paths.
                    Err(TreeError::NotFound { .. }) if kind.is_symlink() => {}
                    Err(e @ TreeError::Escapes { .. }) => listing.rejected.push(e),
                    Err(TreeError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}

impl FileTree for FolderTree {
    fn name(&self) -> &str {
        &self.name
    }

    fn list(&self) -> Result<TreeListing, TreeError> {
        let mut listing = TreeListing::default();
        self.walk(&self.root, "", &mut listing)?;
        listing.files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(listing)
    }

    fn read(&self, path: &AssetPath) -> Result<Vec<u8>, TreeError> {
        let (real, size) = self.locate(path)?;
        check_size(&self.name, path, size, self.max_file_size)?;
        let file = fs::File::open(&real).map_err(|e| self.io(path.as_str(), e))?;
        // The file may grow between the check and the read: read one byte
        // more than the limit at most, and refuse it if that byte came.
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        file.take(self.max_file_size + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.io(path.as_str(), e))?;
        check_size(&self.name, path, bytes.len() as u64, self.max_file_size)?;
        Ok(bytes)
    }
}
