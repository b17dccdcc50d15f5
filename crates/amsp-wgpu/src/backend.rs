//! `WgpuBackend`: the GPU tier on a wgpu device, writing through the
//! staging ring.

use std::collections::HashMap;

use amsp_runtime::gpu::{
    GpuBackend, GpuBufferId, GpuBufferUsage, GpuError, GpuMemoryInfo, GpuTextureDesc, GpuTextureId,
    TextureWrite, check_texture_desc, check_texture_write,
};

use crate::context::GpuContext;
use crate::format::wgpu_format;
use crate::ring::{ALIGN, RingStats, StagingRing};

/// Sizes of a [`WgpuBackend`]'s staging ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WgpuBackendConfig {
    /// Staging buffers in the ring (at least 2).
    pub staging_buffers: usize,
    /// Bytes of each staging buffer; writes larger than this are split by
    /// rows.
    pub staging_size: u64,
}

impl Default for WgpuBackendConfig {
    /// Three staging buffers of 8 MiB.
    fn default() -> Self {
        Self { staging_buffers: 3, staging_size: 8 << 20 }
    }
}

struct TextureEntry {
    texture: wgpu::Texture,
    desc: GpuTextureDesc,
}

/// A [`GpuBackend`] on a wgpu device. Writes are copied into a ring of
/// mapped staging buffers and recorded as `copy_buffer_to_texture` /
/// `copy_buffer_to_buffer` commands, submitted when a staging buffer is
/// full and at [`end_frame`](GpuBackend::end_frame); a staging buffer is
/// reused once the GPU has finished copying out of it.
pub struct WgpuBackend {
    context: GpuContext,
    ring: StagingRing,
    textures: HashMap<GpuTextureId, TextureEntry>,
    buffers: HashMap<GpuBufferId, wgpu::Buffer>,
    next_id: u64,
    used: u64,
    written: u64,
}

impl std::fmt::Debug for WgpuBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WgpuBackend")
            .field("adapter", &self.context.adapter.name)
            .field("textures", &self.textures.len())
            .field("buffers", &self.buffers.len())
            .field("used", &self.used)
            .finish_non_exhaustive()
    }
}

fn texture_bytes(desc: &GpuTextureDesc) -> u64 {
    desc.bytes()
}

impl WgpuBackend {
    /// A backend on `context`'s device.
    #[must_use]
    pub fn new(context: GpuContext, config: WgpuBackendConfig) -> Self {
        let ring = StagingRing::new(
            &context.device,
            &context.queue,
            config.staging_buffers,
            config.staging_size,
        );
        Self {
            context,
            ring,
            textures: HashMap::new(),
            buffers: HashMap::new(),
            next_id: 0,
            used: 0,
            written: 0,
        }
    }

    /// The device and queue.
    #[must_use]
    pub fn context(&self) -> &GpuContext {
        &self.context
    }

    /// The wgpu texture behind an id.
    #[must_use]
    pub fn texture(&self, id: GpuTextureId) -> Option<&wgpu::Texture> {
        self.textures.get(&id).map(|t| &t.texture)
    }

    /// The wgpu buffer behind an id.
    #[must_use]
    pub fn buffer(&self, id: GpuBufferId) -> Option<&wgpu::Buffer> {
        self.buffers.get(&id)
    }

    /// The staging ring's counters.
    #[must_use]
    pub fn ring_stats(&self) -> RingStats {
        self.ring.stats
    }

    fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Reads one layer of one mip back (rows of blocks tightly packed),
    /// waiting for the GPU. Submits the writes staged so far first.
    ///
    /// # Errors
    /// [`GpuError::UnknownResource`], [`GpuError::BadWrite`] for a mip or
    /// layer outside the texture, or a device error.
    pub fn read_texture(
        &mut self,
        id: GpuTextureId,
        mip: u32,
        layer: u32,
    ) -> Result<Vec<u8>, GpuError> {
        self.ring.submit()?;
        let entry = self
            .textures
            .get(&id)
            .ok_or_else(|| GpuError::UnknownResource(format!("texture {}", id.0)))?;
        let desc = entry.desc;
        let rows = desc.block_rows(mip);
        check_texture_write(
            id,
            &desc,
            &TextureWrite { mip, layer, rows: 0..rows },
            desc.layer_bytes(mip) as usize,
        )?;
        let row = desc.row_bytes(mip);
        let pitch = row.div_ceil(ALIGN) * ALIGN;
        let device = &self.context.device;
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("amsp readback"),
            size: pitch * u64::from(rows),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("amsp readback"),
        });
        let (w, h) = desc.mip_size(mip);
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &entry.texture,
                mip_level: mip,
                origin: wgpu::Origin3d { x: 0, y: 0, z: layer },
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(u32::try_from(pitch).map_err(|_| too_large(id))?),
                    rows_per_image: Some(rows),
                },
            },
            physical_extent(&desc, w, h),
        );
        self.context.queue.submit([encoder.finish()]);
        read_mapped(device, &readback, rows as usize, row as usize, pitch as usize)
    }
}

