//! The residency manager's budgets, counters and the views a renderer
//! takes of its GPU copies.

use std::ops::Range;
use std::time::Duration;

use amsp_core::AssetId;

use crate::gpu::asset::GpuDataError;
use crate::gpu::types::{GpuBufferId, GpuError, GpuTextureDesc, GpuTextureId};

/// Budgets of a [`Residency`](super::Residency) manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResidencyConfig {
    /// Bytes of GPU memory the manager's textures and buffers may take.
    pub vram_budget: u64,
    /// Bytes written to the GPU per [`Residency::update`](super::Residency::update) (per frame).
    pub upload_budget: u64,
    /// Time an update may spend writing, if limited: once it is spent, the
    /// update stops after the piece in progress (at least one piece is
    /// written per update, so uploads always progress).
    pub upload_time: Option<Duration>,
}

impl ResidencyConfig {
    /// Budgets of `vram_budget` bytes of GPU memory and `upload_budget`
    /// bytes of uploads per frame, with no time limit.
    #[must_use]
    pub const fn new(vram_budget: u64, upload_budget: u64) -> Self {
        Self { vram_budget, upload_budget, upload_time: None }
    }

    /// The same budgets with uploads limited to `time` per frame too.
    #[must_use]
    pub const fn with_upload_time(mut self, time: Duration) -> Self {
        self.upload_time = Some(time);
        self
    }
}

impl Default for ResidencyConfig {
    /// 512 MiB of VRAM, 4 MiB of uploads a frame, no time limit.
    fn default() -> Self {
        Self::new(512 << 20, 4 << 20)
    }
}

/// Counters of a [`Residency`](super::Residency) manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResidencyStats {
    /// Updates run.
    pub frames: u64,
    /// Bytes written in the last update.
    pub last_frame_bytes: u64,
    /// Most bytes written in one update.
    pub max_frame_bytes: u64,
    /// Bytes written since the start.
    pub uploaded_bytes: u64,
    /// Updates that stopped on the time limit.
    pub out_of_time: u64,
    /// Bytes of GPU memory held now.
    pub resident_bytes: u64,
    /// Most GPU memory held at once.
    pub peak_resident_bytes: u64,
    /// GPU copies evicted to make room.
    pub evictions: u64,
    /// Uploads refused (over budget, no GPU form, backend errors).
    pub failed: u64,
    /// Assets with a GPU copy (complete or in progress).
    pub assets: usize,
    /// Uploads taken and not yet fully written.
    pub pending: usize,
}

/// A texture's GPU copy as a renderer uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentTexture {
    /// The texture; the same for the asset's whole time on the GPU, while
    /// mips are added.
    pub id: GpuTextureId,
    /// Its full description (every mip is allocated).
    pub desc: GpuTextureDesc,
    /// The mips written: sample from `resident.start` (a view's base mip,
    /// or a sampler's minimum LOD).
    pub resident: Range<u32>,
}

/// A buffer set's GPU copy (a mesh LOD's vertices and indices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentBuffers {
    /// The buffers, in the order the asset gave them.
    pub ids: Vec<GpuBufferId>,
    /// The level of detail they hold.
    pub level: u32,
}

/// An asset that could not be made resident.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The asset has no GPU form.
    #[error("{type_name} {asset} has no GPU form: {source}")]
    Data {
        /// The asset.
        asset: AssetId,
        /// Its type.
        type_name: &'static str,
        /// Why.
        source: GpuDataError,
    },
    /// The backend refused it.
    #[error("{type_name} {asset} could not be uploaded: {source}")]
    Gpu {
        /// The asset.
        asset: AssetId,
        /// Its type.
        type_name: &'static str,
        /// The backend's error.
        source: GpuError,
    },
    /// It does not fit the VRAM budget even after evicting every copy not
    /// used this frame.
    #[error("{type_name} {asset} needs {bytes} bytes of GPU memory: over the budget of {budget}")]
    OverBudget {
        /// The asset.
        asset: AssetId,
        /// Its type.
        type_name: &'static str,
        /// Bytes it needs.
        bytes: u64,
        /// The VRAM budget.
        budget: u64,
    },
}
