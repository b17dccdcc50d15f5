//! The GPU tier (L0): GPU copies of loaded assets, within budgets.
//!
//! - [`GpuBackend`] is what a renderer provides: create, write and destroy
//!   textures and buffers, memory figures, and a per-frame submit. It is
//!   object-safe and uses plain ids ([`GpuTextureId`], [`GpuBufferId`]),
//!   so an engine plugs in its own renderer; `amsp-wgpu` implements it on
//!   wgpu with a staging ring, and [`NullBackend`] counts bytes for
//!   headless servers.
//! - [`GpuAsset`] is what an asset type provides: its texture mips or
//!   buffers ([`GpuData`]); `amsp-formats` implements it for textures and
//!   meshes.
//! - [`Residency`] takes a frame's upload budget at a time from the
//!   server's upload stage, writes textures coarsest mip first into one
//!   texture that keeps its id as finer mips arrive, and keeps GPU memory
//!   within a budget by evicting copies of unused assets first, then the
//!   least recently used.

mod asset;
mod backend;
mod null;
mod residency;
mod types;

pub use asset::{
    GpuAsset, GpuBuffersData, GpuData, GpuDataError, GpuTextureData, check_texture_data,
};
pub use backend::GpuBackend;
pub use null::{NullBackend, check_texture_desc, check_texture_write};
pub use residency::{
    Residency, ResidencyConfig, ResidencyStats, ResidentBuffers, ResidentTexture, UploadError,
};
pub use types::{
    GpuBufferId, GpuBufferUsage, GpuError, GpuFormat, GpuMemoryInfo, GpuTextureDesc, GpuTextureId,
    TextureWrite,
};
