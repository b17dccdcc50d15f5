//! Reads: records by id, path, type, tag and full-text search; the
//! dependency graph; packs and settings.
//!
//! A set of records is read with one query per table (assets, then
//! dependencies, tags and LODs restricted to the same set), joined in Rust by
//! asset id, inside one read transaction so the four queries see the same
//! snapshot. Reading all of a 100k-asset catalog is four statements, not
//! 300k.

use std::collections::HashMap;
use std::path::Path;

use amsp_core::{AssetId, AssetPath, ContentHash};
use rusqlite::types::FromSql;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior};

use crate::catalog::Catalog;
use crate::error::{CatalogError, SqlResultExt, corrupt, sqlite};
use crate::fts;
use crate::record::{AssetRecord, Location, LodVariant, PackRecord};

/// The asset columns, in the order [`decode_asset`] reads them.
const ASSET_COLUMNS: &str = "a.id, a.path, a.asset_type, a.version, a.content_hash, \
    a.source_hash, a.importer, a.source_size, a.cooked_size, a.stored_size, a.codec, a.pack, \
    a.entry, a.chunk_count, a.metadata";

/// Which asset rows a read returns, as SQL over `assets a` (and, for search,
/// `assets_fts f`).
struct Selection {
    from: &'static str,
    filter: Option<&'static str>,
    order: &'static str,
    param: Option<String>,
}

impl Selection {
    fn assets(filter: &'static str, param: String) -> Self {
        Self { from: "assets a", filter: Some(filter), order: "a.path", param: Some(param) }
    }
}

/// Read access over a connection, shared by [`Catalog`] and
/// [`crate::CatalogTransaction`].
pub(crate) struct Reader<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) path: &'a Path,
}

impl Reader<'_> {
    pub(crate) fn get(&self, id: AssetId) -> Result<Option<AssetRecord>, CatalogError> {
        let selection = Selection::assets("a.id = ?1", id.to_string());
        Ok(self.load(&selection)?.into_iter().next())
    }

    pub(crate) fn get_by_path(
        &self,
        path: &AssetPath,
    ) -> Result<Option<AssetRecord>, CatalogError> {
        let selection = Selection::assets("a.path = ?1", path.as_str().to_owned());
        Ok(self.load(&selection)?.into_iter().next())
    }

    pub(crate) fn get_setting(&self, key: &str) -> Result<Option<String>, CatalogError> {
        let mut stmt =
            self.conn.prepare_cached("SELECT value FROM settings WHERE key = ?1").at(self.path)?;
        stmt.query_row([key], |r| r.get(0)).optional().at(self.path)
    }

    pub(crate) fn count(&self) -> Result<u64, CatalogError> {
        let n: i64 =
            self.conn.query_row("SELECT count(*) FROM assets", [], |r| r.get(0)).at(self.path)?;
        unsigned(n, "asset count").map_err(|detail| corrupt(self.path, detail))
    }

    /// Runs a selection: the asset rows, then each child table restricted to
    /// the same rows, joined by id.
    fn load(&self, selection: &Selection) -> Result<Vec<AssetRecord>, CatalogError> {
        let path = self.path;
        // One snapshot for all four statements (a no-op inside a write
        // transaction, which already is one).
        let _snapshot = if self.conn.is_autocommit() {
            Some(Transaction::new_unchecked(self.conn, TransactionBehavior::Deferred).at(path)?)
        } else {
            None
        };
        let params = rusqlite::params_from_iter(selection.param.iter());
        let filter = selection.filter.map(|f| format!(" WHERE {f}")).unwrap_or_default();
        let sql = format!(
            "SELECT {ASSET_COLUMNS} FROM {}{filter} ORDER BY {}",
            selection.from, selection.order
        );
        let mut stmt = self.conn.prepare_cached(&sql).at(path)?;
        let mut rows = stmt.query(params.clone()).at(path)?;
        let mut records = Vec::new();
        while let Some(row) = rows.next().at(path)? {
            records.push(decode_asset(row, path)?);
        }
        if records.is_empty() {
            return Ok(records);
        }
        let index: HashMap<AssetId, usize> =
            records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        let scope = match selection.filter {
            None => String::new(),
            Some(f) => format!(" WHERE asset IN (SELECT a.id FROM {} WHERE {f})", selection.from),
        };

        let sql = format!("SELECT asset, dep FROM dependencies{scope} ORDER BY asset, ordinal");
        self.each_child(&sql, params.clone(), &index, |i, row| {
            let dep = text(row, 1, path)?;
            records[i].dependencies.push(parse_id(path, dep, "dependency")?);
            Ok(())
        })?;
        let sql = format!("SELECT asset, tag FROM tags{scope} ORDER BY asset, tag");
        self.each_child(&sql, params.clone(), &index, |i, row| {
            records[i].tags.push(column(row, 1, path)?);
            Ok(())
        })?;
        let sql = format!(
            "SELECT asset, level, chunk, screen_error, triangles, bytes FROM lods{scope} \
             ORDER BY asset, ordinal"
        );
        self.each_child(&sql, params, &index, |i, row| {
            let record = &mut records[i];
            let bad = |detail: String| corrupt(path, format!("asset {}: {detail}", record.id));
            let screen_error: f64 = column(row, 3, path)?;
            let lod = LodVariant {
                level: small(column(row, 1, path)?, "LOD level").map_err(bad)?,
                chunk: small(column(row, 2, path)?, "LOD chunk").map_err(bad)?,
                // Stored from an f32, so the narrowing is exact.
                screen_error: screen_error as f32,
                triangles: unsigned(column(row, 4, path)?, "LOD triangle count").map_err(bad)?,
                bytes: unsigned(column(row, 5, path)?, "LOD byte size").map_err(bad)?,
            };
            record.lods.push(lod);
            Ok(())
        })?;
        Ok(records)
    }

    /// Runs a child-table query whose first column is the owning asset's id
    /// and hands each row to `f` with the owner's index in the result.
    fn each_child<P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        index: &HashMap<AssetId, usize>,
        mut f: impl FnMut(usize, &Row<'_>) -> Result<(), CatalogError>,
    ) -> Result<(), CatalogError> {
        let mut stmt = self.conn.prepare_cached(sql).at(self.path)?;
        let mut rows = stmt.query(params).at(self.path)?;
        while let Some(row) = rows.next().at(self.path)? {
            let owner = text(row, 0, self.path)?;
            // Orphan rows (possible only in a damaged file, which
            // `integrity_check` reports) belong to no record and are skipped.
            if let Some(&i) = index.get(&parse_id(self.path, owner, "asset")?) {
                f(i, row)?;
            }
        }
        Ok(())
    }

    /// Runs a query that returns one asset id per row.
    fn ids(&self, sql: &str, id: AssetId) -> Result<Vec<AssetId>, CatalogError> {
        let mut stmt = self.conn.prepare_cached(sql).at(self.path)?;
        let mut rows = stmt.query([id.to_string()]).at(self.path)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().at(self.path)? {
            out.push(parse_id(self.path, text(row, 0, self.path)?, "dependency")?);
        }
        Ok(out)
    }
}

