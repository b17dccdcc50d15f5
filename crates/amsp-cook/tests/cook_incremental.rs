//! Incremental cooking against a real catalog and real pack files.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use amsp_catalog::Catalog;
use amsp_cook::synthetic::{SyntheticSpec, generate};
use amsp_cook::{AssetMeta, CATALOG_FILE, CookReport, Cooker};
use amsp_core::AssetPath;
use amsp_pack::PackReader;

fn cook(src: &Path, out: &Path) -> CookReport {
    Cooker::new(src, out).run().expect("cook runs")
}

fn catalog(out: &Path) -> Catalog {
    Catalog::open_read_only(out.join(CATALOG_FILE)).unwrap()
}

/// Every catalog row points at a pack entry holding exactly its content.
fn assert_consistent(out: &Path) {
    let catalog = catalog(out);
    let packs: HashSet<String> = catalog.packs().unwrap().into_iter().map(|p| p.name).collect();
    for record in catalog.all().unwrap() {
        let location = record.location.as_ref().expect("packed");
        assert!(packs.contains(&location.pack), "{} names unknown pack", record.path);
        let reader = PackReader::open(out.join(&location.pack)).unwrap();
        let entry = &reader.entries()[location.entry as usize];
        assert_eq!(entry.id, record.id);
        assert_eq!(entry.content_hash, record.content_hash);
    }
    let on_disk: HashSet<String> = fs::read_dir(out.join("packs"))
        .unwrap()
        .map(|e| format!("packs/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    assert_eq!(on_disk, packs, "pack files on disk are exactly the catalog's");
}

#[test]
fn second_run_does_nothing_and_changes_recook_only_what_they_touch() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    let assets =
        generate(&src, &SyntheticSpec { assets: 120, max_bytes: 8192, ..SyntheticSpec::default() })
            .unwrap();

    let first = cook(&src, &out);
    assert_eq!((first.cooked, first.unchanged, first.failed), (120, 0, 0), "{:?}", first.errors);
    assert_consistent(&out);

    let second = cook(&src, &out);
    assert!(second.nothing_changed(), "{second:?}");
    assert_eq!((second.cooked, second.unchanged), (0, 120));
    assert!(second.packs_written.is_empty());

    // Change one asset that others depend on: it and its dependents re-cook.
    let cat = catalog(&out);
    let target =
        assets.iter().max_by_key(|a| cat.reverse_dependencies(a.id, true).unwrap().len()).unwrap();
    let dependents = cat.reverse_dependencies(target.id, true).unwrap();
    assert!(!dependents.is_empty(), "synthetic graph has dependents");
    let before = cat.get(target.id).unwrap().unwrap();
    drop(cat);
    let file = src.join(target.path.as_str());
    let mut bytes = fs::read(&file).unwrap();
    match target.path.extension().as_deref() {
        Some("bin") => bytes.push(7),
        Some("json") => bytes.extend_from_slice(b" "),
        _ => bytes.extend_from_slice(b"\n"),
    }
    fs::write(&file, bytes).unwrap();
    let third = cook(&src, &out);
    assert_eq!(third.cooked, 1 + dependents.len(), "{third:?}");
    assert_eq!(third.unchanged, 120 - third.cooked);
    let after = catalog(&out).get(target.id).unwrap().unwrap();
    assert_eq!(after.version, before.version + 1);
    assert_ne!(after.content_hash, before.content_hash);
    assert_consistent(&out);

    // Rename a file together with its sidecar: same id, new path.
    let leaf = assets
        .iter()
        .find(|a| catalog(&out).reverse_dependencies(a.id, false).unwrap().is_empty())
        .unwrap();
    let old = src.join(leaf.path.as_str());
    let new = old.with_file_name(format!("renamed_{}", leaf.path.file_name()));
    fs::rename(&old, &new).unwrap();
    fs::rename(AssetMeta::sidecar_path(&old), AssetMeta::sidecar_path(&new)).unwrap();
    let fourth = cook(&src, &out);
    assert_eq!(fourth.cooked, 1, "{fourth:?}");
    let moved = catalog(&out).get(leaf.id).unwrap().unwrap();
    assert!(moved.path.as_str().ends_with(&format!("renamed_{}", leaf.path.file_name())));
    assert_consistent(&out);

    // Delete a leaf: removed from the catalog, nothing else cooks.
    fs::remove_file(&new).unwrap();
    let fifth = cook(&src, &out);
    assert_eq!((fifth.removed, fifth.cooked, fifth.failed), (1, 0, 0), "{fifth:?}");
    assert!(catalog(&out).get(leaf.id).unwrap().is_none());
    assert_consistent(&out);
}

#[test]
fn sidecars_give_ids_tags_and_dependencies() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    fs::create_dir_all(src.join("cfg")).unwrap();
    fs::write(src.join("cfg/base.json"), br#"{"speed": 1}"#).unwrap();
    fs::write(src.join("cfg/level.json"), br#"{"base": "cfg/base.json"}"#).unwrap();
    fs::write(
        src.join("cfg/level.json.meta"),
        br#"(id: "000000000000000000000000000000aa", tags: ["level", "forest"], dependencies: ["cfg/base.json"], settings: {"codec": "lz4"})"#,
    )
    .unwrap();
    let report = cook(&src, &out);
    assert_eq!(report.cooked, 2, "{report:?}");
    // A sidecar was created for the file that had none, with a fresh id.
    let base_meta =
        AssetMeta::read_for(&src.join("cfg/base.json")).unwrap().expect("sidecar written");
    let cat = catalog(&out);
    let level = cat.get_by_path(&AssetPath::new("cfg/level.json").unwrap()).unwrap().unwrap();
    assert_eq!(level.id.to_string(), "000000000000000000000000000000aa");
    assert_eq!(level.tags, ["forest", "level"]);
    assert_eq!(level.dependencies, [base_meta.id]);
    assert_eq!(level.asset_type, "json");
    assert_eq!(cat.by_tag("forest").unwrap().len(), 1);
    assert_eq!(cat.search("forest").unwrap()[0].id, level.id);

    // Changing only the sidecar (a tag) re-cooks that asset.
    fs::write(
        src.join("cfg/level.json.meta"),
        br#"(id: "000000000000000000000000000000aa", tags: ["level"], dependencies: ["cfg/base.json"])"#,
    )
    .unwrap();
    let again = cook(&src, &out);
    assert_eq!(again.cooked, 1, "{again:?}");
    assert_eq!(catalog(&out).get(level.id).unwrap().unwrap().tags, ["level"]);
}

#[test]
fn copied_sidecar_gets_a_fresh_id() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("a.txt"), b"a").unwrap();
    cook(&src, &out);
    fs::copy(src.join("a.txt"), src.join("b.txt")).unwrap();
    fs::copy(src.join("a.txt.meta"), src.join("b.txt.meta")).unwrap();
    let report = cook(&src, &out);
    assert_eq!((report.cooked, report.failed), (1, 0), "{report:?}");
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let a = AssetMeta::read_for(&src.join("a.txt")).unwrap().unwrap();
    let b = AssetMeta::read_for(&src.join("b.txt")).unwrap().unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(catalog(&out).count().unwrap(), 2);
}