fn too_large(id: GpuTextureId) -> GpuError {
    GpuError::BadWrite {
        resource: format!("texture {}", id.0),
        reason: "row pitch beyond 4 GiB".into(),
    }
}

/// The copy extent of a mip: whole blocks for compressed formats.
fn physical_extent(desc: &GpuTextureDesc, w: u32, h: u32) -> wgpu::Extent3d {
    let (bw, bh) = desc.format.block_dims();
    wgpu::Extent3d {
        width: w.div_ceil(bw) * bw,
        height: h.div_ceil(bh) * bh,
        depth_or_array_layers: 1,
    }
}

/// Maps `buffer` for reading, waits, and returns `rows` rows of `row`
/// bytes read at `pitch`.
pub(crate) fn read_mapped(
    device: &wgpu::Device,
    buffer: &wgpu::Buffer,
    rows: usize,
    row: usize,
    pitch: usize,
) -> Result<Vec<u8>, GpuError> {
    let (tx, rx) = std::sync::mpsc::channel();
    buffer.map_async(wgpu::MapMode::Read, .., move |r| {
        let _ = tx.send(r);
    });
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| GpuError::Device(format!("readback: {e}")))?;
    rx.recv()
        .map_err(|e| GpuError::Device(format!("readback: {e}")))?
        .map_err(|e| GpuError::Device(format!("readback map: {e}")))?;
    let view =
        buffer.get_mapped_range(..).map_err(|e| GpuError::Device(format!("readback view: {e}")))?;
    let mut out = Vec::with_capacity(rows * row);
    for r in 0..rows {
        out.extend_from_slice(&view[r * pitch..r * pitch + row]);
    }
    drop(view);
    buffer.unmap();
    Ok(out)
}

impl GpuBackend for WgpuBackend {
    fn name(&self) -> String {
        format!("wgpu ({})", self.context.adapter.name)
    }

    fn create_texture(&mut self, desc: &GpuTextureDesc) -> Result<GpuTextureId, GpuError> {
        check_texture_desc(desc)?;
        let format = wgpu_format(desc.format, self.context.device.features())?;
        let limits = self.context.device.limits();
        if desc.width.max(desc.height) > limits.max_texture_dimension_2d
            || desc.layers > limits.max_texture_array_layers
        {
            return Err(GpuError::InvalidTexture {
                desc: *desc,
                reason: "beyond the device's limits".into(),
            });
        }
        let (bw, bh) = desc.format.block_dims();
        if desc.format.is_compressed()
            && (!desc.width.is_multiple_of(bw) || !desc.height.is_multiple_of(bh))
        {
            return Err(GpuError::InvalidTexture {
                desc: *desc,
                reason: "block-compressed textures need sizes that are multiples of the block"
                    .into(),
            });
        }
        let texture = self.context.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("amsp texture"),
            size: wgpu::Extent3d {
                width: desc.width,
                height: desc.height,
                depth_or_array_layers: desc.layers,
            },
            mip_level_count: desc.mip_count,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_DST
                | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let id = GpuTextureId(self.next());
        self.used += texture_bytes(desc);
        self.textures.insert(id, TextureEntry { texture, desc: *desc });
        Ok(id)
    }

    fn destroy_texture(&mut self, id: GpuTextureId) {
        if let Some(entry) = self.textures.remove(&id) {
            self.used -= texture_bytes(&entry.desc);
            // wgpu keeps it alive until submitted work that uses it is done.
            entry.texture.destroy();
        }
    }