impl Catalog {
    pub(crate) fn reader(&self) -> Reader<'_> {
        Reader { conn: &self.conn, path: &self.label }
    }

    /// The asset with id `id`, if the catalog has it.
    ///
    /// # Errors
    /// [`CatalogError::Sqlite`] on a failed read; [`CatalogError::Corrupt`]
    /// if a stored value does not parse.
    pub fn get(&self, id: AssetId) -> Result<Option<AssetRecord>, CatalogError> {
        self.reader().get(id)
    }

    /// The asset at `path`, if the catalog has one.
    ///
    /// # Errors
    /// As for [`Catalog::get`].
    pub fn get_by_path(&self, path: &AssetPath) -> Result<Option<AssetRecord>, CatalogError> {
        self.reader().get_by_path(path)
    }

    /// Every asset, ordered by path.
    ///
    /// Four statements whatever the size of the catalog (one per table),
    /// joined in memory.
    ///
    /// # Errors
    /// As for [`Catalog::get`].
    pub fn all(&self) -> Result<Vec<AssetRecord>, CatalogError> {
        let selection = Selection { from: "assets a", filter: None, order: "a.path", param: None };
        self.reader().load(&selection)
    }

    /// The assets of type `asset_type` (exact match), ordered by path.
    ///
    /// # Errors
    /// As for [`Catalog::get`].
    pub fn by_type(&self, asset_type: &str) -> Result<Vec<AssetRecord>, CatalogError> {
        self.reader().load(&Selection::assets("a.asset_type = ?1", asset_type.to_owned()))
    }

    /// The assets tagged `tag` (exact, case-sensitive match), ordered by path.
    ///
    /// # Errors
    /// As for [`Catalog::get`].
    pub fn by_tag(&self, tag: &str) -> Result<Vec<AssetRecord>, CatalogError> {
        let filter = "a.id IN (SELECT asset FROM tags WHERE tag = ?1)";
        self.reader().load(&Selection::assets(filter, tag.to_owned()))
    }

    /// The assets whose cooked bytes hash to `hash` (duplicates share one),
    /// ordered by path.
    ///
    /// # Errors
    /// As for [`Catalog::get`].
    pub fn by_content_hash(&self, hash: &ContentHash) -> Result<Vec<AssetRecord>, CatalogError> {
        self.reader().load(&Selection::assets("a.content_hash = ?1", hash.to_string()))
    }

    /// The assets stored in the pack named `pack`, ordered by path.
    ///
    /// # Errors
    /// As for [`Catalog::get`].
    pub fn in_pack(&self, pack: &str) -> Result<Vec<AssetRecord>, CatalogError> {
        self.reader().load(&Selection::assets("a.pack = ?1", pack.to_owned()))
    }

    /// Full-text search over path, type and tags, best match first (BM25),
    /// ties by path.
    ///
    /// `query` is free text: it is split into words, each matched as a plain
    /// word (quotes, `*`, `-`, `AND`, `NEAR`, column names are not syntax),
    /// every word must match, and the last one also matches as a prefix
    /// (`rock alb` finds `textures/rock_albedo.png`). Path separators, `.`,
    /// `_`, `-` and camel case split words in the index, so a folder name or a
    /// file stem finds an asset. Text with no letter or digit (empty included)
    /// returns no results.
    ///
    /// # Errors
    /// As for [`Catalog::get`].
    pub fn search(&self, query: &str) -> Result<Vec<AssetRecord>, CatalogError> {
        let Some(expr) = fts::match_expression(query) else { return Ok(Vec::new()) };
        self.reader().load(&Selection {
            from: "assets_fts f JOIN assets a ON a.key = f.rowid",
            filter: Some("assets_fts MATCH ?1"),
            order: "f.rank, a.path",
            param: Some(expr),
        })
    }

    /// The direct dependencies of `id`, in declaration order (empty when the
    /// asset is unknown).
    ///
    /// # Errors
    /// As for [`Catalog::get`].
    pub fn dependencies(&self, id: AssetId) -> Result<Vec<AssetId>, CatalogError> {
        self.reader().ids("SELECT dep FROM dependencies WHERE asset = ?1 ORDER BY ordinal", id)
    }

    /// Every asset `id` depends on, directly or not, each once, excluding `id`
    /// itself, nearest first (breadth-first, declaration order within a
    /// level). Cycles terminate. Ids that have no row of their own are
    /// listed, and their dependencies, having none, end the walk there.
    ///
    /// # Errors
    /// As for [`Catalog::get`].
    pub fn dependency_closure(&self, id: AssetId) -> Result<Vec<AssetId>, CatalogError> {
        self.reader().ids(
            "WITH RECURSIVE closure(id) AS ( \
                 VALUES (?1) \
                 UNION \
                 SELECT d.dep FROM closure c JOIN dependencies d ON d.asset = c.id \
             ) \
             SELECT id FROM closure WHERE id <> ?1",
            id,
        )
    }

    /// The assets that depend on `id`: directly (ordered by id), or with
    /// `transitive` every asset that reaches `id` through any chain, each once,
    /// excluding `id`, nearest first. Cycles terminate.
    ///
    /// # Errors
    /// As for [`Catalog::get`].
    pub fn reverse_dependencies(
        &self,
        id: AssetId,
        transitive: bool,
    ) -> Result<Vec<AssetId>, CatalogError> {
        let sql = if transitive {
            "WITH RECURSIVE closure(id) AS ( \
                 VALUES (?1) \
                 UNION \
                 SELECT d.asset FROM closure c JOIN dependencies d ON d.dep = c.id \
             ) \
             SELECT id FROM closure WHERE id <> ?1"
        } else {
            "SELECT DISTINCT asset FROM dependencies WHERE dep = ?1 ORDER BY asset"
        };
        self.reader().ids(sql, id)
    }

    /// The number of assets.
    ///
    /// # Errors
    /// [`CatalogError::Sqlite`] on a failed read.
    pub fn count(&self) -> Result<u64, CatalogError> {
        self.reader().count()
    }

    /// Every pack, ordered by name.
    ///
    /// # Errors
    /// As for [`Catalog::get`].
    pub fn packs(&self) -> Result<Vec<PackRecord>, CatalogError> {
        let path = self.label.as_path();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, uuid, file_len, entry_count FROM packs ORDER BY name")
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        let mut packs = Vec::new();
        while let Some(row) = rows.next().at(path)? {
            let name: String = column(row, 0, path)?;
            let bad = |detail: String| corrupt(path, format!("pack {name:?}: {detail}"));
            let file_len = unsigned(column(row, 2, path)?, "file length").map_err(bad)?;
            let entry_count = small(column(row, 3, path)?, "entry count").map_err(bad)?;
            packs.push(PackRecord { uuid: column(row, 1, path)?, name, file_len, entry_count });
        }
        Ok(packs)
    }

    /// The value of setting `key`, if set.
    ///
    /// # Errors
    /// [`CatalogError::Sqlite`] on a failed read.
    pub fn get_setting(&self, key: &str) -> Result<Option<String>, CatalogError> {
        self.reader().get_setting(key)
    }
}

