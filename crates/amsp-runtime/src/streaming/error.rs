//! Errors of the streaming manager's API.

use amsp_core::AssetId;
use thiserror::Error;

use super::{CellId, ObserverId, PlacementId};

/// An operation on the [`StreamingManager`](super::StreamingManager) was given
/// something it cannot use. Nothing is changed when one is returned.
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum StreamingError {
    /// A level chain is not usable (empty, too long, not ordered coarse to
    /// fine, or with non-finite values).
    #[error("asset {asset}: invalid level chain: {reason}")]
    InvalidChain {
        /// The asset the chain describes.
        asset: AssetId,
        /// What is wrong.
        reason: &'static str,
    },
    /// The asset was registered twice.
    #[error("asset {0} is already registered")]
    DuplicateAsset(AssetId),
    /// A placement names an asset that was never registered.
    #[error("asset {0} is not registered")]
    UnknownAsset(AssetId),
    /// The placement id is not (or no longer) known.
    #[error("placement {0:?} does not exist")]
    UnknownPlacement(PlacementId),
    /// The cell id is not known.
    #[error("cell {0:?} does not exist")]
    UnknownCell(CellId),
    /// The cell was added twice.
    #[error("cell {0:?} already exists")]
    DuplicateCell(CellId),
    /// The observer id is not known.
    #[error("observer {0:?} does not exist")]
    UnknownObserver(ObserverId),
    /// Bounds, a radius or a distance are not finite or are negative.
    #[error("invalid geometry: {0}")]
    InvalidGeometry(&'static str),
    /// An observer's parameters cannot define a view (zero viewport, field
    /// of view outside (0, π), near ≥ far, forward parallel to up).
    #[error("observer: {0}")]
    InvalidObserver(&'static str),
    /// The level reported as loaded does not belong to the asset's chain.
    #[error("asset {asset}: level {level:?} is not in its chain")]
    InvalidLevel {
        /// The asset.
        asset: AssetId,
        /// The level reported.
        level: super::Level,
    },
    /// More placements than the index can address (2^32 - 1).
    #[error("too many placements")]
    TooManyPlacements,
}
