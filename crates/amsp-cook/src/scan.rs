//! Finding the source files of a tree.

use std::path::{Path, PathBuf};

use amsp_core::AssetPath;

use crate::error::CookError;
use crate::meta::META_EXTENSION;

/// A source file found by [`scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the source root.
    pub path: AssetPath,
    /// Path on disk.
    pub file: PathBuf,
}

/// Lists the source files under `root`, sorted by path.
///
/// Skipped: `.meta` sidecars, hidden files and folders (names starting with
/// `.`), symbolic links (which could point outside the tree), and the folder
/// `exclude` (the cook output when it lies inside the source tree). Files whose
/// names are not valid UTF-8 asset paths come back as errors, so they are
/// reported and the rest still cooks.
///
/// # Errors
/// [`CookError::Io`] when `root` itself cannot be read.
pub fn scan(
    root: &Path,
    exclude: Option<&Path>,
) -> Result<(Vec<SourceFile>, Vec<CookError>), CookError> {
    let meta = std::fs::metadata(root).map_err(|e| CookError::io(root, e))?;
    if !meta.is_dir() {
        return Err(CookError::io(root, std::io::Error::other("source is not a directory")));
    }
    let exclude = exclude.and_then(|p| p.canonicalize().ok());
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let walker = walkdir::WalkDir::new(root).follow_links(false).into_iter().filter_entry(|e| {
        let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
        let excluded = exclude.as_ref().is_some_and(|ex| {
            e.file_type().is_dir() && e.path().canonicalize().is_ok_and(|p| &p == ex)
        });
        !hidden && !excluded
    });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(root).to_owned();
                errors.push(CookError::io(&path, e.into()));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let file = entry.path();
        if file.extension().is_some_and(|ext| ext == META_EXTENSION) {
            continue;
        }
        let relative = file.strip_prefix(root).unwrap_or(file);
        let Some(text) = relative.to_str() else {
            errors.push(CookError::BadPath {
                path: file.to_owned(),
                detail: "file name is not valid UTF-8".into(),
            });
            continue;
        };
        match AssetPath::new(text) {
            Ok(path) if path.label().is_some() => errors.push(CookError::BadPath {
                path: file.to_owned(),
                detail: "the text after the last '#' of this file name has no '.', \
                         which makes it a sub-asset label (model.glb#mesh0); rename the file"
                    .into(),
            }),
            Ok(path) => files.push(SourceFile { path, file: file.to_owned() }),
            Err(e) => {
                errors.push(CookError::BadPath { path: file.to_owned(), detail: e.to_string() })
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn skips_sidecars_hidden_and_excluded() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::create_dir_all(root.join("out")).unwrap();
        for f in ["a/b/c.json", "a/b/c.json.meta", "top.txt", ".hidden", ".git/x", "out/catalog.db"]
        {
            fs::write(root.join(f), b"x").unwrap();
        }
        let (files, errors) = scan(root, Some(&root.join("out"))).unwrap();
        let paths: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a/b/c.json", "top.txt"]);
        assert!(errors.is_empty());
    }

    #[test]
    fn missing_root_is_an_error() {
        assert!(scan(Path::new("/nonexistent/amsp/src"), None).is_err());
    }
}
