//! Schema versions and migrations.
//!
//! The schema version lives in SQLite's `PRAGMA user_version`; the file is
//! marked as a catalog by `PRAGMA application_id` = [`APPLICATION_ID`].
//! [`MIGRATIONS`] lists every step from an empty file to the current schema.
//! Opening a catalog read-write applies the missing steps, all in one
//! IMMEDIATE transaction together with the new `user_version`, so a crash or
//! an error leaves the file at its old version. A file with a newer version
//! than [`LATEST`] is never written to.
//!
//! Policy: a released step is never edited; a change is a new step appended
//! to the list. `docs/catalog-schema.md` holds the history.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{CatalogError, SqlResultExt};

/// `PRAGMA application_id` of every catalog: the bytes `AMSP`.
pub(crate) const APPLICATION_ID: i32 = 0x414D_5350;

/// One schema step: the SQL that takes a catalog from `version - 1` to `version`.
pub(crate) struct Migration {
    /// The schema version after this step.
    pub(crate) version: u32,
    /// What the step does, for the docs and for error messages.
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the tests and the docs"))]
    pub(crate) description: &'static str,
    /// The statements of the step.
    pub(crate) sql: &'static str,
}

/// Every step, in order; `MIGRATIONS[i].version == i + 1`.
pub(crate) const MIGRATIONS: &[Migration] =
    &[Migration { version: 1, description: "initial schema", sql: V1 }];

/// The schema version this build writes.
pub(crate) const LATEST: u32 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// Version 1: assets, dependencies, tags, LODs, packs, settings, full-text index.
///
/// CHECK constraints hold what is cheap to test on every insert (lengths,
/// ranges, JSON); that ids and hashes are lowercase hex is checked by
/// `integrity_check` instead (a GLOB per column took about 7% of a bulk write
/// in profiles).
const V1: &str = r"
CREATE TABLE packs (
    name        TEXT PRIMARY KEY NOT NULL,
    uuid        TEXT NOT NULL,
    file_len    INTEGER NOT NULL CHECK (file_len >= 0),
    entry_count INTEGER NOT NULL CHECK (entry_count BETWEEN 0 AND 4294967295)
) WITHOUT ROWID;

CREATE TABLE assets (
    key          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE CHECK (length(id) = 32),
    path         TEXT NOT NULL UNIQUE,
    asset_type   TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version >= 0),
    content_hash TEXT NOT NULL CHECK (length(content_hash) = 64),
    source_hash  TEXT NOT NULL CHECK (length(source_hash) = 64),
    importer     TEXT NOT NULL,
    source_size  INTEGER NOT NULL CHECK (source_size >= 0),
    cooked_size  INTEGER NOT NULL CHECK (cooked_size >= 0),
    stored_size  INTEGER NOT NULL CHECK (stored_size >= 0),
    codec        TEXT NOT NULL,
    pack         TEXT REFERENCES packs (name) DEFERRABLE INITIALLY DEFERRED,
    entry        INTEGER CHECK (entry BETWEEN 0 AND 4294967295),
    chunk_count  INTEGER NOT NULL CHECK (chunk_count BETWEEN 0 AND 4294967295),
    metadata     TEXT NOT NULL DEFAULT 'null' CHECK (json_valid(metadata)),
    CHECK ((pack IS NULL) = (entry IS NULL))
);
CREATE INDEX assets_by_type ON assets (asset_type);
CREATE INDEX assets_by_content_hash ON assets (content_hash);
CREATE INDEX assets_by_pack ON assets (pack) WHERE pack IS NOT NULL;

CREATE TABLE dependencies (
    asset   TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    dep     TEXT NOT NULL CHECK (length(dep) = 32),
    PRIMARY KEY (asset, ordinal)
) WITHOUT ROWID;
CREATE INDEX dependencies_by_dep ON dependencies (dep, asset);

CREATE TABLE tags (
    asset TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    tag   TEXT NOT NULL,
    PRIMARY KEY (asset, tag)
) WITHOUT ROWID;
CREATE INDEX tags_by_tag ON tags (tag, asset);

CREATE TABLE lods (
    asset        TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    level        INTEGER NOT NULL CHECK (level BETWEEN 0 AND 4294967295),
    chunk        INTEGER NOT NULL CHECK (chunk BETWEEN 0 AND 4294967295),
    screen_error REAL NOT NULL,
    triangles    INTEGER NOT NULL CHECK (triangles >= 0),
    bytes        INTEGER NOT NULL CHECK (bytes >= 0),
    PRIMARY KEY (asset, ordinal)
) WITHOUT ROWID;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE VIRTUAL TABLE assets_fts USING fts5 (
    path, asset_type, tags,
    tokenize = 'unicode61 remove_diacritics 2'
);
";

