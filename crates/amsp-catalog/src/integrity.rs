//! `Catalog::integrity_check`: everything `amsp verify` asks of a catalog.

use amsp_core::Codec;
use rusqlite::Connection;

use crate::catalog::Catalog;
use crate::error::{CatalogError, SqlResultExt};
use crate::fts;

/// At most this many problems are reported per check.
const LIMIT: usize = 100;

impl Catalog {
    /// Checks the catalog and lists every problem found; an empty list means
    /// healthy. Works on read-only catalogs.
    ///
    /// The checks, in order:
    /// 1. `PRAGMA integrity_check`: the file's b-trees, indexes, `NOT NULL` and
    ///    `CHECK` constraints (id and hash lengths, sizes are not negative,
    ///    metadata is JSON);
    /// 2. `PRAGMA foreign_key_check`: child rows of missing assets, assets in
    ///    unlisted packs;
    /// 3. the full-text index: one entry per asset with the text the asset
    ///    should have (and, on a writable catalog, FTS5's own
    ///    `integrity-check`);
    /// 4. values the schema does not constrain: ids and hashes are lowercase
    ///    hex, codec names are known, entry indexes lie within their pack, and
    ///    every record decodes.
    ///
    /// Each check reports at most 100 problems.
    ///
    /// # Errors
    /// [`CatalogError::Sqlite`] if a check cannot run at all (I/O error,
    /// missing table, or, on a writable catalog, another connection holding
    /// the write lock past the busy timeout); damage the checks can describe
    /// is reported in the list.
    pub fn integrity_check(&self) -> Result<Vec<String>, CatalogError> {
        let path = self.label.as_path();
        let mut problems = Vec::new();

        // A damaged file can make SQLite refuse the pragma itself; that is a
        // finding, not a failure to check.
        match strings(&self.conn, "PRAGMA integrity_check") {
            Ok(rows) => problems.extend(rows.into_iter().filter(|r| r != "ok")),
            Err(e) => problems.push(format!("integrity_check failed: {e}")),
        }
        if !problems.is_empty() {
            // The remaining checks read the same damaged b-trees.
            return Ok(problems);
        }

        self.check_foreign_keys(&mut problems)?;
        self.check_fts(&mut problems)?;

        let codecs: Vec<String> = Codec::ALL.iter().map(|c| format!("'{}'", c.name())).collect();
        let value_checks = [
            hex_check("assets", "id", "'asset row ' || key || ': id '"),
            hex_check("assets", "content_hash", "'asset ' || id || ': content hash '"),
            hex_check("assets", "source_hash", "'asset ' || id || ': source hash '"),
            hex_check("dependencies", "dep", "'asset ' || asset || ': dependency '"),
            format!(
                "SELECT 'asset ' || id || ' has unknown codec ' || quote(codec) FROM assets \
                 WHERE codec NOT IN ({}) LIMIT {LIMIT}",
                codecs.join(", ")
            ),
            format!(
                "SELECT 'asset ' || a.id || ' is entry ' || a.entry || ' of pack ' || \
                 quote(a.pack) || ', which has ' || p.entry_count || ' entries' \
                 FROM assets a JOIN packs p ON p.name = a.pack \
                 WHERE a.entry >= p.entry_count LIMIT {LIMIT}"
            ),
        ];
        for sql in &value_checks {
            problems.extend(strings(&self.conn, sql).at(path)?);
        }
        if problems.is_empty()
            && let Err(e) = self.all()
        {
            problems.push(e.to_string());
        }
        Ok(problems)
    }

