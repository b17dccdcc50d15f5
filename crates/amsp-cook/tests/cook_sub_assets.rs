//! Sub-assets: several catalog rows and pack entries cooked from one source,
//! against a real catalog and real pack files.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;
use std::sync::Arc;

use amsp_catalog::{AssetRecord, Catalog};
use amsp_cook::{
    AssetMeta, CATALOG_FILE, CookReport, Cooker, ImportError, ImportInput, ImportedAsset, Importer,
    SubAsset, sub_asset_id,
};
use amsp_core::{AssetId, AssetPath};
use amsp_pack::PackReader;

/// `.bundle` sources: one sub-asset per line `label: text`, optionally
/// `label: text -> dependency`; the source's own asset lists the labels
/// and depends on every sub-asset.
struct BundleImporter;

impl Importer for BundleImporter {
    fn name(&self) -> &str {
        "bundle"
    }

    fn version(&self) -> u32 {
        1
    }

    fn extensions(&self) -> &[&str] {
        &["bundle"]
    }

    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        let text = std::str::from_utf8(input.bytes).map_err(|e| ImportError::new(e.to_string()))?;
        let mut main = ImportedAsset { asset_type: "bundle".into(), ..ImportedAsset::default() };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (label, rest) = line.split_once(':').ok_or_else(|| ImportError::new("no ':'"))?;
            let (body, dep) = match rest.split_once("->") {
                Some((body, dep)) => (body, Some(dep.trim())),
                None => (rest, None),
            };
            let mut asset = ImportedAsset {
                asset_type: "text".into(),
                chunks: vec![body.trim().as_bytes().to_vec()],
                ..ImportedAsset::default()
            };
            if let Some(dep) = dep {
                let dep = match dep.strip_prefix('#') {
                    Some(sibling) => input.path.with_label(sibling),
                    None => AssetPath::new(dep),
                };
                asset.dependencies.push(dep.map_err(|e| ImportError::new(e.to_string()))?);
            }
            main.dependencies.push(
                input.path.with_label(label.trim()).map_err(|e| ImportError::new(e.to_string()))?,
            );
            main.sub_assets.push(SubAsset { label: label.trim().into(), asset });
        }
        main.chunks = vec![text.as_bytes().to_vec()];
        Ok(main)
    }
}

fn cook(src: &Path, out: &Path) -> CookReport {
    let mut cooker = Cooker::new(src, out);
    cooker.registry_mut().register(Arc::new(BundleImporter));
    cooker.run().expect("cook runs")
}

fn rows(out: &Path) -> HashMap<String, AssetRecord> {
    let catalog = Catalog::open_read_only(out.join(CATALOG_FILE)).unwrap();
    catalog.all().unwrap().into_iter().map(|r| (r.path.to_string(), r)).collect()
}

