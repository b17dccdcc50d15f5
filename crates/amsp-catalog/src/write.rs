//! Writes: the [`CatalogTransaction`].

use std::path::Path;

use amsp_core::{AssetId, AssetPath};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::error::{CatalogError, SqlResultExt, corrupt, sqlite};
use crate::fts;
use crate::query::Reader;
use crate::record::{AssetRecord, PackRecord};

/// Full-text rows written by the transaction, applied to `assets_fts` in one
/// statement at commit. FTS5 flushes its pending terms to disk at every
/// statement savepoint, so writing it row by row makes a tiny index segment
/// per asset (a bulk write took about twice as long); staged, the whole
/// transaction becomes one segment. A row with a NULL path removes the entry.
/// The table is per connection (TEMP), so rolling back discards it too.
const CREATE_STAGING: &str = "CREATE TEMP TABLE IF NOT EXISTS fts_pending (
    key        INTEGER PRIMARY KEY,
    path       TEXT,
    asset_type TEXT,
    tags       TEXT
)";

/// Moves the staged rows into the full-text index.
const FLUSH_STAGING: &str = "
    DELETE FROM assets_fts WHERE rowid IN (SELECT key FROM temp.fts_pending);
    INSERT INTO assets_fts (rowid, path, asset_type, tags)
        SELECT key, path, asset_type, tags FROM temp.fts_pending
        WHERE path IS NOT NULL ORDER BY key;
    DELETE FROM temp.fts_pending;
";

/// A write transaction on a [`crate::Catalog`], from
/// [`crate::Catalog::transaction`].
///
/// It holds the catalog's write lock from the start (`BEGIN IMMEDIATE`).
/// Nothing is visible to other connections until [`commit`](Self::commit);
/// dropping the transaction rolls every change back. The full-text index is
/// brought up to date at commit (the other tables as each call returns).
#[derive(Debug)]
pub struct CatalogTransaction<'c> {
    tx: Transaction<'c>,
    path: &'c Path,
}

impl<'c> CatalogTransaction<'c> {
    /// Wraps a transaction that has just begun.
    pub(crate) fn begin(tx: Transaction<'c>, path: &'c Path) -> Result<Self, CatalogError> {
        tx.execute_batch(CREATE_STAGING).at(path)?;
        Ok(Self { tx, path })
    }

    /// Stages the full-text entry of asset `key` (`None` removes it).
    fn stage_fts(
        &self,
        key: i64,
        entry: Option<(String, &str, String)>,
    ) -> Result<(), CatalogError> {
        let (path, asset_type, tags) = match entry {
            Some((p, t, g)) => (Some(p), Some(t), Some(g)),
            None => (None, None, None),
        };
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO temp.fts_pending (key, path, asset_type, tags) \
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .at(self.path)?
            .execute(params![key, path, asset_type, tags])
            .at(self.path)?;
        Ok(())
    }

