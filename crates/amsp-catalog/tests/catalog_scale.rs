//! A catalog of 100,000 assets: `all()` reads it with one statement per
//! table, not one per asset.
//!
//! No timing is asserted (shared machines drift); run
//! `cargo test --release -p amsp-catalog --test catalog_scale -- --nocapture`
//! to see the times. The debug build writes fewer rows to keep `cargo test`
//! quick; the release build writes the full 100,000.

mod common;

use std::time::Instant;

use amsp_catalog::{AssetRecord, Catalog, Location, LodVariant};
use common::*;

const ASSETS: u128 = if cfg!(debug_assertions) { 20_000 } else { 100_000 };

fn asset(n: u128) -> AssetRecord {
    let mut r = record(n + 1, &format!("assets/{:03}/asset_{n:06}.bin", n % 997), "data");
    r.content_hash = hash((n % 251) as u8);
    r.location = Some(Location { pack: PACK.into(), entry: (n % 1000) as u32 });
    r.dependencies = vec![id((n + 7) % ASSETS + 1), id((n * 31) % ASSETS + 1)];
    r.tags = vec!["bulk".into(), format!("group{}", n % 13)];
    if n.is_multiple_of(4) {
        r.lods =
            vec![LodVariant { level: 0, chunk: 0, screen_error: 0.5, triangles: 10, bytes: 99 }];
    }
    r.metadata = serde_json::json!({ "n": n as u64 });
    r
}

#[test]
fn all_reads_a_large_catalog_in_one_pass() {
    let (_dir, file) = temp_catalog();
    let mut catalog = Catalog::open(&file).unwrap();
    let started = Instant::now();
    write(&mut catalog, &(0..ASSETS).map(asset).collect::<Vec<_>>());
    let written = started.elapsed();

    let started = Instant::now();
    let all = catalog.all().unwrap();
    let read = started.elapsed();
    eprintln!("{ASSETS} assets: written in {written:.2?}, all() in {read:.2?}");

    assert_eq!(all.len() as u128, ASSETS);
    assert!(all.windows(2).all(|w| w[0].path < w[1].path), "ordered by path");
    for r in all.iter().step_by(997) {
        let n = r.id.as_u128() - 1;
        assert_eq!(*r, asset(n), "record {n}");
    }
    assert_eq!(catalog.count().unwrap() as u128, ASSETS);

    let started = Instant::now();
    let tagged = catalog.by_tag("group3").unwrap();
    let closure = catalog.dependency_closure(id(1)).unwrap();
    let found = catalog.search("asset_000042").unwrap();
    eprintln!(
        "by_tag: {} records, closure: {} ids, search: {} hits, together in {:.2?}",
        tagged.len(),
        closure.len(),
        found.len(),
        started.elapsed()
    );
    assert!(tagged.iter().all(|r| r.has_tag("group3")));
    assert_eq!(found[0].id, id(43));
}
