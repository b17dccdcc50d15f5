//! The platform's cache folder.

use std::env;
use std::path::PathBuf;

use super::DiskCacheError;

/// The folder the disk cache uses by default: the platform's per-user cache
/// folder plus `amsp`.
///
/// - Linux and other Unix: `$XDG_CACHE_HOME/amsp` when that is an absolute
///   path, else `$HOME/.cache/amsp`.
/// - macOS: `$HOME/Library/Caches/amsp`.
/// - Windows: `%LOCALAPPDATA%\amsp`.
///
/// # Errors
/// [`DiskCacheError::NoDefaultDir`] when the variables are missing or empty.
pub fn default_cache_dir() -> Result<PathBuf, DiskCacheError> {
    platform_cache_dir().map(|dir| dir.join("amsp"))
}

fn var_path(name: &str) -> Option<PathBuf> {
    let value = env::var_os(name)?;
    let path = PathBuf::from(value);
    // Relative paths are ignored, as the XDG base directory specification
    // requires, so a cache never lands in the working directory.
    path.is_absolute().then_some(path)
}

#[cfg(target_os = "windows")]
fn platform_cache_dir() -> Result<PathBuf, DiskCacheError> {
    var_path("LOCALAPPDATA")
        .ok_or_else(|| DiskCacheError::NoDefaultDir { detail: "LOCALAPPDATA is not set".into() })
}

#[cfg(target_os = "macos")]
fn platform_cache_dir() -> Result<PathBuf, DiskCacheError> {
    var_path("HOME")
        .map(|home| home.join("Library").join("Caches"))
        .ok_or_else(|| DiskCacheError::NoDefaultDir { detail: "HOME is not set".into() })
}

#[cfg(not(any(target_os = "windows", target_os = "macos")))]
fn platform_cache_dir() -> Result<PathBuf, DiskCacheError> {
    var_path("XDG_CACHE_HOME")
        .or_else(|| var_path("HOME").map(|home| home.join(".cache")))
        .ok_or_else(|| DiskCacheError::NoDefaultDir {
            detail: "neither XDG_CACHE_HOME nor HOME is set to an absolute path".into(),
        })
}
