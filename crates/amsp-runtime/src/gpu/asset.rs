//! What an asset type gives the GPU tier: a texture's mips or a set of
//! buffers.

use std::ops::Range;

use super::types::{GpuBufferUsage, GpuTextureDesc};

/// An asset the GPU tier can make resident: implemented by the format
/// crate for its textures and meshes, registered with
/// [`Residency::register`](super::Residency::register).
pub trait GpuAsset: Send + Sync + 'static {
    /// The asset's GPU form.
    ///
    /// # Errors
    /// [`GpuDataError`] when the asset has no GPU form (a format or shape
    /// the GPU tier does not take).
    fn gpu_data(&self) -> Result<GpuData<'_>, GpuDataError>;
}

/// An asset's GPU form.
#[derive(Debug, Clone)]
pub enum GpuData<'a> {
    /// A texture whose mips stream in, coarsest first.
    Texture(GpuTextureData<'a>),
    /// Buffers replaced whole when a finer level arrives (a mesh LOD's
    /// vertices and indices).
    Buffers(GpuBuffersData<'a>),
}

/// A texture and the mips the asset holds.
#[derive(Debug, Clone)]
pub struct GpuTextureData<'a> {
    /// The full texture (every mip, even those not held).
    pub desc: GpuTextureDesc,
    /// The mips held: `resident.end` is `desc.mip_count`.
    pub resident: Range<u32>,
    /// The held mips' bytes, finest first, each `desc.mip_bytes(mip)`
    /// long: layers one after another, rows of blocks tightly packed.
    pub mips: Vec<&'a [u8]>,
}

impl GpuTextureData<'_> {
    /// The bytes of mip `mip` if held.
    #[must_use]
    pub fn mip(&self, mip: u32) -> Option<&[u8]> {
        if !self.resident.contains(&mip) {
            return None;
        }
        self.mips.get((mip - self.resident.start) as usize).copied()
    }
}

/// A set of buffers for one level of detail.
#[derive(Debug, Clone)]
pub struct GpuBuffersData<'a> {
    /// The level of detail the buffers hold (0 = finest).
    pub level: u32,
    /// The buffers.
    pub buffers: Vec<(GpuBufferUsage, &'a [u8])>,
}

/// Why an asset has no GPU form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GpuDataError {
    /// The texel format has no [`GpuFormat`](super::GpuFormat).
    #[error("texel format {0} has no GPU format in the GPU tier")]
    UnsupportedFormat(String),
    /// A shape the GPU tier does not take (volume textures).
    #[error("unsupported texture shape: {0}")]
    UnsupportedShape(String),
    /// The asset's data does not match its description.
    #[error("inconsistent asset data: {0}")]
    Inconsistent(String),
}

/// A description checked against its mips' byte counts, for
/// implementations of [`GpuAsset`].
///
/// # Errors
/// [`GpuDataError::Inconsistent`] when a mip's bytes do not match.
pub fn check_texture_data(data: &GpuTextureData<'_>) -> Result<(), GpuDataError> {
    let desc = &data.desc;
    if !desc.is_valid() || data.resident.end != desc.mip_count || data.resident.is_empty() {
        return Err(GpuDataError::Inconsistent(format!(
            "{desc:?} with resident mips {:?}",
            data.resident
        )));
    }
    if data.mips.len() != data.resident.len() {
        return Err(GpuDataError::Inconsistent(format!(
            "{} mip buffers for resident mips {:?}",
            data.mips.len(),
            data.resident
        )));
    }
    for mip in data.resident.clone() {
        let have = data.mip(mip).map_or(0, <[u8]>::len) as u64;
        if have != desc.mip_bytes(mip) {
            return Err(GpuDataError::Inconsistent(format!(
                "mip {mip} has {have} bytes, {:?} needs {}",
                desc.format,
                desc.mip_bytes(mip)
            )));
        }
    }
    Ok(())
}
