//! Finding the shared test corpus and its files.

use std::path::{Path, PathBuf};

/// `textures/<sub>` of the shared corpus; fails loudly when it is missing.
pub fn textures(sub: &str) -> PathBuf {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/textures"))
        .join(sub);
    assert!(dir.is_dir(), "the test corpus is missing: {} does not exist", dir.display());
    dir
}

/// Every file under `dir` (recursively) whose extension is `ext` (ignoring
/// ASCII case), sorted.
pub fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
