//! Load errors and load states.

use std::fmt;
use std::io;
use std::sync::Arc;

use amsp_core::{AssetId, AssetPath, PathError};
use amsp_io::ReadError;

/// The identity of an asset as it appears in messages: its path and/or its id.
///
/// Either part may be unknown: a load by path that does not resolve has no id,
/// and a load by id has no path until the source describes the asset.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AssetName {
    /// The asset's id ([`AssetId::NIL`] when unknown).
    pub id: AssetId,
    /// The asset's path, when known.
    pub path: Option<AssetPath>,
}

impl AssetName {
    /// A name with both parts.
    #[must_use]
    pub fn new(id: AssetId, path: Option<AssetPath>) -> Self {
        Self { id, path }
    }
}

impl fmt::Display for AssetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.id.is_nil()) {
            (Some(path), false) => write!(f, "asset '{path}' (id {})", self.id),
            (Some(path), true) => write!(f, "asset '{path}'"),
            (None, false) => write!(f, "asset {}", self.id),
            (None, true) => f.write_str("asset <unknown>"),
        }
    }
}

/// Why an asset failed to load.
///
/// Every variant names the asset it is about. `Clone`, because one failure is
/// reported to every handle and every dependent of the asset (inner errors are
/// behind `Arc`).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The path does not resolve, or the source has no asset with this id.
    #[error("{asset}: not found in source {source_name}")]
    NotFound {
        /// The asset asked for.
        asset: AssetName,
        /// The source that was asked.
        source_name: String,
    },
    /// The text given as a path is not a valid asset path.
    #[error("invalid asset path {path:?}: {source}")]
    InvalidPath {
        /// The text as given.
        path: String,
        /// Why it is invalid.
        #[source]
        source: PathError,
    },
    /// Storage failed while reading the asset's bytes.
    #[error("{asset}: I/O error reading {location}: {source}")]
    Io {
        /// The asset.
        asset: AssetName,
        /// File, pack or URL that failed.
        location: String,
        /// The underlying error.
        #[source]
        source: Arc<io::Error>,
    },
    /// The stored bytes failed their integrity check.
    #[error("{asset}: corrupt: {location}: {detail}")]
    Corrupt {
        /// The asset.
        asset: AssetName,
        /// Pack file (and entry) holding it.
        location: String,
        /// What is wrong.
        detail: String,
    },
    /// The loader could not make an asset of the bytes.
    #[error("{asset}: cannot parse: {message}")]
    Parse {
        /// The asset.
        asset: AssetName,
        /// What is wrong with the bytes.
        message: String,
    },
    /// No loader is registered for the requested Rust type and the asset's
    /// cooked type or extension, and none for any other Rust type either.
    #[error(
        "{asset}: no loader for cooked type '{asset_type}'{} producing {requested}",
        extension.as_ref().map(|e| format!(" or extension '{e}'")).unwrap_or_default()
    )]
    Unsupported {
        /// The asset.
        asset: AssetName,
        /// The cooked type name from the descriptor.
        asset_type: String,
        /// The path's extension, if any.
        extension: Option<String>,
        /// The Rust type that was requested ([`Asset::TYPE_NAME`](crate::Asset::TYPE_NAME)).
        requested: &'static str,
    },
    /// The asset exists and has loaders, but none that produces the requested
    /// Rust type.
    #[error(
        "{asset}: cooked type '{asset_type}' cannot be loaded as {requested}; it loads as {}",
        loadable_as.join(", ")
    )]
    WrongType {
        /// The asset.
        asset: AssetName,
        /// The cooked type name from the descriptor.
        asset_type: String,
        /// The Rust type that was requested.
        requested: &'static str,
        /// The Rust types the asset can be loaded as.
        loadable_as: Vec<&'static str>,
    },
    /// The asset depends, directly or through other assets, on itself.
    #[error("dependency cycle: {}", chain_text(chain))]
    Cycle {
        /// The assets of the cycle in dependency order; the first and last
        /// entries are the same asset.
        chain: Vec<AssetName>,
    },
    /// A dependency of the asset failed to load.
    #[error("{asset}: dependency {dependency} failed: {source}")]
    DependencyFailed {
        /// The asset that depends on the failed one.
        asset: AssetName,
        /// The dependency that failed.
        dependency: AssetName,
        /// Why the dependency failed.
        #[source]
        source: Arc<LoadError>,
    },
    /// The loader panicked; the panic was caught and the worker goes on.
    #[error("{asset}: the {loader} loader panicked: {message}")]
    LoaderPanicked {
        /// The asset.
        asset: AssetName,
        /// The Rust type the loader produces.
        loader: &'static str,
        /// The panic message, when it was a string.
        message: String,
    },
    /// The load was cancelled: the asset server shut down before the asset
    /// finished loading (the asset then fails with this error), or no strong
    /// handle wants the asset any more (a loader's read returns this error;
    /// the load then ends `Unloaded`, not failed).
    #[error("{asset}: cancelled before it finished loading")]
    Cancelled {
        /// The asset.
        asset: AssetName,
    },
}

