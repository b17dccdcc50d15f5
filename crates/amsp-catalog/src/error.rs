//! The catalog's error type and the mapping from SQLite errors to it.

use std::path::{Path, PathBuf};

use amsp_core::{AssetId, AssetPath};

/// Everything that can go wrong opening, reading or writing a catalog.
///
/// Every variant names the catalog file it is about (`:memory:` for an
/// in-memory catalog), so a message read out of context still says which
/// output directory is at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// SQLite reported an error (I/O, locking, a constraint, …).
    #[error("SQLite operation failed on catalog {}", path.display())]
    Sqlite {
        /// The catalog file.
        path: PathBuf,
        /// The error SQLite reported.
        source: rusqlite::Error,
    },
    /// The catalog was written by a newer build; it is left untouched.
    #[error(
        "catalog {} has schema version {found}; this build supports up to {supported}",
        path.display()
    )]
    SchemaTooNew {
        /// The catalog file.
        path: PathBuf,
        /// The schema version stored in the file.
        found: u32,
        /// The newest schema version this build knows ([`crate::Catalog::SCHEMA_VERSION`]).
        supported: u32,
    },
    /// The catalog has an older schema and was opened read-only, so it cannot
    /// be migrated. Opening it with [`crate::Catalog::open`] migrates it.
    #[error(
        "catalog {} has schema version {found}; this build reads version {expected} \
         (open it read-write once to migrate it)",
        path.display()
    )]
    SchemaTooOld {
        /// The catalog file.
        path: PathBuf,
        /// The schema version stored in the file.
        found: u32,
        /// The schema version this build reads and writes.
        expected: u32,
    },
    /// The file is not an SQLite database, or is an SQLite database that
    /// belongs to something else.
    #[error("{} is not an AMSP catalog: {detail}", path.display())]
    NotACatalog {
        /// The file that was opened.
        path: PathBuf,
        /// What was found instead.
        detail: String,
    },
    /// A read-only open named a file that does not exist.
    #[error("catalog {} does not exist", path.display())]
    NotFound {
        /// The path that was given.
        path: PathBuf,
    },
    /// A write was attempted on a catalog opened with
    /// [`crate::Catalog::open_read_only`].
    #[error("catalog {} is open read-only", path.display())]
    ReadOnly {
        /// The catalog file.
        path: PathBuf,
    },
    /// An upsert gave an asset a path that another asset holds.
    #[error(
        "catalog {}: path {asset_path} belongs to asset {existing}, cannot give it to asset {new}",
        path.display()
    )]
    PathConflict {
        /// The catalog file.
        path: PathBuf,
        /// The contested asset path.
        asset_path: AssetPath,
        /// The asset that holds the path.
        existing: AssetId,
        /// The asset that was being written.
        new: AssetId,
    },
    /// A commit would leave an asset located in a pack the catalog does not list.
    #[error(
        "catalog {}: asset {asset} is located in pack {pack:?}, which the catalog does not list",
        path.display()
    )]
    UnknownPack {
        /// The catalog file.
        path: PathBuf,
        /// The asset whose location is dangling.
        asset: AssetId,
        /// The pack name it refers to.
        pack: String,
    },
    /// A record cannot be stored as given (a value out of SQLite's range, a
    /// NaN).
    #[error("catalog {}: asset {id} cannot be stored: {detail}", path.display())]
    InvalidRecord {
        /// The catalog file.
        path: PathBuf,
        /// The asset being written.
        id: AssetId,
        /// What is wrong with it.
        detail: String,
    },
    /// A pack record cannot be stored as given (a length above `i64::MAX`).
    #[error("catalog {}: pack {name:?} cannot be stored: {detail}", path.display())]
    InvalidPack {
        /// The catalog file.
        path: PathBuf,
        /// The pack's name.
        name: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The file is damaged, or holds a value this build cannot read (an id or
    /// hash that is not hex, an unknown codec, a negative size).
    #[error("catalog {} is corrupt: {detail}", path.display())]
    Corrupt {
        /// The catalog file.
        path: PathBuf,
        /// What was found, and where.
        detail: String,
    },
}

impl CatalogError {
    /// The catalog file the error is about (`:memory:` for an in-memory catalog).
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            Self::Sqlite { path, .. }
            | Self::SchemaTooNew { path, .. }
            | Self::SchemaTooOld { path, .. }
            | Self::NotACatalog { path, .. }
            | Self::NotFound { path }
            | Self::ReadOnly { path }
            | Self::PathConflict { path, .. }
            | Self::UnknownPack { path, .. }
            | Self::InvalidRecord { path, .. }
            | Self::InvalidPack { path, .. }
            | Self::Corrupt { path, .. } => path,
        }
    }
}

/// Wraps an SQLite error, turning "not a database" and "corrupt" codes into
/// the typed variants.
pub(crate) fn sqlite(path: &Path, source: rusqlite::Error) -> CatalogError {
    use rusqlite::ErrorCode;
    let path = path.to_path_buf();
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            CatalogError::NotACatalog { path, detail: "the file is not an SQLite database".into() }
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            CatalogError::Corrupt { path, detail: source.to_string() }
        }
        _ => CatalogError::Sqlite { path, source },
    }
}

/// Builds a [`CatalogError::Corrupt`].
pub(crate) fn corrupt(path: &Path, detail: impl Into<String>) -> CatalogError {
    CatalogError::Corrupt { path: path.to_path_buf(), detail: detail.into() }
}

/// Extension to map `rusqlite::Result` into [`CatalogError`] with a path.
pub(crate) trait SqlResultExt<T> {
    /// Maps the error with [`sqlite`].
    fn at(self, path: &Path) -> Result<T, CatalogError>;
}

impl<T> SqlResultExt<T> for rusqlite::Result<T> {
    fn at(self, path: &Path) -> Result<T, CatalogError> {
        self.map_err(|e| sqlite(path, e))
    }
}
