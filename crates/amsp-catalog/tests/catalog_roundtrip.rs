//! Records survive a write, a close and a reopen unchanged.

mod common;

use amsp_catalog::{AssetRecord, Catalog, CatalogError, LodVariant};
use common::*;

#[test]
fn full_record_round_trips_through_a_file() {
    let (_dir, file) = temp_catalog();
    let original = full_record();
    {
        let mut catalog = Catalog::open(&file).unwrap();
        write(&mut catalog, std::slice::from_ref(&original));
    }

    let catalog = Catalog::open(&file).unwrap();
    assert_eq!(catalog.get(original.id).unwrap().as_ref(), Some(&original));
    assert_eq!(catalog.get_by_path(&original.path).unwrap().as_ref(), Some(&original));
    assert_eq!(catalog.all().unwrap(), std::slice::from_ref(&original));
    drop(catalog);

    let read_only = Catalog::open_read_only(&file).unwrap();
    assert_eq!(read_only.get(original.id).unwrap(), Some(original));
}

#[test]
fn minimal_record_round_trips() {
    let mut catalog = Catalog::open_in_memory().unwrap();
    let minimal = record(1, "data/table.ron", "data");
    write(&mut catalog, std::slice::from_ref(&minimal));
    let back = catalog.get(minimal.id).unwrap().unwrap();
    assert_eq!(back, minimal);
    assert_eq!(back.metadata, serde_json::Value::Null);
    assert_eq!(back.location, None);
}

#[test]
fn missing_assets_are_none() {
    let catalog = Catalog::open_in_memory().unwrap();
    assert_eq!(catalog.get(id(5)).unwrap(), None);
    assert_eq!(catalog.get_by_path(&path("nothing/here.png")).unwrap(), None);
    assert!(catalog.all().unwrap().is_empty());
}

#[test]
fn tags_are_stored_sorted_and_deduplicated() {
    let mut catalog = Catalog::open_in_memory().unwrap();
    let mut r = record(1, "a.png", "texture");
    r.tags = vec!["zeta".into(), "alpha".into(), "zeta".into(), "Alpha".into()];
    write(&mut catalog, &[r]);
    let back = catalog.get(id(1)).unwrap().unwrap();
    assert_eq!(back.tags, ["Alpha", "alpha", "zeta"]);
    assert!(back.has_tag("alpha") && !back.has_tag("ALPHA"));
}

#[test]
fn unstorable_values_are_rejected_and_the_transaction_stays_usable() {
    let mut catalog = Catalog::open_in_memory().unwrap();
    let tx = catalog.transaction().unwrap();

    let mut too_big = record(1, "a.bin", "data");
    too_big.cooked_size = u64::MAX;
    match tx.upsert_asset(&too_big) {
        Err(CatalogError::InvalidRecord { id, detail, .. }) => {
            assert_eq!(id, too_big.id);
            assert!(detail.contains("cooked size"), "{detail}");
        }
        other => panic!("expected InvalidRecord, got {other:?}"),
    }

    let mut nan = record(2, "b.glb", "mesh");
    nan.lods =
        vec![LodVariant { level: 0, chunk: 0, screen_error: f32::NAN, triangles: 1, bytes: 1 }];
    assert!(matches!(tx.upsert_asset(&nan), Err(CatalogError::InvalidRecord { .. })));

    let fine = record(3, "c.bin", "data");
    tx.upsert_asset(&fine).unwrap();
    tx.commit().unwrap();
    // The failed upserts left nothing behind, not even half a record.
    assert_eq!(catalog.all().unwrap(), [fine]);
    assert!(catalog.integrity_check().unwrap().is_empty());
}

#[test]
fn records_serialise_to_json_and_back() {
    let mut original = full_record();
    // JSON has no infinity (serde_json writes it as null); the catalog itself
    // stores it, as the round-trip test above shows.
    original.lods[2].screen_error = 1e30;
    let text = serde_json::to_string(&original).unwrap();
    assert!(text.contains("\"id\":\"0123456789abcdeffedcba9876543210\""), "{text}");
    let back: AssetRecord = serde_json::from_str(&text).unwrap();
    assert_eq!(back, original);
}