    fn reader(&self) -> Reader<'_> {
        Reader { conn: &self.tx, path: self.path }
    }

    /// Inserts `record`, or replaces the stored record with the same id: the
    /// row, its dependencies, tags, LOD variants and full-text entry.
    ///
    /// Tags are stored sorted and deduplicated. The location's pack need not
    /// be listed yet; it must be by [`commit`](Self::commit).
    ///
    /// # Errors
    /// - [`CatalogError::PathConflict`] if another asset holds `record.path`
    ///   (remove that asset first, in the same transaction, to move the path);
    /// - [`CatalogError::InvalidRecord`] for a size, version or count above
    ///   `i64::MAX` or a NaN LOD screen error;
    /// - [`CatalogError::Sqlite`] on a failed write.
    ///
    /// The first two are found before anything is written, so the
    /// transaction is unchanged and can go on. After a `Sqlite` error (disk
    /// full, I/O) part of the record may be written: drop the transaction.
    pub fn upsert_asset(&self, record: &AssetRecord) -> Result<(), CatalogError> {
        let path = self.path;
        let row = Encoded::new(record, path)?;
        if let Some(holder) = self.path_holder(&record.path)?
            && holder != record.id
        {
            return Err(CatalogError::PathConflict {
                path: path.to_path_buf(),
                asset_path: record.path.clone(),
                existing: holder,
                new: record.id,
            });
        }
        let id = &row.id;
        let (pack, entry) = match &record.location {
            Some(location) => (Some(location.pack.as_str()), Some(location.entry)),
            None => (None, None),
        };
        let key: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO assets (id, path, asset_type, version, content_hash, source_hash, \
                     importer, source_size, cooked_size, stored_size, codec, pack, entry, \
                     chunk_count, metadata) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) \
                 ON CONFLICT (id) DO UPDATE SET path = excluded.path, \
                     asset_type = excluded.asset_type, version = excluded.version, \
                     content_hash = excluded.content_hash, source_hash = excluded.source_hash, \
                     importer = excluded.importer, source_size = excluded.source_size, \
                     cooked_size = excluded.cooked_size, stored_size = excluded.stored_size, \
                     codec = excluded.codec, pack = excluded.pack, entry = excluded.entry, \
                     chunk_count = excluded.chunk_count, metadata = excluded.metadata \
                 RETURNING key",
            )
            .at(path)?
            .query_row(
                params![
                    id,
                    record.path.as_str(),
                    record.asset_type,
                    row.version,
                    record.content_hash.to_string(),
                    record.source_hash.to_string(),
                    record.importer,
                    row.source_size,
                    row.cooked_size,
                    row.stored_size,
                    record.codec.name(),
                    pack,
                    entry,
                    record.chunk_count,
                    row.metadata,
                ],
                |r| r.get(0),
            )
            .at(path)?;
        self.delete_children(id)?;

        let mut stmt = self
            .tx
            .prepare_cached("INSERT INTO dependencies (asset, ordinal, dep) VALUES (?1, ?2, ?3)")
            .at(path)?;
        for (ordinal, dep) in (0_i64..).zip(&record.dependencies) {
            stmt.execute(params![id, ordinal, dep.to_string()]).at(path)?;
        }
        let mut stmt =
            self.tx.prepare_cached("INSERT INTO tags (asset, tag) VALUES (?1, ?2)").at(path)?;
        for tag in &row.tags {
            stmt.execute(params![id, tag]).at(path)?;
        }
        let mut stmt = self
            .tx
            .prepare_cached(
                "INSERT INTO lods (asset, ordinal, level, chunk, screen_error, triangles, bytes) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .at(path)?;
        for (ordinal, (lod, (triangles, bytes))) in (0_i64..).zip(record.lods.iter().zip(&row.lods))
        {
            stmt.execute(params![
                id,
                ordinal,
                lod.level,
                lod.chunk,
                f64::from(lod.screen_error),
                triangles,
                bytes
            ])
            .at(path)?;
        }

        self.stage_fts(
            key,
            Some((
                fts::index_path(record.path.as_str()),
                &record.asset_type,
                fts::index_tags(&row.tags),
            )),
        )
    }

    /// Removes the asset `id` with its dependencies, tags, LOD variants and
    /// full-text entry. Other assets' dependencies on it are kept (they may
    /// name assets that are not in the catalog). Returns whether it existed.
    ///
    /// # Errors
    /// [`CatalogError::Sqlite`] on a failed write.
    pub fn remove_asset(&self, id: AssetId) -> Result<bool, CatalogError> {
        let path = self.path;
        let id = id.to_string();
        let key: Option<i64> = self
            .tx
            .prepare_cached("SELECT key FROM assets WHERE id = ?1")
            .at(path)?
            .query_row([&id], |r| r.get(0))
            .optional()
            .at(path)?;
        let Some(key) = key else { return Ok(false) };
        self.stage_fts(key, None)?;
        self.delete_children(&id)?;
        self.tx
            .prepare_cached("DELETE FROM assets WHERE key = ?1")
            .at(path)?
            .execute([key])
            .at(path)?;
        Ok(true)
    }

    /// Inserts `pack`, or replaces the pack with the same name.
    ///
    /// # Errors
    /// [`CatalogError::InvalidPack`] for a file length above `i64::MAX`;
    /// [`CatalogError::Sqlite`] on a failed write.
    pub fn upsert_pack(&self, pack: &PackRecord) -> Result<(), CatalogError> {
        let file_len = i64::try_from(pack.file_len).map_err(|_| CatalogError::InvalidPack {
            path: self.path.to_path_buf(),
            name: pack.name.clone(),
            detail: format!("file length {} is above the largest SQLite integer", pack.file_len),
        })?;
        self.tx
            .prepare_cached(
                "INSERT INTO packs (name, uuid, file_len, entry_count) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (name) DO UPDATE SET uuid = excluded.uuid, \
                     file_len = excluded.file_len, entry_count = excluded.entry_count",
            )
            .at(self.path)?
            .execute(params![pack.name, pack.uuid, file_len, pack.entry_count])
            .at(self.path)?;
        Ok(())
    }

    /// Removes the pack `name` (nothing happens if there is none). Assets
    /// located in it must be removed or moved before [`commit`](Self::commit).
    ///
    /// # Errors
    /// [`CatalogError::Sqlite`] on a failed write.
    pub fn remove_pack(&self, name: &str) -> Result<(), CatalogError> {
        self.tx
            .prepare_cached("DELETE FROM packs WHERE name = ?1")
            .at(self.path)?
            .execute([name])
            .at(self.path)?;
        Ok(())
    }

    /// Sets the setting `key` to `value` (cook settings, output layout, …).
    ///
    /// # Errors
    /// [`CatalogError::Sqlite`] on a failed write.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), CatalogError> {
        self.tx
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .at(self.path)?
            .execute([key, value])
            .at(self.path)?;
        Ok(())
    }

    /// Removes the setting `key`; returns whether it was set.
    ///
    /// # Errors
    /// [`CatalogError::Sqlite`] on a failed write.
    pub fn remove_setting(&self, key: &str) -> Result<bool, CatalogError> {
        let n = self
            .tx
            .prepare_cached("DELETE FROM settings WHERE key = ?1")
            .at(self.path)?
            .execute([key])
            .at(self.path)?;
        Ok(n > 0)
    }

    /// The asset `id` as this transaction sees it (its own writes included).
    ///
    /// # Errors
    /// As for [`crate::Catalog::get`].
    pub fn get(&self, id: AssetId) -> Result<Option<AssetRecord>, CatalogError> {
        self.reader().get(id)
    }

    /// The asset at `path` as this transaction sees it.
    ///
    /// # Errors
    /// As for [`crate::Catalog::get`].
    pub fn get_by_path(&self, path: &AssetPath) -> Result<Option<AssetRecord>, CatalogError> {
        self.reader().get_by_path(path)
    }

    /// The setting `key` as this transaction sees it.
    ///
    /// # Errors
    /// As for [`crate::Catalog::get_setting`].
    pub fn get_setting(&self, key: &str) -> Result<Option<String>, CatalogError> {
        self.reader().get_setting(key)
    }

    /// The number of assets as this transaction sees it.
    ///
    /// # Errors
    /// As for [`crate::Catalog::count`].
    pub fn count(&self) -> Result<u64, CatalogError> {
        self.reader().count()
    }

    /// Makes every change of the transaction durable and visible.
    ///
    /// # Errors
    /// [`CatalogError::UnknownPack`] (and the transaction is rolled back) if an
    /// asset is located in a pack the catalog does not list;
    /// [`CatalogError::Sqlite`] if the commit fails.
    pub fn commit(self) -> Result<(), CatalogError> {
        self.tx.execute_batch(FLUSH_STAGING).at(self.path)?;
        // COMMIT by hand rather than `Transaction::commit`: when the deferred
        // pack reference check fails, the transaction is still open and can
        // say which asset is at fault; dropping `self.tx` then rolls back.
        match self.tx.execute_batch("COMMIT") {
            Ok(()) => Ok(()),
            Err(e) if is_foreign_key_violation(&e) => {
                Err(self.dangling_pack()?.unwrap_or_else(|| sqlite(self.path, e)))
            }
            Err(e) => Err(sqlite(self.path, e)),
        }
    }

    /// The asset holding `asset_path`, if any.
    fn path_holder(&self, asset_path: &AssetPath) -> Result<Option<AssetId>, CatalogError> {
        let holder: Option<String> = self
            .tx
            .prepare_cached("SELECT id FROM assets WHERE path = ?1")
            .at(self.path)?
            .query_row([asset_path.as_str()], |r| r.get(0))
            .optional()
            .at(self.path)?;
        holder
            .map(|text| {
                text.parse()
                    .map_err(|_| corrupt(self.path, format!("asset id {text:?} is not hex")))
            })
            .transpose()
    }

    fn delete_children(&self, id: &str) -> Result<(), CatalogError> {
        for sql in [
            "DELETE FROM dependencies WHERE asset = ?1",
            "DELETE FROM tags WHERE asset = ?1",
            "DELETE FROM lods WHERE asset = ?1",
        ] {
            self.tx.prepare_cached(sql).at(self.path)?.execute([id]).at(self.path)?;
        }
        Ok(())
    }

    /// The first asset whose location names a pack that is not listed.
    fn dangling_pack(&self) -> Result<Option<CatalogError>, CatalogError> {
        let row: Option<(String, String)> = self
            .tx
            .query_row(
                "SELECT a.id, a.pack FROM assets a WHERE a.pack IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM packs p WHERE p.name = a.pack) LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .at(self.path)?;
        Ok(row.and_then(|(id, pack)| {
            let asset = id.parse().ok()?;
            Some(CatalogError::UnknownPack { path: self.path.to_path_buf(), asset, pack })
        }))
    }
}

