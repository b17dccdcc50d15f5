//! The virtual file system: trees of source files and a mount table of
//! sources.
//!
//! - A [`FileTree`] is a tree of plain files addressed by [`AssetPath`]: a
//!   loose folder ([`FolderTree`]), a zip archive ([`ZipTree`]) or bytes
//!   compiled into the program ([`EmbeddedTree`]). Development builds import
//!   source files from a tree as they are requested (no cook step); mods and
//!   patches ship as trees.
//! - A [`Vfs`] is a mount table of [`AssetSource`](crate::AssetSource)s,
//!   cooked or not: a later mount overrides an earlier one, path by path and
//!   id by id (patches, mods, a development folder over the shipped packs).
//!
//! Every tree holds only what an [`AssetPath`] can name: a name that is
//! absolute, has a `..` segment, a NUL or another control character is
//! refused (a zip entry named `../../etc/passwd` is listed as rejected and
//! can never be read), and a folder never follows a symbolic link out of
//! its root.

mod embedded;
mod folder;
mod mounts;
mod zip;

use std::io;
use std::sync::Arc;

use amsp_core::{AssetPath, PathError};

pub use embedded::EmbeddedTree;
pub use folder::FolderTree;
pub use mounts::{MountId, Vfs};
pub use zip::ZipTree;

/// The largest file a tree reads by default (256 MiB): a size read from an
/// archive or the file system is checked against it before allocating.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 256 << 20;

/// Why a tree could not list or read a file.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// The name is not a valid asset path (absolute, `..`, control
    /// characters): it could name a file outside the tree.
    #[error("{tree}: {name:?} is not a valid asset path: {reason}")]
    BadName {
        /// The tree asked.
        tree: String,
        /// The name as given.
        name: String,
        /// Why it was refused.
        reason: PathError,
    },
    /// A stored name that reads as another path (it has a backslash or an
    /// empty or `.` segment), so no asset path reaches it.
    #[error("{tree}: {name:?} is not served: as an asset path it reads {path}")]
    NotCanonical {
        /// The tree.
        tree: String,
        /// The name as stored.
        name: String,
        /// The path it normalises to.
        path: AssetPath,
    },
    /// The tree has no file at this path.
    #[error("{tree}: no file {path}")]
    NotFound {
        /// The tree asked.
        tree: String,
        /// The path asked for.
        path: AssetPath,
    },
    /// The path leads out of the tree (a symbolic link to a file outside
    /// the folder, or a symbolic link entry in an archive).
    #[error("{tree}: {path} leads outside the tree{}", .target.as_ref().map(|t| format!(" (to {t})")).unwrap_or_default())]
    Escapes {
        /// The tree asked.
        tree: String,
        /// The path asked for.
        path: AssetPath,
        /// Where it leads, where known.
        target: Option<String>,
    },
    /// The file is larger than the tree reads.
    #[error("{tree}: {path} is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// The tree asked.
        tree: String,
        /// The file.
        path: AssetPath,
        /// Its size.
        size: u64,
        /// The tree's limit.
        limit: u64,
    },
    /// The tree's storage failed (transient: may be retried).
    #[error("{tree}: I/O error on {path}: {source}")]
    Io {
        /// The tree asked.
        tree: String,
        /// The file (or the tree's root) that failed.
        path: String,
        /// The underlying error.
        #[source]
        source: Arc<io::Error>,
    },
    /// The stored bytes are damaged (a zip entry whose CRC or sizes do not
    /// match, an archive whose directory cannot be read).
    #[error("{tree}: {path} is corrupt: {detail}")]
    Corrupt {
        /// The tree asked.
        tree: String,
        /// The file (or the archive).
        path: String,
        /// What is wrong.
        detail: String,
    },
}

impl TreeError {
    /// Whether retrying could succeed (I/O errors only).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, TreeError::Io { .. })
    }
}

/// One file of a tree's listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Its path in the tree.
    pub path: AssetPath,
    /// Its size in bytes.
    pub size: u64,
}

/// What a tree holds: the files it serves, and the names it refuses.
#[derive(Debug, Clone, Default)]
pub struct TreeListing {
    /// The files, sorted by path.
    pub files: Vec<TreeFile>,
    /// Entries that are not served, with the reason (bad names, links out
    /// of the tree, special files).
    pub rejected: Vec<TreeError>,
}

/// A tree of plain files addressed by [`AssetPath`].
///
/// Implementations may block on storage (call them from worker threads) and
/// may be called from many threads at once.
pub trait FileTree: Send + Sync + 'static {
    /// A short name for messages (`folder assets/`, `zip mods/hats.zip`).
    fn name(&self) -> &str;

    /// Every file the tree serves, and the entries it refuses.
    ///
    /// # Errors
    /// [`TreeError::Io`] or [`TreeError::Corrupt`] when the tree itself
    /// cannot be listed.
    fn list(&self) -> Result<TreeListing, TreeError>;

    /// The bytes of the file at `path`.
    ///
    /// # Errors
    /// [`TreeError::NotFound`], [`TreeError::Escapes`],
    /// [`TreeError::TooLarge`], [`TreeError::Io`] or [`TreeError::Corrupt`].
    fn read(&self, path: &AssetPath) -> Result<Vec<u8>, TreeError>;

    /// The bytes of the file named `name`, a path as a user or a file
    /// wrote it: normalised first, and refused if it could leave the tree.
    ///
    /// # Errors
    /// [`TreeError::BadName`] for a name that is no asset path, else as
    /// [`read`](Self::read).
    fn read_name(&self, name: &str) -> Result<Vec<u8>, TreeError> {
        let path = AssetPath::new(name).map_err(|reason| TreeError::BadName {
            tree: self.name().to_owned(),
            name: name.to_owned(),
            reason,
        })?;
        self.read(&path)
    }
}

/// Checks a size read from storage against a tree's limit.
fn check_size(tree: &str, path: &AssetPath, size: u64, limit: u64) -> Result<(), TreeError> {
    if size > limit {
        return Err(TreeError::TooLarge { tree: tree.to_owned(), path: path.clone(), size, limit });
    }
    Ok(())
}

/// A [`TreeError::BadName`] for `name` in `tree`.
fn bad_name(tree: &str, name: &str, reason: PathError) -> TreeError {
    TreeError::BadName { tree: tree.to_owned(), name: name.to_owned(), reason }
}
