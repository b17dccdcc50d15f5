//! Errors of the disk cache.

use std::io;
use std::path::PathBuf;

/// Why opening or writing the disk cache failed.
///
/// Reads never fail: an entry that cannot be read or does not verify is a
/// miss (see [`DiskCache::get`](super::DiskCache::get)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiskCacheError {
    /// No default cache folder could be found (no `XDG_CACHE_HOME` or `HOME`
    /// on Linux, no `HOME` on macOS, no `LOCALAPPDATA` on Windows).
    #[error("no default cache folder: {detail}")]
    NoDefaultDir {
        /// Which variables were looked at.
        detail: String,
    },
    /// Another `DiskCache` (in this process or another) has this folder open.
    #[error("disk cache {path} is in use by another process or cache instance")]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// The entry is larger than the whole cache may be.
    #[error("entry of {bytes} bytes (with header) exceeds the disk cache cap of {max_bytes} bytes")]
    TooLarge {
        /// Size of the entry file it would need.
        bytes: u64,
        /// The cache's cap.
        max_bytes: u64,
    },
    /// The disk (or the process's file size limit, or a quota) is full; the
    /// entry was not stored and nothing of it remains.
    #[error("no space to {op} {path}: {source}")]
    NoSpace {
        /// What was being done.
        op: &'static str,
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Any other I/O failure.
    #[error("cannot {op} {path}: {source}")]
    Io {
        /// What was being done (`create`, `write`, `sync`, `rename`, …).
        op: &'static str,
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl DiskCacheError {
    /// An I/O error while doing `op` on `path`, classified: a full disk,
    /// file size limit or quota is [`DiskCacheError::NoSpace`].
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if is_no_space(&source) {
            DiskCacheError::NoSpace { op, path, source }
        } else {
            DiskCacheError::Io { op, path, source }
        }
    }
}

fn is_no_space(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::FileTooLarge | io::ErrorKind::QuotaExceeded
    )
}
