//! Cooking the shared corpus of real files (textures, meshes, audio from
//! public test suites) as it is, read-only: every file cooks (as opaque data
//! until the format importers exist) or fails with a reported error, nothing
//! panics, and every cooked byte reads back equal to its source.

use std::path::PathBuf;

use amsp_cook::{CookOptions, Cooker};
use amsp_io::{AssetSource, CookedSource};

fn corpus() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(
        path.is_dir(),
        "the shared test corpus is missing at {}: tests that use real files cannot run",
        path.display()
    );
    path
}

#[test]
fn the_corpus_cooks_without_writing_into_it_and_reads_back() {
    let src = corpus();
    let out = tempfile::tempdir().unwrap();
    let options = CookOptions { write_meta: false, ..CookOptions::default() };
    let report = Cooker::new(&src, out.path()).with_options(options).run().unwrap();
    assert!(report.cooked > 900, "{} cooked", report.cooked);
    for failure in &report.errors {
        // Only text files that are not valid for their type may fail.
        assert!(
            failure.path.ends_with(".txt") || failure.path.ends_with(".json"),
            "{}: {}",
            failure.path,
            failure.error
        );
    }

    let source = CookedSource::open(out.path()).unwrap();
    assert_eq!(source.len(), report.cooked);
    for id in source.ids() {
        let desc = source.describe(id).unwrap();
        let bytes = source.read_all(id).unwrap();
        assert_eq!(bytes, std::fs::read(src.join(desc.path.as_str())).unwrap(), "{}", desc.path);
    }
    // Read-only cook: no sidecar was written into the corpus.
    let sidecars =
        walk(&src).into_iter().filter(|p| p.extension().is_some_and(|e| e == "meta")).count();
    assert_eq!(sidecars, 0);
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