/// Decodes one row of [`ASSET_COLUMNS`].
fn decode_asset(row: &Row<'_>, path: &Path) -> Result<AssetRecord, CatalogError> {
    let id = parse_id(path, text(row, 0, path)?, "asset")?;
    let bad = |detail: String| corrupt(path, format!("asset {id}: {detail}"));
    let asset_path =
        AssetPath::new(text(row, 1, path)?).map_err(|e| bad(format!("path is invalid: {e}")))?;
    let hash = |i: usize, what: &str| -> Result<ContentHash, CatalogError> {
        let hex = text(row, i, path)?;
        hex.parse().map_err(|_| bad(format!("{what} {hex:?} is not 64 hex digits")))
    };
    let int = |i: usize, what: &str| -> Result<u64, CatalogError> {
        unsigned(column(row, i, path)?, what).map_err(bad)
    };
    let codec = text(row, 10, path)?;
    let pack: Option<String> = column(row, 11, path)?;
    let entry: Option<i64> = column(row, 12, path)?;
    let location = match (pack, entry) {
        (Some(pack), Some(entry)) => {
            Some(Location { pack, entry: small(entry, "pack entry").map_err(bad)? })
        }
        (None, None) => None,
        _ => return Err(bad("location has a pack without an entry or back".into())),
    };
    let metadata = text(row, 14, path)?;
    Ok(AssetRecord {
        id,
        path: asset_path,
        asset_type: column(row, 2, path)?,
        version: int(3, "version")?,
        content_hash: hash(4, "content hash")?,
        source_hash: hash(5, "source hash")?,
        importer: column(row, 6, path)?,
        source_size: int(7, "source size")?,
        cooked_size: int(8, "cooked size")?,
        stored_size: int(9, "stored size")?,
        codec: codec.parse().map_err(|_| bad(format!("codec {codec:?} is unknown")))?,
        location,
        chunk_count: small(column(row, 13, path)?, "chunk count").map_err(bad)?,
        dependencies: Vec::new(),
        tags: Vec::new(),
        lods: Vec::new(),
        metadata: serde_json::from_str(metadata)
            .map_err(|e| bad(format!("metadata is not JSON: {e}")))?,
    })
}

