//! From file-system paths in watcher events to the asset paths a source
//! refreshes: relative to the watched folder, editor temporary files and
//! version-control folders left out, new folders expanded to their files.

use std::path::{Component, Path, PathBuf};

use amsp_core::AssetPath;

/// Name endings of files editors and tools write on the way to a save (or
/// leave beside it): never assets.
const TEMP_SUFFIXES: &[&str] =
    &["~", ".swp", ".swx", ".swo", ".tmp", ".temp", ".part", ".crdownload", ".kate-swp"];

/// Folders whose content is never watched for assets.
const SKIPPED_FOLDERS: &[&str] = &[".git", ".hg", ".svn"];

/// The most files a new folder is expanded to in one event.
const MAX_EXPANDED: usize = 100_000;

/// Whether the file name `name` is an editor's or tool's temporary file:
/// vim's `.x.swp` and its `4913` probe, emacs's `.#x` lock and `x~` backup,
/// LibreOffice's `.~lock.x#`, and `*.tmp` (the cook's own atomic writes),
/// `*.part`, … plus the `extra` suffixes a user configured.
#[must_use]
pub fn is_temporary(name: &str, extra: &[String]) -> bool {
    name == "4913"
        || name.starts_with(".#")
        || name.starts_with(".~lock.")
        || TEMP_SUFFIXES.iter().any(|s| name.ends_with(s))
        || extra.iter().any(|s| !s.is_empty() && name.ends_with(s.as_str()))
}

/// The asset path of `file` under `root`, or `None` when it is outside,
/// not UTF-8, not a valid asset path, temporary, or in a skipped folder.
pub(super) fn asset_path(root: &Path, file: &Path, extra: &[String]) -> Option<AssetPath> {
    let relative = file.strip_prefix(root).ok()?;
    let mut segments = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => segments.push(part.to_str()?),
            _ => return None,
        }
    }
    let name = segments.last()?;
    if is_temporary(name, extra) || segments.iter().any(|s| SKIPPED_FOLDERS.contains(s)) {
        return None;
    }
    let text = segments.join("/");
    let path = AssetPath::new(&text).ok()?;
    (path.as_str() == text).then_some(path)
}

/// `path`, and if it is a folder now (created or moved in), every file
/// below it: a watch set up on a new folder can miss the files created in
/// it before the watch.
pub(super) fn expand(path: &Path, out: &mut Vec<PathBuf>) {
    out.push(path.to_owned());
    let is_dir = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
    if !is_dir {
        return;
    }
    let mut stack = vec![path.to_owned()];
    let mut found = 0;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                stack.push(entry.path());
            } else {
                out.push(entry.path());
                found += 1;
                if found >= MAX_EXPANDED {
                    return;
                }
            }
        }
    }
}

/// The plain files under `root` (links not followed), for the count of
/// files watched.
pub(super) fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    expand(root, &mut out);
    out.retain(|p| p.as_path() != root);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names() {
        for name in ["4913", ".#a.png", "a.png~", ".a.png.swp", ".a.png.123.tmp", ".~lock.a.ods#"] {
            assert!(is_temporary(name, &[]), "{name}");
        }
        for name in ["a.png", "a.tmpl", "swp.txt", "a.png.meta"] {
            assert!(!is_temporary(name, &[]), "{name}");
        }
        assert!(is_temporary("a.png.bak", &[".bak".to_owned()]));
    }

    #[test]
    fn paths_relative_to_the_root() {
        let root = Path::new("/w/assets");
        let p = |s: &str| asset_path(root, Path::new(s), &[]).map(|p| p.as_str().to_owned());
        assert_eq!(p("/w/assets/t/a.png").as_deref(), Some("t/a.png"));
        assert_eq!(p("/w/assets/t/a.png.meta").as_deref(), Some("t/a.png.meta"));
        assert_eq!(p("/w/other/a.png"), None);
        assert_eq!(p("/w/assets/t/.a.png.swp"), None);
        assert_eq!(p("/w/assets/.git/index"), None);
        assert_eq!(p("/w/assets"), None);
    }
}
