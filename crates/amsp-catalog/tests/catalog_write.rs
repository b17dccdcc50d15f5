//! Transactions: upserts replace, removals cascade, conflicts and dangling
//! pack references are refused, and nothing is applied without a commit.

mod common;

use amsp_catalog::{Catalog, CatalogError, Location, LodVariant};
use common::*;

#[test]
fn upsert_replaces_the_row_and_all_its_children() {
    let mut catalog = Catalog::open_in_memory().unwrap();
    let mut first = full_record();
    write(&mut catalog, std::slice::from_ref(&first));

    first.path = path("meshes/props/crate_renamed.glb");
    first.version += 1;
    first.dependencies = vec![id(77)];
    first.tags = vec!["renamed".into()];
    first.lods = vec![LodVariant { level: 0, chunk: 0, screen_error: 1.0, triangles: 3, bytes: 4 }];
    first.location = None;
    first.metadata = serde_json::Value::Null;
    write(&mut catalog, std::slice::from_ref(&first));

    assert_eq!(catalog.all().unwrap(), [first.clone()]);
    assert_eq!(catalog.dependencies(first.id).unwrap(), [id(77)]);
    assert!(catalog.by_tag("crate").unwrap().is_empty());
    assert_eq!(ids(&catalog.by_tag("renamed").unwrap()), [first.id]);
    assert!(catalog.get_by_path(&path("meshes/props/Crate_01.glb")).unwrap().is_none());
    assert!(catalog.in_pack(PACK).unwrap().is_empty());
    assert!(catalog.integrity_check().unwrap().is_empty());

    // Emptying the lists leaves no child rows behind.
    first.dependencies.clear();
    first.tags.clear();
    first.lods.clear();
    write(&mut catalog, std::slice::from_ref(&first));
    assert_eq!(catalog.get(first.id).unwrap(), Some(first));
}

#[test]
fn a_path_held_by_another_asset_is_a_conflict() {
    let mut catalog = Catalog::open_in_memory().unwrap();
    write(&mut catalog, &[record(1, "a.png", "texture")]);

    let tx = catalog.transaction().unwrap();
    match tx.upsert_asset(&record(2, "a.png", "texture")) {
        Err(e @ CatalogError::PathConflict { .. }) => {
            let CatalogError::PathConflict { asset_path, existing, new, .. } = &e else {
                unreachable!()
            };
            assert_eq!((asset_path.as_str(), *existing, *new), ("a.png", id(1), id(2)));
            assert_eq!(e.path().to_str(), Some(":memory:"));
            assert!(e.to_string().contains("a.png"), "{e}");
        }
        other => panic!("expected PathConflict, got {other:?}"),
    }
    // The same id may keep or change its own path.
    tx.upsert_asset(&record(1, "a.png", "texture")).unwrap();
    tx.commit().unwrap();
    assert_eq!(ids(&catalog.all().unwrap()), [id(1)]);
}

#[test]
fn a_path_moves_to_a_new_id_when_the_old_one_is_removed_first() {
    let mut catalog = Catalog::open_in_memory().unwrap();
    let mut old = record(1, "a.png", "texture");
    old.tags = vec!["old".into()];
    old.dependencies = vec![id(5)];
    write(&mut catalog, &[old]);

    let tx = catalog.transaction().unwrap();
    assert!(tx.remove_asset(id(1)).unwrap());
    assert!(!tx.remove_asset(id(1)).unwrap());
    tx.upsert_asset(&record(2, "a.png", "texture")).unwrap();
    tx.commit().unwrap();

    assert_eq!(catalog.get_by_path(&path("a.png")).unwrap().unwrap().id, id(2));
    assert!(catalog.get(id(1)).unwrap().is_none());
    assert!(catalog.by_tag("old").unwrap().is_empty());
    assert!(catalog.reverse_dependencies(id(5), false).unwrap().is_empty());
    assert!(catalog.integrity_check().unwrap().is_empty());
}

#[test]
fn swapping_two_paths_needs_a_remove() {
    let mut catalog = Catalog::open_in_memory().unwrap();
    let (a, b) = (record(1, "a.png", "texture"), record(2, "b.png", "texture"));
    write(&mut catalog, &[a.clone(), b.clone()]);

    let tx = catalog.transaction().unwrap();
    let mut a2 = a.clone();
    a2.path = b.path.clone();
    let mut b2 = b.clone();
    b2.path = a.path.clone();
    assert!(matches!(tx.upsert_asset(&a2), Err(CatalogError::PathConflict { .. })));
    tx.remove_asset(b.id).unwrap();
    tx.upsert_asset(&a2).unwrap();
    tx.upsert_asset(&b2).unwrap();
    tx.commit().unwrap();
    assert_eq!(ids(&catalog.all().unwrap()), [id(2), id(1)]);
}