/// Reads column `i`, reporting a value of the wrong type as corruption.
fn column<T: FromSql>(row: &Row<'_>, i: usize, path: &Path) -> Result<T, CatalogError> {
    row.get(i).map_err(|e| match e {
        rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => corrupt(path, e.to_string()),
        other => sqlite(path, other),
    })
}

/// Reads text column `i` without copying it.
fn text<'r>(row: &'r Row<'_>, i: usize, path: &Path) -> Result<&'r str, CatalogError> {
    let value = row.get_ref(i).map_err(|e| sqlite(path, e))?;
    value.as_str().map_err(|e| corrupt(path, format!("column {i}: {e}")))
}

fn parse_id(path: &Path, text: &str, what: &str) -> Result<AssetId, CatalogError> {
    text.parse().map_err(|_| corrupt(path, format!("{what} id {text:?} is not 32 hex digits")))
}

/// A stored integer as a `u64`; the error is the detail for [`corrupt`].
fn unsigned(value: i64, what: &str) -> Result<u64, String> {
    u64::try_from(value).map_err(|_| format!("{what} {value} is negative"))
}

/// A stored integer as a `u32`; the error is the detail for [`corrupt`].
fn small(value: i64, what: &str) -> Result<u32, String> {
    u32::try_from(value).map_err(|_| format!("{what} {value} is not a u32"))
}