/// What an opened file holds, judged from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// A new or empty database: no tables, no marker.
    Empty,
    /// A catalog at an older schema version.
    Older(u32),
    /// A catalog at [`LATEST`].
    Current,
}

/// Reads the header fields and classifies the file, without writing.
///
/// # Errors
/// `NotACatalog` for a non-SQLite file or another program's database,
/// `SchemaTooNew` for a catalog of a newer build.
pub(crate) fn inspect(conn: &Connection, path: &Path) -> Result<State, CatalogError> {
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).at(path)?;
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).at(path)?;
    let objects: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0)).at(path)?;
    classify(path, app_id, version, objects)
}

fn classify(path: &Path, app_id: i32, version: i32, objects: i64) -> Result<State, CatalogError> {
    let not_ours = |detail: String| CatalogError::NotACatalog { path: path.to_path_buf(), detail };
    if app_id == 0 {
        return if version == 0 && objects == 0 {
            Ok(State::Empty)
        } else {
            Err(not_ours(format!(
                "an SQLite database without the catalog marker (user_version {version}, \
                 {objects} schema objects)"
            )))
        };
    }
    if app_id != APPLICATION_ID {
        return Err(not_ours(format!(
            "an SQLite database of another program (application_id {app_id:#010x})"
        )));
    }
    let found = u32::try_from(version)
        .map_err(|_| not_ours(format!("negative schema version {version}")))?;
    match found.cmp(&LATEST) {
        std::cmp::Ordering::Greater => {
            Err(CatalogError::SchemaTooNew { path: path.to_path_buf(), found, supported: LATEST })
        }
        std::cmp::Ordering::Equal => Ok(State::Current),
        std::cmp::Ordering::Less => Ok(State::Older(found)),
    }
}

/// Brings a writable catalog to [`LATEST`], applying every missing step in one
/// IMMEDIATE transaction. A no-op when the file is already current.
///
/// # Errors
/// Those of [`inspect`] (checked again under the write lock, in case another
/// process migrated the file meanwhile), and SQLite errors of the steps.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), CatalogError> {
    if inspect(conn, path)? == State::Current {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).at(path)?;
    let from = match inspect(&tx, path)? {
        State::Current => return Ok(()),
        State::Empty => 0,
        State::Older(found) => found,
    };
    apply(&tx, MIGRATIONS, from).at(path)?;
    tx.commit().at(path)
}

/// Runs the steps of `migrations` above `from` on `conn` (inside the caller's
/// transaction), setting `user_version` and the application id.
fn apply(conn: &Connection, migrations: &[Migration], from: u32) -> rusqlite::Result<()> {
    for step in migrations.iter().filter(|m| m.version > from) {
        conn.execute_batch(step.sql)?;
        conn.pragma_update(None, "user_version", step.version)?;
    }
    conn.pragma_update(None, "application_id", APPLICATION_ID)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_one_by_one() {
        for (i, step) in MIGRATIONS.iter().enumerate() {
            assert_eq!(step.version as usize, i + 1, "step {:?}", step.description);
            assert!(!step.description.is_empty());
        }
    }

    #[test]
    fn a_failing_step_leaves_the_file_at_its_old_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        let steps = [
            Migration { version: 1, description: "good", sql: "CREATE TABLE a (x);" },
            Migration { version: 2, description: "bad", sql: "CREATE TABLE nonsense (" },
        ];
        let tx = conn.transaction().unwrap();
        assert!(apply(&tx, &steps, 0).is_err());
        drop(tx);
        let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        let tables: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0)).unwrap();
        assert_eq!((version, tables), (0, 0));
    }

    #[test]
    fn classification() {
        let p = Path::new("x.db");
        assert_eq!(classify(p, 0, 0, 0).unwrap(), State::Empty);
        assert!(matches!(classify(p, 0, 0, 3), Err(CatalogError::NotACatalog { .. })));
        assert!(matches!(classify(p, 0, 4, 0), Err(CatalogError::NotACatalog { .. })));
        assert!(matches!(classify(p, 7, 1, 9), Err(CatalogError::NotACatalog { .. })));
        assert!(matches!(
            classify(p, APPLICATION_ID, -1, 9),
            Err(CatalogError::NotACatalog { .. })
        ));
        let v = i32::try_from(LATEST).unwrap();
        assert_eq!(classify(p, APPLICATION_ID, v, 9).unwrap(), State::Current);
        assert_eq!(classify(p, APPLICATION_ID, 0, 0).unwrap(), State::Older(0));
        match classify(p, APPLICATION_ID, 99, 9) {
            Err(e @ CatalogError::SchemaTooNew { found: 99, .. }) => assert_eq!(
                e.to_string(),
                format!("catalog x.db has schema version 99; this build supports up to {LATEST}")
            ),
            other => panic!("{other:?}"),
        }
    }
}
