//! Bad sources: each is reported with its path, the rest cooks, and the
//! output stays consistent.

use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use amsp_catalog::Catalog;
use amsp_cook::{CATALOG_FILE, CookProgress, Cooker};
use amsp_core::AssetPath;
use amsp_pack::PackReader;

#[test]
fn bad_files_are_reported_and_the_rest_cooks() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    fs::create_dir_all(src.join("data")).unwrap();
    fs::write(src.join("data/good.json"), br#"{"ok": true}"#).unwrap();
    fs::write(src.join("data/bad.json"), b"{\n  \"ok\": tru\n}").unwrap();
    fs::write(src.join("data/bad.ron"), b"(a: [1, 2").unwrap();
    fs::write(src.join("data/text.txt"), b"fine").unwrap();
    fs::write(src.join("data/broken.txt.meta"), b"(id: nope)").unwrap();
    fs::write(src.join("data/broken.txt"), b"x").unwrap();
    fs::write(src.join("data/needs.txt"), b"x").unwrap();
    fs::write(
        src.join("data/needs.txt.meta"),
        br#"(id: "000000000000000000000000000000b1", dependencies: ["data/missing.txt"])"#,
    )
    .unwrap();

    let report = Cooker::new(&src, &out).run().unwrap();
    let failed: Vec<&str> = report.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(report.cooked, 2, "{report:?}");
    assert_eq!(report.failed, 4, "{report:?}");
    for (needle, what) in [
        ("data/bad.json", "invalid JSON: expected ident at line 3"),
        ("data/bad.ron", "RON"),
        ("data/broken.txt", "invalid sidecar"),
        ("data/needs.txt", "data/missing.txt"),
    ] {
        let failure = report
            .errors
            .iter()
            .find(|e| e.path.contains(needle))
            .unwrap_or_else(|| panic!("{needle} not in {failed:?}"));
        assert!(failure.error.contains(what), "{}: {}", failure.path, failure.error);
    }
    let catalog = Catalog::open_read_only(out.join(CATALOG_FILE)).unwrap();
    assert_eq!(catalog.count().unwrap(), 2);
    assert!(catalog.get_by_path(&AssetPath::new("data/bad.json").unwrap()).unwrap().is_none());

    // Fixing the file cooks it on the next run; the good ones stay unchanged.
    fs::write(src.join("data/bad.json"), br#"{"ok": true}"#).unwrap();
    let again = Cooker::new(&src, &out).run().unwrap();
    assert_eq!((again.cooked, again.unchanged), (1, 2), "{again:?}");
}

/// Deletes a source file once planning is over and importing starts.
struct Vanish(Mutex<Option<PathBuf>>);

impl CookProgress for Vanish {
    fn start(&self, _total: u64) {
        if let Some(path) = self.0.lock().unwrap().take() {
            fs::remove_file(path).unwrap();
        }
    }
    fn advance(&self, _path: &AssetPath) {}
    fn finish(&self) {}
}

#[test]
fn a_file_vanishing_during_the_cook_is_reported_and_leaves_no_half_written_output() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    fs::create_dir_all(&src).unwrap();
    for i in 0..20 {
        fs::write(src.join(format!("f{i:02}.txt")), format!("file {i}")).unwrap();
    }
    let vanish = Arc::new(Vanish(Mutex::new(Some(src.join("f07.txt")))));
    let report = Cooker::new(&src, &out).with_progress(vanish).run().unwrap();
    assert_eq!((report.cooked, report.failed), (19, 1), "{report:?}");
    assert_eq!(report.errors[0].path, "f07.txt");
    assert!(report.errors[0].error.contains("f07.txt"), "{}", report.errors[0].error);

    let names: Vec<String> = fs::read_dir(out.join("packs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "one committed pack and no temporary files: {names:?}");
    let reader = PackReader::open(out.join("packs").join(&names[0])).unwrap();
    reader.verify().unwrap();
    let catalog = Catalog::open_read_only(out.join(CATALOG_FILE)).unwrap();
    assert_eq!(catalog.count().unwrap(), 19);
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_are_reported() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("ok.txt"), b"ok").unwrap();
    fs::write(src.join(std::ffi::OsStr::from_bytes(b"bad\xff.txt")), b"x").unwrap();
    let report = Cooker::new(&src, &out).run().unwrap();
    assert_eq!((report.cooked, report.failed), (1, 1), "{report:?}");
    assert!(report.errors[0].error.contains("UTF-8"), "{:?}", report.errors);
}

#[test]
fn dependency_cycles_fail_the_assets_on_the_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    fs::create_dir_all(&src).unwrap();
    for (name, id, dep) in [("a", "a1", "b"), ("b", "b1", "c"), ("c", "c1", "a")] {
        fs::write(src.join(format!("{name}.txt")), name).unwrap();
        fs::write(
            src.join(format!("{name}.txt.meta")),
            format!(r#"(id: "000000000000000000000000000000{id}", dependencies: ["{dep}.txt"])"#),
        )
        .unwrap();
    }
    fs::write(src.join("free.txt"), b"free").unwrap();
    let report = Cooker::new(&src, &out).run().unwrap();
    assert_eq!((report.cooked, report.failed), (1, 3), "{report:?}");
    let a = report.errors.iter().find(|e| e.path == "a.txt").unwrap();
    assert!(a.error.contains("a.txt -> b.txt -> c.txt -> a.txt"), "{}", a.error);
}

/// A source that fails before import (here: its sidecar no longer parses)
/// keeps its previous cooked version; it is not treated as deleted, and the
/// assets that depend on it are not disturbed.
#[test]
fn a_source_that_cannot_be_read_keeps_its_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("base.txt"), b"base").unwrap();
    fs::write(src.join("base.txt.meta"), br#"(id: "000000000000000000000000000000c1")"#).unwrap();
    fs::write(src.join("top.txt"), b"top").unwrap();
    fs::write(
        src.join("top.txt.meta"),
        br#"(id: "000000000000000000000000000000c2", dependencies: ["base.txt"])"#,
    )
    .unwrap();
    let first = Cooker::new(&src, &out).run().unwrap();
    assert_eq!(first.cooked, 2, "{first:?}");

    fs::write(src.join("base.txt.meta"), b"(id: broken").unwrap();
    let second = Cooker::new(&src, &out).run().unwrap();
    assert_eq!((second.cooked, second.failed, second.removed), (0, 1, 0), "{second:?}");
    assert_eq!(second.errors[0].path, "base.txt");
    let catalog = Catalog::open_read_only(out.join(CATALOG_FILE)).unwrap();
    assert_eq!(catalog.count().unwrap(), 2, "base.txt keeps its previous cooked version");
    drop(catalog);

    fs::write(src.join("base.txt.meta"), br#"(id: "000000000000000000000000000000c1")"#).unwrap();
    let third = Cooker::new(&src, &out).run().unwrap();
    assert_eq!((third.cooked, third.failed, third.unchanged), (0, 0, 2), "{third:?}");
}