fn chain_text(chain: &[AssetName]) -> String {
    chain.iter().map(ToString::to_string).collect::<Vec<_>>().join(" -> ")
}

impl LoadError {
    /// Whether trying again could succeed: storage failures
    /// ([`LoadError::Io`]), never parse errors, corrupt data or missing
    /// assets.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Io { .. })
    }

    /// The asset the error is about (for [`LoadError::Cycle`], the first asset
    /// of the chain; `None` for [`LoadError::InvalidPath`]).
    #[must_use]
    pub fn asset(&self) -> Option<&AssetName> {
        match self {
            Self::NotFound { asset, .. }
            | Self::Io { asset, .. }
            | Self::Corrupt { asset, .. }
            | Self::Parse { asset, .. }
            | Self::Unsupported { asset, .. }
            | Self::WrongType { asset, .. }
            | Self::DependencyFailed { asset, .. }
            | Self::LoaderPanicked { asset, .. }
            | Self::Cancelled { asset } => Some(asset),
            Self::Cycle { chain } => chain.first(),
            Self::InvalidPath { .. } => None,
        }
    }

    /// Builds the load error for a failed read of `asset`.
    pub(crate) fn from_read(asset: AssetName, err: ReadError) -> Self {
        match err {
            ReadError::NotFound { source_name, .. } => Self::NotFound { asset, source_name },
            ReadError::Io { location, source, .. } => Self::Io { asset, location, source },
            ReadError::Corrupt { location, detail, .. } => {
                Self::Corrupt { asset, location, detail }
            }
            other => Self::Io {
                asset,
                location: "source".to_owned(),
                source: Arc::new(io::Error::other(other.to_string())),
            },
        }
    }
}

/// Where an asset is in its life.
///
/// `Queued → Loading → (WaitingForDependencies →) Loaded | Failed`, and
/// `Unloaded` once the server freed an unused asset. Every request ends in
/// `Loaded` or `Failed`.
#[derive(Debug, Clone)]
pub enum LoadState {
    /// Waiting in a priority queue for a worker.
    Queued,
    /// A worker is reading or decoding it.
    Loading,
    /// Decoded; waiting for its dependencies to load.
    WaitingForDependencies,
    /// Ready: [`AssetServer::get`](crate::AssetServer::get) returns it.
    Loaded,
    /// Failed for good, with the reason.
    Failed(LoadError),
    /// Freed by [`AssetServer::unload_unused`](crate::AssetServer::unload_unused)
    /// or the memory budget; load it again to get a fresh handle.
    Unloaded,
}

impl LoadState {
    /// Whether the asset is loaded.
    #[must_use]
    pub fn is_loaded(&self) -> bool {
        matches!(self, Self::Loaded)
    }

    /// Whether the asset failed.
    #[must_use]
    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed(_))
    }

    /// Whether the state will not change any more by itself (`Loaded`,
    /// `Failed` or `Unloaded`).
    #[must_use]
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Loaded | Self::Failed(_) | Self::Unloaded)
    }

    /// The error, for a failed asset.
    #[must_use]
    pub fn error(&self) -> Option<&LoadError> {
        match self {
            Self::Failed(err) => Some(err),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_asset() {
        let id = AssetId::from_u128(0xab);
        let path = AssetPath::new("textures/rock.png").unwrap();
        let asset = AssetName::new(id, Some(path));
        let err = LoadError::Corrupt {
            asset: asset.clone(),
            location: "pack build/packs/pack-000001.amsp entry 3".to_owned(),
            detail: "chunk 0: checksum mismatch".to_owned(),
        };
        assert_eq!(
            err.to_string(),
            format!(
                "asset 'textures/rock.png' (id {id}): corrupt: pack build/packs/pack-000001.amsp \
                 entry 3: chunk 0: checksum mismatch"
            )
        );
        let by_id = AssetName::new(id, None);
        let cycle = LoadError::Cycle { chain: vec![asset.clone(), by_id, asset] };
        assert!(cycle.to_string().starts_with("dependency cycle: asset 'textures/rock.png'"));
        assert_eq!(AssetName::new(AssetId::NIL, None).to_string(), "asset <unknown>");
    }
}
