//! Cook errors.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use amsp_core::{AssetId, AssetPath};

/// Why cooking failed: the whole run ([`Cooker::run`](crate::Cooker::run)) or
/// one asset (listed in the [`CookReport`](crate::CookReport)).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CookError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: Arc<io::Error>,
    },
    /// A `.meta` sidecar does not parse.
    #[error("{}: invalid sidecar: {detail}", path.display())]
    Meta {
        /// The sidecar.
        path: PathBuf,
        /// What is wrong, with its line.
        detail: String,
    },
    /// A setting in a sidecar has a wrong value.
    #[error("{path}: invalid setting: {detail}")]
    Settings {
        /// The asset.
        path: AssetPath,
        /// What is wrong.
        detail: String,
    },
    /// A source file's name is not a valid asset path.
    #[error("{}: not a valid asset path: {detail}", path.display())]
    BadPath {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The importer rejected the source.
    #[error("{path}: {importer} importer: {detail}")]
    Import {
        /// The asset.
        path: AssetPath,
        /// The importer's name.
        importer: String,
        /// What is wrong (with a line and column where the format has them).
        detail: String,
    },
    /// A declared dependency is not among the sources.
    #[error("{path}: dependency '{dependency}' is not a source file in this tree")]
    MissingDependency {
        /// The asset.
        path: AssetPath,
        /// The missing dependency.
        dependency: AssetPath,
    },
    /// Dependencies form a cycle.
    #[error("{path}: dependency cycle: {}", chain.iter().map(AssetPath::as_str).collect::<Vec<_>>().join(" -> "))]
    DependencyCycle {
        /// The asset.
        path: AssetPath,
        /// The cycle, starting and ending at the same asset.
        chain: Vec<AssetPath>,
    },
    /// Dependencies failed to cook, so this asset cannot be cooked either.
    #[error("{path}: dependency '{dependency}' failed to cook")]
    DependencyFailed {
        /// The asset.
        path: AssetPath,
        /// The failed dependency.
        dependency: AssetPath,
    },
    /// Two sources claim the same id and the conflict could not be resolved.
    #[error("{path}: id {id} is also used by '{other}'")]
    DuplicateId {
        /// The asset.
        path: AssetPath,
        /// The id.
        id: AssetId,
        /// The other source.
        other: AssetPath,
    },
    /// Writing a pack failed.
    #[error("writing pack: {0}")]
    Pack(#[from] amsp_pack::PackWriteError),
    /// Reading a pack (for compaction) failed.
    #[error("reading pack: {0}")]
    PackRead(#[from] amsp_pack::PackReadError),
    /// The catalog failed.
    #[error("catalog: {0}")]
    Catalog(#[from] Arc<amsp_catalog::CatalogError>),
    /// Another cook holds the output directory.
    #[error("{}: another cook is running on this output (lock file present and held)", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
}

impl CookError {
    /// An [`CookError::Io`] for `path`.
    pub fn io(path: &Path, source: io::Error) -> Self {
        Self::Io { path: path.to_owned(), source: Arc::new(source) }
    }
}

impl From<amsp_catalog::CatalogError> for CookError {
    fn from(value: amsp_catalog::CatalogError) -> Self {
        Self::Catalog(Arc::new(value))
    }
}
