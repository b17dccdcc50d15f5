//! The [`Catalog`] handle: opening, connection settings, transactions.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{CatalogError, SqlResultExt};
use crate::schema::{self, State};
use crate::write::CatalogTransaction;

/// How long a statement waits for another connection's write lock before it
/// fails with `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// `PRAGMA cache_size` of every connection: 32 MiB (negative means KiB). The
/// cache grows to it only as pages are used; SQLite's 2 MiB default makes a
/// large cook transaction spill dirty pages to the WAL again and again.
const CACHE_SIZE: i64 = -32 * 1024;

/// Prepared statements kept per connection: every statement the crate runs
/// (about 50, counting each kind of read once per table) stays prepared.
const STATEMENT_CACHE: usize = 64;

/// The label used in errors about an in-memory catalog.
const IN_MEMORY: &str = ":memory:";

/// An open catalog: the SQLite database that lists every asset of a cooked
/// output.
///
/// A `Catalog` owns one SQLite connection. It is [`Send`] but not [`Sync`];
/// open one per thread (opening is cheap, and WAL mode lets readers run while
/// a writer commits). Reads are methods of `Catalog`; writes go through a
/// [`CatalogTransaction`] from [`Catalog::transaction`].
///
/// Files opened read-write use WAL journaling with `synchronous = FULL`: the
/// catalog is the source of truth of a cooked output, and a commit must be on
/// disk before the cook deletes the packs it replaced (with `NORMAL`, a power
/// cut could roll back the last commit and leave the catalog pointing at
/// deleted packs). Foreign keys are enforced. A catalog on a file system
/// without shared-memory support keeps SQLite's rollback journal instead of
/// WAL, which is as durable but lets a writer block readers.
#[derive(Debug)]
pub struct Catalog {
    pub(crate) conn: Connection,
    /// The file, or `:memory:`; used in errors.
    pub(crate) label: PathBuf,
    in_memory: bool,
    read_only: bool,
}

impl Catalog {
    /// The schema version this build writes (and the newest it can open).
    pub const SCHEMA_VERSION: u32 = schema::LATEST;