#[test]
fn dropping_a_transaction_rolls_it_back() {
    let (_dir, file) = temp_catalog();
    let mut catalog = Catalog::open(&file).unwrap();
    write(&mut catalog, &[record(1, "a.png", "texture")]);
    {
        let tx = catalog.transaction().unwrap();
        tx.upsert_asset(&record(2, "b.png", "texture")).unwrap();
        tx.remove_asset(id(1)).unwrap();
        tx.set_setting("k", "v").unwrap();
        tx.remove_pack(PACK).unwrap();
    }
    assert_eq!(ids(&catalog.all().unwrap()), [id(1)]);
    assert_eq!(catalog.get_setting("k").unwrap(), None);
    assert_eq!(catalog.packs().unwrap().len(), 1);
    assert_eq!(catalog.search("b").unwrap(), []);
    drop(catalog);
    assert_eq!(Catalog::open_read_only(&file).unwrap().count().unwrap(), 1);
}

#[test]
fn an_asset_in_an_unlisted_pack_fails_the_commit() {
    let mut catalog = Catalog::open_in_memory().unwrap();
    // The pack may be written after the asset within one transaction.
    let mut packed = record(1, "a.png", "texture");
    packed.location = Some(Location { pack: "packs/late.amsp".into(), entry: 0 });
    let tx = catalog.transaction().unwrap();
    tx.upsert_asset(&packed).unwrap();
    tx.upsert_pack(&pack("packs/late.amsp", 1)).unwrap();
    tx.commit().unwrap();

    // But not never.
    let mut stray = record(2, "b.png", "texture");
    stray.location = Some(Location { pack: "packs/missing.amsp".into(), entry: 3 });
    let tx = catalog.transaction().unwrap();
    tx.upsert_asset(&stray).unwrap();
    match tx.commit() {
        Err(CatalogError::UnknownPack { asset, pack, .. }) => {
            assert_eq!((asset, pack.as_str()), (id(2), "packs/missing.amsp"));
        }
        other => panic!("expected UnknownPack, got {other:?}"),
    }
    assert_eq!(ids(&catalog.all().unwrap()), [id(1)], "the failed commit was rolled back");

    // Removing a pack that still holds assets fails the same way.
    let tx = catalog.transaction().unwrap();
    tx.remove_pack("packs/late.amsp").unwrap();
    assert!(matches!(tx.commit(), Err(CatalogError::UnknownPack { .. })));
    assert_eq!(catalog.packs().unwrap().len(), 1);

    // Moving the asset out first makes it legal.
    let tx = catalog.transaction().unwrap();
    tx.upsert_asset(&record(1, "a.png", "texture")).unwrap();
    tx.remove_pack("packs/late.amsp").unwrap();
    tx.commit().unwrap();
    assert!(catalog.packs().unwrap().is_empty());
    assert!(catalog.integrity_check().unwrap().is_empty());
}

#[test]
fn a_transaction_sees_its_own_writes() {
    let mut catalog = Catalog::open_in_memory().unwrap();
    let tx = catalog.transaction().unwrap();
    tx.upsert_asset(&record(1, "a.png", "texture")).unwrap();
    tx.set_setting("k", "v").unwrap();
    assert_eq!(tx.get_by_path(&path("a.png")).unwrap().map(|r| r.id), Some(id(1)));
    assert_eq!(tx.get_setting("k").unwrap().as_deref(), Some("v"));
    assert_eq!(tx.count().unwrap(), 1);
    tx.commit().unwrap();
}

#[test]
fn read_only_catalogs_refuse_transactions() {
    let (_dir, file) = temp_catalog();
    write(&mut Catalog::open(&file).unwrap(), &[record(1, "a.png", "texture")]);
    let before = std::fs::read(&file).unwrap();
    let mut read_only = Catalog::open_read_only(&file).unwrap();
    assert!(read_only.is_read_only());
    assert!(matches!(read_only.transaction(), Err(CatalogError::ReadOnly { .. })));
    assert!(read_only.integrity_check().unwrap().is_empty());
    drop(read_only);
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[test]
fn a_second_writer_waits_for_the_first() {
    let (_dir, file) = temp_catalog();
    let mut first = Catalog::open(&file).unwrap();
    let tx = first.transaction().unwrap();
    tx.upsert_asset(&record(1, "a.png", "texture")).unwrap();

    let other = file.clone();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let second = std::thread::spawn(move || {
        let mut second = Catalog::open(&other).unwrap();
        started_tx.send(()).unwrap();
        // Blocks on the write lock until the first transaction commits.
        let tx = second.transaction().unwrap();
        let seen = tx.count().unwrap();
        tx.upsert_asset(&record(2, "b.png", "texture")).unwrap();
        tx.commit().unwrap();
        seen
    });
    started_rx.recv().unwrap();
    tx.commit().unwrap();
    assert_eq!(second.join().unwrap(), 1, "the second writer saw the first one's commit");
    assert_eq!(first.count().unwrap(), 2);
}
