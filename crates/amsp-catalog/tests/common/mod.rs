//! Helpers shared by the catalog integration tests.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::PathBuf;

use amsp_catalog::{AssetRecord, Catalog, Location, LodVariant, PackRecord};
use amsp_core::{AssetId, AssetPath, Codec, ContentHash};
use tempfile::TempDir;

/// The pack every located test record points at.
pub const PACK: &str = "packs/pack-000001.amsp";

/// A fresh directory and the catalog path inside it (the file does not exist yet).
pub fn temp_catalog() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("catalog.db");
    (dir, path)
}

pub fn id(n: u128) -> AssetId {
    AssetId::from_u128(n)
}

pub fn hash(seed: u8) -> ContentHash {
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = seed.wrapping_mul(31).wrapping_add(i as u8);
    }
    ContentHash(bytes)
}

pub fn path(text: &str) -> AssetPath {
    AssetPath::new(text).expect("valid asset path")
}

/// A minimal record: id, path, type, nothing else.
pub fn record(n: u128, asset_path: &str, asset_type: &str) -> AssetRecord {
    AssetRecord::new(id(n), path(asset_path), asset_type)
}

/// A record with every field set to something other than its default.
pub fn full_record() -> AssetRecord {
    AssetRecord {
        id: id(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210),
        path: path("meshes/props/Crate_01.glb"),
        asset_type: "mesh".into(),
        version: 7,
        content_hash: hash(1),
        source_hash: hash(2),
        importer: "gltf@3".into(),
        source_size: 1_234_567,
        cooked_size: 987_654,
        stored_size: 456_789,
        codec: Codec::Zstd,
        location: Some(Location { pack: PACK.into(), entry: 42 }),
        chunk_count: 3,
        dependencies: vec![id(9), id(3), id(u128::MAX)],
        tags: vec!["crate".into(), "env:dock".into(), "prop".into(), "ünïcode".into()],
        lods: vec![
            LodVariant { level: 0, chunk: 2, screen_error: 0.0, triangles: 12_000, bytes: 400_000 },
            LodVariant {
                level: 1,
                chunk: 1,
                screen_error: 0.125,
                triangles: 3_000,
                bytes: 100_000,
            },
            LodVariant {
                level: 2,
                chunk: 0,
                screen_error: f32::INFINITY,
                triangles: 700,
                bytes: u64::from(u32::MAX) + 1,
            },
        ],
        metadata: serde_json::json!({
            "bounds": [[-1.5, 0.0, -1.5], [1.5, 2.25, 1.5]],
            "precise": 0.1,
            "third": 1.0 / 3.0,
            "name": "crate \"01\"",
            "big": u64::MAX,
            "none": null,
        }),
    }
}

pub fn pack(name: &str, entry_count: u32) -> PackRecord {
    PackRecord {
        name: name.into(),
        uuid: "00112233445566778899aabbccddeeff".into(),
        file_len: 1 << 20,
        entry_count,
    }
}

/// Writes `records` (and the test pack) in one transaction.
pub fn write(catalog: &mut Catalog, records: &[AssetRecord]) {
    let tx = catalog.transaction().expect("transaction");
    tx.upsert_pack(&pack(PACK, 1000)).expect("pack");
    for r in records {
        tx.upsert_asset(r).expect("upsert");
    }
    tx.commit().expect("commit");
}

pub fn ids(records: &[AssetRecord]) -> Vec<AssetId> {
    records.iter().map(|r| r.id).collect()
}

pub fn paths(records: &[AssetRecord]) -> Vec<&str> {
    records.iter().map(|r| r.path.as_str()).collect()
}