/// Every row points at a pack entry holding exactly its content, and the
/// packs on disk are exactly the catalog's.
fn assert_consistent(out: &Path) {
    let catalog = Catalog::open_read_only(out.join(CATALOG_FILE)).unwrap();
    for record in catalog.all().unwrap() {
        let location = record.location.as_ref().expect("packed");
        let reader = PackReader::open(out.join(&location.pack)).unwrap();
        let entry = &reader.entries()[location.entry as usize];
        assert_eq!((entry.id, entry.content_hash), (record.id, record.content_hash));
    }
    let packs: HashSet<String> = catalog.packs().unwrap().into_iter().map(|p| p.name).collect();
    let on_disk: HashSet<String> = fs::read_dir(out.join("packs"))
        .unwrap()
        .map(|e| format!("packs/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    assert_eq!(on_disk, packs);
}

fn id_of(src: &Path, file: &str) -> AssetId {
    AssetMeta::read_for(&src.join(file)).unwrap().unwrap().id
}

#[test]
fn sub_assets_are_cooked_kept_replaced_and_removed_with_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    fs::create_dir_all(src.join("m")).unwrap();
    fs::write(src.join("m/ship.bundle"), "hull: steel\nsail: canvas -> #hull\nflag: red\n")
        .unwrap();
    fs::write(src.join("dock.bundle"), "crane: iron -> m/ship.bundle#sail\n").unwrap();

    let report = cook(&src, &out);
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    assert_eq!(report.cooked, 6, "two sources, four sub-assets");
    let ship = id_of(&src, "m/ship.bundle");
    let dock = id_of(&src, "dock.bundle");
    let all = rows(&out);
    let hull = &all["m/ship.bundle#hull"];
    let sail = &all["m/ship.bundle#sail"];
    assert_eq!(hull.id, sub_asset_id(ship, "hull"));
    assert_eq!(hull.asset_type, "text");
    assert_eq!(sail.dependencies, vec![hull.id], "a sibling by its labelled path");
    assert_eq!(all["dock.bundle#crane"].dependencies, vec![sail.id], "another source's sub-asset");
    assert_eq!(all["dock.bundle#crane"].id, sub_asset_id(dock, "crane"));
    let mut main_deps = all["m/ship.bundle"].dependencies.clone();
    main_deps.sort();
    let mut subs = vec![hull.id, sail.id, all["m/ship.bundle#flag"].id];
    subs.sort();
    assert_eq!(main_deps, subs);
    assert_eq!(hull.source_size, 0, "the source's bytes count once");
    assert_consistent(&out);

    // Unchanged: nothing is cooked and every sub-asset stays.
    let report = cook(&src, &out);
    assert_eq!((report.cooked, report.removed, report.unchanged), (0, 0, 2));
    assert_eq!(rows(&out).len(), 6);

    // One sub-asset dropped, one changed, one the same.
    fs::write(src.join("m/ship.bundle"), "hull: steel\nsail: silk\n").unwrap();
    let report = cook(&src, &out);
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    assert_eq!(report.removed, 1);
    let after = rows(&out);
    assert!(!after.contains_key("m/ship.bundle#flag"));
    assert_eq!(after["m/ship.bundle#hull"].version, 1, "same content, same version");
    assert_eq!(after["m/ship.bundle#sail"].version, 2);
    assert!(after["m/ship.bundle#sail"].dependencies.is_empty());
    assert_consistent(&out);

    // Moving the source (with its sidecar) moves its sub-assets; ids stay.
    fs::rename(src.join("m/ship.bundle"), src.join("ship.bundle")).unwrap();
    fs::rename(src.join("m/ship.bundle.meta"), src.join("ship.bundle.meta")).unwrap();
    let report = cook(&src, &out);
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    let after = rows(&out);
    assert_eq!(after["ship.bundle#hull"].id, sub_asset_id(ship, "hull"));
    assert!(after.keys().all(|p| !p.starts_with("m/")), "{:?}", after.keys());
    assert_consistent(&out);

    // Removing the source removes its sub-assets.
    fs::remove_file(src.join("ship.bundle")).unwrap();
    fs::write(src.join("dock.bundle"), "crane: iron\n").unwrap();
    let report = cook(&src, &out);
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    let after = rows(&out);
    let mut paths: Vec<&str> = after.keys().map(String::as_str).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["dock.bundle", "dock.bundle#crane"]);
    assert_consistent(&out);
}

#[test]
fn bad_labels_and_dependencies_fail_the_source_and_keep_its_previous_cook() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("a.bundle"), "x: one\n").unwrap();
    fs::write(src.join("odd#name"), "x").unwrap();
    fs::write(src.join("fine#1.txt"), "x").unwrap();
    let report = cook(&src, &out);
    assert_eq!(report.failed, 1, "{:?}", report.errors);
    assert!(report.errors[0].path.ends_with("odd#name"));
    assert!(report.errors[0].error.contains("sub-asset label"), "{}", report.errors[0].error);
    fs::remove_file(src.join("odd#name")).unwrap();
    fs::remove_file(src.join("fine#1.txt")).unwrap();

    for (text, expected) in [
        ("x: one\nx: two\n", "two sub-assets are labelled \"x\""),
        ("x: one -> #nope\n", "a.bundle#nope"),
        ("x/y: one\n", "sub-asset label"),
    ] {
        fs::write(src.join("a.bundle"), text).unwrap();
        let report = cook(&src, &out);
        assert_eq!(report.failed, 1, "{text:?}");
        assert!(report.errors[0].error.contains(expected), "{text:?}: {}", report.errors[0].error);
        let all = rows(&out);
        assert_eq!(all.len(), 2, "the previous cook stays: {:?}", all.keys());
        assert_eq!(all["a.bundle#x"].version, 1);
        assert_consistent(&out);
    }
}
