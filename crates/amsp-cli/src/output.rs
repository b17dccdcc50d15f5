//! Shared printing helpers.

use std::path::Path;

use amsp_catalog::{AssetRecord, Catalog};
use amsp_core::{AssetId, AssetPath};
use anyhow::Context;
use serde_json::{Value, json};

/// Human-readable byte count.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// Opens the catalog of a cooked output read-only.
pub fn open_catalog(out: &Path) -> anyhow::Result<Catalog> {
    let path = out.join(amsp_cook::CATALOG_FILE);
    if !path.exists() {
        anyhow::bail!(
            "{}: no catalog here; run `amsp cook SRC {}` first",
            out.display(),
            out.display()
        );
    }
    Catalog::open_read_only(&path).with_context(|| format!("opening {}", path.display()))
}

/// Finds an asset by id (32 hex digits) or by path relative to the source folder.
pub fn find(catalog: &Catalog, key: &str) -> anyhow::Result<AssetRecord> {
    if let Ok(id) = key.parse::<AssetId>()
        && let Some(record) = catalog.get(id)?
    {
        return Ok(record);
    }
    let path = AssetPath::new(key)
        .with_context(|| format!("'{key}' is neither an asset id nor a valid path"))?;
    catalog.get_by_path(&path)?.with_context(|| format!("no asset '{path}' in the catalog"))
}

/// The short JSON form of an asset (one object of `ls --json`).
pub fn summary_json(r: &AssetRecord) -> Value {
    json!({
        "id": r.id,
        "path": r.path,
        "type": r.asset_type,
        "version": r.version,
        "cooked_size": r.cooked_size,
        "stored_size": r.stored_size,
        "codec": r.codec,
        "tags": r.tags,
    })
}

/// The full JSON form of an asset (`info --json`).
pub fn full_json(catalog: &Catalog, r: &AssetRecord) -> anyhow::Result<Value> {
    let dep_paths = |ids: &[AssetId]| -> anyhow::Result<Vec<Value>> {
        ids.iter()
            .map(|id| {
                let path = catalog.get(*id)?.map(|d| d.path.to_string());
                Ok(json!({ "id": id, "path": path }))
            })
            .collect()
    };
    Ok(json!({
        "id": r.id,
        "path": r.path,
        "type": r.asset_type,
        "version": r.version,
        "content_hash": r.content_hash,
        "source_hash": r.source_hash,
        "importer": r.importer,
        "source_size": r.source_size,
        "cooked_size": r.cooked_size,
        "stored_size": r.stored_size,
        "codec": r.codec,
        "chunk_count": r.chunk_count,
        "location": r.location,
        "tags": r.tags,
        "dependencies": dep_paths(&r.dependencies)?,
        "dependents": dep_paths(&catalog.reverse_dependencies(r.id, false)?)?,
        "lods": r.lods,
        "metadata": r.metadata,
    }))
}

/// One table line per asset.
pub fn print_table(records: &[AssetRecord]) {
    println!(
        "{:<32}  {:<6}  {:>10}  {:>10}  {:<5}  PATH",
        "ID", "TYPE", "COOKED", "STORED", "CODEC"
    );
    for r in records {
        println!(
            "{}  {:<6}  {:>10}  {:>10}  {:<5}  {}",
            r.id,
            r.asset_type,
            bytes(r.cooked_size),
            bytes(r.stored_size),
            r.codec.name(),
            r.path
        );
    }
}