/// The values of a record that need checking or converting before SQLite
/// sees them, all computed before anything is written.
struct Encoded<'r> {
    id: String,
    version: i64,
    source_size: i64,
    cooked_size: i64,
    stored_size: i64,
    metadata: String,
    /// Sorted and deduplicated.
    tags: Vec<&'r str>,
    /// `(triangles, bytes)` of each LOD.
    lods: Vec<(i64, i64)>,
}

impl<'r> Encoded<'r> {
    fn new(record: &'r AssetRecord, path: &Path) -> Result<Self, CatalogError> {
        let invalid = |detail: String| CatalogError::InvalidRecord {
            path: path.to_path_buf(),
            id: record.id,
            detail,
        };
        let int = |value: u64, what: &str| {
            i64::try_from(value)
                .map_err(|_| invalid(format!("{what} {value} is above the largest SQLite integer")))
        };
        let mut lods = Vec::with_capacity(record.lods.len());
        for (i, lod) in record.lods.iter().enumerate() {
            if lod.screen_error.is_nan() {
                return Err(invalid(format!("LOD {i} has a NaN screen error")));
            }
            lods.push((
                int(lod.triangles, "LOD triangle count")?,
                int(lod.bytes, "LOD byte size")?,
            ));
        }
        let mut tags: Vec<&str> = record.tags.iter().map(String::as_str).collect();
        tags.sort_unstable();
        tags.dedup();
        Ok(Self {
            id: record.id.to_string(),
            version: int(record.version, "version")?,
            source_size: int(record.source_size, "source size")?,
            cooked_size: int(record.cooked_size, "cooked size")?,
            stored_size: int(record.stored_size, "stored size")?,
            metadata: serde_json::to_string(&record.metadata)
                .map_err(|e| invalid(format!("metadata cannot be written as JSON: {e}")))?,
            tags,
            lods,
        })
    }
}

fn is_foreign_key_violation(e: &rusqlite::Error) -> bool {
    e.sqlite_error().is_some_and(|s| s.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
}
