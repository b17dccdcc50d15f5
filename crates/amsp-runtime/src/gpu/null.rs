//! A backend without a device: for headless servers and for testing the
//! residency manager's bookkeeping.

use std::collections::HashMap;

use super::backend::GpuBackend;
use super::types::{
    GpuBufferId, GpuBufferUsage, GpuError, GpuMemoryInfo, GpuTextureDesc, GpuTextureId,
    TextureWrite,
};

/// A [`GpuBackend`] that keeps no data: it checks every call as a real
/// backend would (ids, regions, byte counts) and counts bytes, so a
/// headless server runs the same residency code and tests can check the
/// bookkeeping.
#[derive(Debug, Default)]
pub struct NullBackend {
    next_id: u64,
    textures: HashMap<GpuTextureId, GpuTextureDesc>,
    buffers: HashMap<GpuBufferId, u64>,
    used: u64,
    written: u64,
    frame_written: u64,
    frames: Vec<u64>,
    budget: Option<u64>,
}

impl NullBackend {
    /// A backend that reports no memory budget.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A backend that reports `budget` bytes as the device's budget.
    #[must_use]
    pub fn with_budget(budget: u64) -> Self {
        Self { budget: Some(budget), ..Self::default() }
    }

    /// Changes the budget the backend reports (a device whose free memory
    /// shrinks or grows); `None` reports none.
    pub fn set_budget(&mut self, budget: Option<u64>) {
        self.budget = budget;
    }

    /// Bytes written in each frame ended so far, in order.
    #[must_use]
    pub fn frame_bytes(&self) -> &[u64] {
        &self.frames
    }

    /// Textures alive.
    #[must_use]
    pub fn texture_count(&self) -> usize {
        self.textures.len()
    }

    /// Buffers alive.
    #[must_use]
    pub fn buffer_count(&self) -> usize {
        self.buffers.len()
    }

    /// The description of a live texture.
    #[must_use]
    pub fn texture(&self, id: GpuTextureId) -> Option<&GpuTextureDesc> {
        self.textures.get(&id)
    }

    fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// Checks a texture region write against `desc`; shared with other
/// backends through [`check_texture_write`].
pub(super) fn check_write(
    id: GpuTextureId,
    desc: &GpuTextureDesc,
    region: &TextureWrite,
    len: usize,
) -> Result<(), GpuError> {
    let bad = |reason: String| GpuError::BadWrite { resource: format!("texture {}", id.0), reason };
    if region.mip >= desc.mip_count || region.layer >= desc.layers {
        return Err(bad(format!(
            "mip {} layer {} outside {} mips × {} layers",
            region.mip, region.layer, desc.mip_count, desc.layers
        )));
    }
    let rows = desc.block_rows(region.mip);
    if region.rows.start >= region.rows.end || region.rows.end > rows {
        return Err(bad(format!("rows {:?} outside 0..{rows}", region.rows)));
    }
    let want = desc.row_bytes(region.mip) * u64::from(region.rows.end - region.rows.start);
    if want != len as u64 {
        return Err(bad(format!("{len} bytes for a region of {want}")));
    }
    Ok(())
}

/// Checks a texture write region and its byte count against the texture's
/// description, as every backend must.
///
/// # Errors
/// [`GpuError::BadWrite`] naming the texture and what is wrong.
pub fn check_texture_write(
    id: GpuTextureId,
    desc: &GpuTextureDesc,
    region: &TextureWrite,
    len: usize,
) -> Result<(), GpuError> {
    check_write(id, desc, region, len)
}

/// Checks a texture description, as every backend must.
///
/// # Errors
/// [`GpuError::InvalidTexture`].
pub fn check_texture_desc(desc: &GpuTextureDesc) -> Result<(), GpuError> {
    if desc.is_valid() {
        Ok(())
    } else {
        Err(GpuError::InvalidTexture {
            desc: *desc,
            reason: "zero size or layers, or more mips than the full chain".into(),
        })
    }
}

impl GpuBackend for NullBackend {
    fn name(&self) -> String {
        "null".into()
    }

    fn create_texture(&mut self, desc: &GpuTextureDesc) -> Result<GpuTextureId, GpuError> {
        check_texture_desc(desc)?;
        let id = GpuTextureId(self.next());
        self.textures.insert(id, *desc);
        self.used += desc.bytes();
        Ok(id)
    }

    fn destroy_texture(&mut self, id: GpuTextureId) {
        if let Some(desc) = self.textures.remove(&id) {
            self.used -= desc.bytes();
        }
    }

    fn write_texture(
        &mut self,
        id: GpuTextureId,
        region: &TextureWrite,
        bytes: &[u8],
    ) -> Result<(), GpuError> {
        let desc = self
            .textures
            .get(&id)
            .ok_or_else(|| GpuError::UnknownResource(format!("texture {}", id.0)))?;
        check_write(id, desc, region, bytes.len())?;
        self.written += bytes.len() as u64;
        self.frame_written += bytes.len() as u64;
        Ok(())
    }

    fn create_buffer(
        &mut self,
        size: u64,
        _usage: GpuBufferUsage,
    ) -> Result<GpuBufferId, GpuError> {
        let size = size.div_ceil(4) * 4;
        let id = GpuBufferId(self.next());
        self.buffers.insert(id, size);
        self.used += size;
        Ok(id)
    }

    fn destroy_buffer(&mut self, id: GpuBufferId) {
        if let Some(size) = self.buffers.remove(&id) {
            self.used -= size;
        }
    }

    fn write_buffer(&mut self, id: GpuBufferId, offset: u64, bytes: &[u8]) -> Result<(), GpuError> {
        let size = *self
            .buffers
            .get(&id)
            .ok_or_else(|| GpuError::UnknownResource(format!("buffer {}", id.0)))?;
        let end = offset.checked_add(bytes.len() as u64);
        if !offset.is_multiple_of(4) || end.is_none_or(|end| end > size) {
            return Err(GpuError::BadWrite {
                resource: format!("buffer {}", id.0),
                reason: format!("{} bytes at {offset} in a buffer of {size}", bytes.len()),
            });
        }
        self.written += bytes.len() as u64;
        self.frame_written += bytes.len() as u64;
        Ok(())
    }

    fn memory_info(&self) -> GpuMemoryInfo {
        GpuMemoryInfo { budget: self.budget, used: self.used, written: self.written }
    }

    fn end_frame(&mut self) -> Result<(), GpuError> {
        self.frames.push(std::mem::take(&mut self.frame_written));
        Ok(())
    }
}