    fn write_texture(
        &mut self,
        id: GpuTextureId,
        region: &TextureWrite,
        bytes: &[u8],
    ) -> Result<(), GpuError> {
        let entry = self
            .textures
            .get(&id)
            .ok_or_else(|| GpuError::UnknownResource(format!("texture {}", id.0)))?;
        let desc = entry.desc;
        check_texture_write(id, &desc, region, bytes.len())?;
        let row = desc.row_bytes(region.mip);
        let pitch = row.div_ceil(ALIGN) * ALIGN;
        let per_chunk = (self.ring.buffer_size() / pitch).max(1);
        if pitch > self.ring.buffer_size() {
            return Err(GpuError::BadWrite {
                resource: format!("texture {}", id.0),
                reason: format!("a row of {row} bytes does not fit a staging buffer"),
            });
        }
        let (bw, bh) = desc.format.block_dims();
        let (w, _) = desc.mip_size(region.mip);
        let (_, full_h) = desc.mip_size(region.mip);
        let mut start = region.rows.start;
        let mut src = bytes;
        while start < region.rows.end {
            let n = u32::try_from(per_chunk).unwrap_or(u32::MAX).min(region.rows.end - start);
            let len = row as usize * n as usize;
            let (chunk, rest) = src.split_at(len);
            let at = self.ring.reserve(pitch * u64::from(n))?;
            self.ring.fill(at, chunk, row as usize, pitch)?;
            let texture = &self.textures[&id].texture;
            let (staging, encoder) = self.ring.target();
            // Texel rows covered, clamped to the mip for a last partial block row.
            let y = start * bh;
            let height = ((start + n) * bh).min(full_h.div_ceil(bh) * bh) - y;
            encoder.copy_buffer_to_texture(
                wgpu::TexelCopyBufferInfo {
                    buffer: staging,
                    layout: wgpu::TexelCopyBufferLayout {
                        offset: at,
                        bytes_per_row: Some(u32::try_from(pitch).map_err(|_| too_large(id))?),
                        rows_per_image: Some(n),
                    },
                },
                wgpu::TexelCopyTextureInfo {
                    texture,
                    mip_level: region.mip,
                    origin: wgpu::Origin3d { x: 0, y, z: region.layer },
                    aspect: wgpu::TextureAspect::All,
                },
                wgpu::Extent3d { width: w.div_ceil(bw) * bw, height, depth_or_array_layers: 1 },
            );
            start += n;
            src = rest;
        }
        self.written += bytes.len() as u64;
        Ok(())
    }

    fn create_buffer(&mut self, size: u64, usage: GpuBufferUsage) -> Result<GpuBufferId, GpuError> {
        let size = size.div_ceil(4).max(1) * 4;
        if size > self.context.device.limits().max_buffer_size {
            return Err(GpuError::Device(format!(
                "a buffer of {size} bytes is beyond the device's limit"
            )));
        }
        let usage = wgpu::BufferUsages::COPY_DST
            | wgpu::BufferUsages::COPY_SRC
            | match usage {
                GpuBufferUsage::Vertex => wgpu::BufferUsages::VERTEX,
                GpuBufferUsage::Index => wgpu::BufferUsages::INDEX,
                GpuBufferUsage::Storage => {
                    wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::UNIFORM
                }
            };
        let buffer = self.context.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("amsp buffer"),
            size,
            usage,
            mapped_at_creation: false,
        });
        let id = GpuBufferId(self.next());
        self.used += size;
        self.buffers.insert(id, buffer);
        Ok(id)
    }

    fn destroy_buffer(&mut self, id: GpuBufferId) {
        if let Some(buffer) = self.buffers.remove(&id) {
            self.used -= buffer.size();
            buffer.destroy();
        }
    }

    fn write_buffer(&mut self, id: GpuBufferId, offset: u64, bytes: &[u8]) -> Result<(), GpuError> {
        let size = self
            .buffers
            .get(&id)
            .ok_or_else(|| GpuError::UnknownResource(format!("buffer {}", id.0)))?
            .size();
        let end = offset.checked_add(bytes.len() as u64);
        if !offset.is_multiple_of(4) || end.is_none_or(|end| end > size) {
            return Err(GpuError::BadWrite {
                resource: format!("buffer {}", id.0),
                reason: format!("{} bytes at {offset} in a buffer of {size}", bytes.len()),
            });
        }
        let chunk = self.ring.buffer_size() as usize;
        let mut at_dst = offset;
        for part in bytes.chunks(chunk) {
            let len = (part.len() as u64).div_ceil(4) * 4;
            let at = self.ring.reserve(len)?;
            self.ring.fill(at, part, part.len(), part.len() as u64)?;
            let buffer = &self.buffers[&id];
            let (staging, encoder) = self.ring.target();
            encoder.copy_buffer_to_buffer(staging, at, buffer, at_dst, len);
            at_dst += len;
        }
        self.written += bytes.len() as u64;
        Ok(())
    }

    fn memory_info(&self) -> GpuMemoryInfo {
        GpuMemoryInfo { budget: None, used: self.used, written: self.written }
    }

    fn end_frame(&mut self) -> Result<(), GpuError> {
        self.ring.submit()
    }
}