    /// Runs `PRAGMA foreign_key_check` and describes each violation by the
    /// asset it concerns.
    fn check_foreign_keys(&self, problems: &mut Vec<String>) -> Result<(), CatalogError> {
        let path = self.label.as_path();
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check").at(path)?;
        let violations: Vec<(String, Option<i64>, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(Iterator::collect)
            .at(path)?;
        let mut described = Vec::new();
        for (table, rowid, parent) in violations {
            let sql = match table.as_str() {
                "assets" => format!(
                    "SELECT 'asset ' || a.id || ' is located in pack ' || quote(a.pack) || \
                     ', which the catalog does not list' FROM assets a \
                     WHERE a.pack IS NOT NULL AND a.pack NOT IN (SELECT name FROM packs) \
                     LIMIT {LIMIT}"
                ),
                "dependencies" | "tags" | "lods" => format!(
                    "SELECT DISTINCT '{table} rows of asset ' || asset || \
                     ', which has no asset row' FROM {table} \
                     WHERE asset NOT IN (SELECT id FROM assets) LIMIT {LIMIT}"
                ),
                _ => {
                    let row = rowid.map_or_else(|| "?".to_owned(), |r| r.to_string());
                    problems.push(format!("{table} row {row} refers to a missing {parent} row"));
                    continue;
                }
            };
            if !described.contains(&table) {
                problems.extend(strings(&self.conn, &sql).at(path)?);
                described.push(table);
            }
        }
        Ok(())
    }

    /// Compares the full-text index with the assets, tags and the text
    /// [`fts`] derives from them.
    fn check_fts(&self, problems: &mut Vec<String>) -> Result<(), CatalogError> {
        let path = self.label.as_path();
        // FTS5's own check is an INSERT command, so it needs the write lock
        // (it writes nothing); read-only catalogs rely on the checks below.
        if !self.is_read_only()
            && let Err(e) = self
                .conn
                .execute("INSERT INTO assets_fts (assets_fts) VALUES ('integrity-check')", [])
        {
            if e.sqlite_error_code() != Some(rusqlite::ErrorCode::DatabaseCorrupt) {
                // Busy or I/O: the check could not run, which is not a finding.
                return Err(CatalogError::Sqlite { path: path.to_path_buf(), source: e });
            }
            problems.push(format!("full-text index: {e}"));
        }
        problems.extend(
            strings(
                &self.conn,
                &format!(
                    "SELECT 'full-text entry ' || f.rowid || ' belongs to no asset' \
                     FROM assets_fts f WHERE NOT EXISTS \
                     (SELECT 1 FROM assets a WHERE a.key = f.rowid) LIMIT {LIMIT}"
                ),
            )
            .at(path)?,
        );
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.id, a.path, a.asset_type, f.path, f.asset_type, f.tags, \
                     (SELECT group_concat(tag, ' ') FROM \
                         (SELECT tag FROM tags t WHERE t.asset = a.id ORDER BY tag)) \
                 FROM assets a LEFT JOIN assets_fts f ON f.rowid = a.key ORDER BY a.key",
            )
            .at(path)?;
        let mut rows = stmt.query([]).at(path)?;
        let mut found = 0;
        while let Some(row) = rows.next().at(path)? {
            let id: String = row.get(0).at(path)?;
            let indexed: (Option<String>, Option<String>, Option<String>) =
                (row.get(3).at(path)?, row.get(4).at(path)?, row.get(5).at(path)?);
            let problem = match indexed {
                (None, _, _) => Some(format!("asset {id} has no full-text entry")),
                (Some(p), Some(t), Some(g)) => {
                    let asset_path: String = row.get(1).at(path)?;
                    let asset_type: String = row.get(2).at(path)?;
                    let tags: Option<String> = row.get(6).at(path)?;
                    let expected =
                        (fts::index_path(&asset_path), asset_type, tags.unwrap_or_default());
                    (expected != (p, t, g))
                        .then(|| format!("asset {id} has a stale full-text entry"))
                }
                _ => Some(format!("asset {id} has an incomplete full-text entry")),
            };
            if let Some(problem) = problem {
                problems.push(problem);
                found += 1;
                if found >= LIMIT {
                    break;
                }
            }
        }
        Ok(())
    }
}

/// A query that lists the rows of `table` whose `column` is not lowercase
/// hex, each described by the SQL text expression `what`.
fn hex_check(table: &str, column: &str, what: &str) -> String {
    format!(
        "SELECT {what} || quote({column}) || ' is not lowercase hex' FROM {table} \
         WHERE {column} GLOB '*[^0-9a-f]*' LIMIT {LIMIT}"
    )
}

/// Runs `sql` and collects its first column as text.
fn strings(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}