    /// Opens the catalog at `path` for reading and writing, creating it if it
    /// does not exist and migrating it to [`Catalog::SCHEMA_VERSION`].
    ///
    /// # Errors
    /// - [`CatalogError::NotACatalog`] if the file is not an SQLite database or
    ///   is another program's database;
    /// - [`CatalogError::SchemaTooNew`] if a newer build wrote it (the file is
    ///   not modified);
    /// - [`CatalogError::Corrupt`] if SQLite finds the file damaged;
    /// - [`CatalogError::Sqlite`] for I/O and locking errors.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, CatalogError> {
        let path = path.as_ref();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).at(path)?;
        let mut catalog =
            Self { conn, label: path.to_path_buf(), in_memory: false, read_only: false };
        catalog.configure()?;
        // Classify before anything writes: a newer or foreign file stays
        // byte-for-byte as it was (switching to WAL would rewrite the header).
        schema::inspect(&catalog.conn, path)?;
        // WAL where the file system supports it; SQLite keeps the rollback
        // journal otherwise, which is just as durable with synchronous = FULL.
        let _mode: String = catalog
            .conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .at(path)?;
        catalog.conn.pragma_update(None, "synchronous", "FULL").at(path)?;
        schema::migrate(&mut catalog.conn, path)?;
        Ok(catalog)
    }

    /// Opens an existing catalog without writing to it: no migration, no
    /// journal change, and every write fails.
    ///
    /// # Errors
    /// - [`CatalogError::NotFound`] if there is no file at `path`;
    /// - [`CatalogError::SchemaTooNew`] / [`CatalogError::SchemaTooOld`] if its
    ///   schema version is not [`Catalog::SCHEMA_VERSION`];
    /// - [`CatalogError::NotACatalog`] for a file that is not a catalog
    ///   (including an empty database);
    /// - [`CatalogError::Corrupt`] and [`CatalogError::Sqlite`] as for [`Catalog::open`].
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, CatalogError> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(CatalogError::NotFound { path: path.to_path_buf() });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).at(path)?;
        let catalog = Self { conn, label: path.to_path_buf(), in_memory: false, read_only: true };
        catalog.configure()?;
        catalog.conn.pragma_update(None, "query_only", true).at(path)?;
        match schema::inspect(&catalog.conn, path)? {
            State::Current => Ok(catalog),
            State::Empty => Err(CatalogError::NotACatalog {
                path: path.to_path_buf(),
                detail: "an empty database (no catalog schema)".into(),
            }),
            State::Older(found) => Err(CatalogError::SchemaTooOld {
                path: path.to_path_buf(),
                found,
                expected: Self::SCHEMA_VERSION,
            }),
        }
    }

    /// Opens a new, empty catalog that lives in memory only (for tests and
    /// dry runs).
    ///
    /// # Errors
    /// [`CatalogError::Sqlite`] if SQLite cannot allocate the database.
    pub fn open_in_memory() -> Result<Self, CatalogError> {
        let label = PathBuf::from(IN_MEMORY);
        let conn = Connection::open_in_memory().at(&label)?;
        let mut catalog = Self { conn, label, in_memory: true, read_only: false };
        catalog.configure()?;
        schema::migrate(&mut catalog.conn, &catalog.label)?;
        Ok(catalog)
    }

    /// Settings every connection gets, none of which writes to the file.
    fn configure(&self) -> Result<(), CatalogError> {
        let path = &self.label;
        self.conn.busy_timeout(BUSY_TIMEOUT).at(path)?;
        self.conn.pragma_update(None, "foreign_keys", true).at(path)?;
        self.conn.pragma_update(None, "cache_size", CACHE_SIZE).at(path)?;
        self.conn.pragma_update(None, "temp_store", "MEMORY").at(path)?;
        self.conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(())
    }

    /// The catalog file; `None` for an in-memory catalog.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        (!self.in_memory).then_some(self.label.as_path())
    }

    /// Whether the catalog was opened with [`Catalog::open_read_only`].
    #[must_use]
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The schema version stored in the file (`PRAGMA user_version`).
    ///
    /// # Errors
    /// [`CatalogError::Sqlite`] if the pragma cannot be read.
    pub fn schema_version(&self) -> Result<u32, CatalogError> {
        let version: i64 =
            self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).at(&self.label)?;
        u32::try_from(version).map_err(|_| CatalogError::Corrupt {
            path: self.label.clone(),
            detail: format!("negative schema version {version}"),
        })
    }

    /// Starts an IMMEDIATE transaction: it takes the write lock now (waiting
    /// for another writer up to a timeout), so it cannot fail later because
    /// another connection wrote first.
    ///
    /// Dropping the transaction without [`CatalogTransaction::commit`] rolls
    /// it back.
    ///
    /// # Errors
    /// [`CatalogError::ReadOnly`] for a catalog opened read-only;
    /// [`CatalogError::Sqlite`] (`SQLITE_BUSY`) if another connection holds
    /// the write lock past the timeout.
    pub fn transaction(&mut self) -> Result<CatalogTransaction<'_>, CatalogError> {
        if self.read_only {
            return Err(CatalogError::ReadOnly { path: self.label.clone() });
        }
        let path = self.label.as_path();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).at(path)?;
        CatalogTransaction::begin(tx, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pragma(catalog: &Catalog, name: &str) -> String {
        catalog
            .conn
            .pragma_query_value(None, name, |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .unwrap()
    }

    #[test]
    fn file_connections_are_durable_wal_with_foreign_keys() {
        let dir = std::env::temp_dir().join(format!("amsp-catalog-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("settings.db");
        let catalog = Catalog::open(&file).unwrap();
        assert_eq!(pragma(&catalog, "journal_mode"), "wal");
        assert_eq!(pragma(&catalog, "synchronous"), "2", "FULL");
        assert_eq!(pragma(&catalog, "foreign_keys"), "1");
        drop(catalog);
        let read_only = Catalog::open_read_only(&file).unwrap();
        assert_eq!(pragma(&read_only, "query_only"), "1");
        assert_eq!(pragma(&read_only, "foreign_keys"), "1");
        drop(read_only);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
