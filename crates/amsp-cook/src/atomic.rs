//! Crash-safe file replacement.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// Replaces `path` with `bytes` so that after a crash the file holds either
/// its old content or the new one, never a mix: the bytes go to a temporary
/// file in the same directory, which is flushed to disk, renamed over `path`,
/// and the directory entry is flushed too.
///
/// # Errors
/// Any I/O error; the temporary file is removed on failure.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_replace(path, bytes, true)
}

/// Like [`write_atomic`] (a reader sees the old or the new content, never a
/// mix) but without flushing to disk: for many files at once, made durable
/// afterwards by one [`sync_tree`].
///
/// # Errors
/// Any I/O error; the temporary file is removed on failure.
pub fn write_replace_unsynced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_replace(path, bytes, false)
}

fn write_replace(path: &Path, bytes: &[u8], durable: bool) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| io::Error::other("path has no file name"))?;
    let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        if durable {
            file.sync_all()?;
        }
        drop(file);
        fs::rename(&tmp, path)?;
        if durable { sync_dir(dir) } else { Ok(()) }
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Makes the files written with [`write_replace_unsynced`] durable: on Linux
/// one `syncfs` of the file system holding `root`; elsewhere an fsync of
/// every file in `files` and of their directories.
///
/// # Errors
/// Any I/O error from the flush.
pub fn sync_tree(root: &Path, files: &[std::path::PathBuf]) -> io::Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        let _ = files;
        let dir = File::open(root)?;
        rustix::fs::syncfs(&dir).map_err(io::Error::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = root;
        let mut dirs = std::collections::BTreeSet::new();
        for file in files {
            File::open(file)?.sync_all()?;
            if let Some(parent) = file.parent() {
                dirs.insert(parent.to_owned());
            }
        }
        dirs.iter().try_for_each(|d| sync_dir(d))
    }
}

/// Flushes a directory's entries (renames, creations, removals) to disk.
///
/// # Errors
/// Any I/O error from opening or syncing the directory.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.meta");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.meta")]);
    }
}
