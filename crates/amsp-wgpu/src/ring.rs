//! The staging ring: mapped buffers that CPU bytes are copied into and the
//! GPU copies from, reused across frames.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use amsp_runtime::gpu::GpuError;

/// Offsets in a staging buffer are aligned to this (wgpu's row pitch
/// alignment, a multiple of every block size and of the map alignment).
pub(crate) const ALIGN: u64 = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT as u64;

const MAPPED: u8 = 0;
const PENDING: u8 = 1;
const FAILED: u8 = 2;

struct Staging {
    buffer: wgpu::Buffer,
    state: Arc<AtomicU8>,
}

/// Counters of the staging ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RingStats {
    /// Staging buffers submitted.
    pub submits: u64,
    /// Times a write waited for the GPU to give a staging buffer back.
    pub stalls: u64,
    /// Bytes copied into staging buffers (row padding included).
    pub staged_bytes: u64,
}

/// A ring of `count` staging buffers of `size` bytes. Writes go into the
/// current buffer (mapped); [`StagingRing::submit`] unmaps it, submits
/// the copies recorded against it, asks for it to be mapped again once the
/// GPU is done, and moves to the next one, waiting for it only if the GPU
/// still uses it.
pub(crate) struct StagingRing {
    device: wgpu::Device,
    queue: wgpu::Queue,
    buffers: Vec<Staging>,
    current: usize,
    cursor: u64,
    size: u64,
    encoder: Option<wgpu::CommandEncoder>,
    pub(crate) stats: RingStats,
}

impl StagingRing {
    pub(crate) fn new(device: &wgpu::Device, queue: &wgpu::Queue, count: usize, size: u64) -> Self {
        let size = size.max(ALIGN).div_ceil(ALIGN) * ALIGN;
        let buffers = (0..count.max(2))
            .map(|i| Staging {
                buffer: device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(&format!("amsp staging {i}")),
                    size,
                    usage: wgpu::BufferUsages::MAP_WRITE | wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: true,
                }),
                state: Arc::new(AtomicU8::new(MAPPED)),
            })
            .collect();
        Self {
            device: device.clone(),
            queue: queue.clone(),
            buffers,
            current: 0,
            cursor: 0,
            size,
            encoder: None,
            stats: RingStats::default(),
        }
    }

    /// Bytes of one staging buffer.
    pub(crate) fn buffer_size(&self) -> u64 {
        self.size
    }

    /// Room for `len` bytes in the current buffer: its offset, after
    /// submitting the current one if it is too full. `len` must not exceed
    /// [`buffer_size`](Self::buffer_size).
    pub(crate) fn reserve(&mut self, len: u64) -> Result<u64, GpuError> {
        debug_assert!(len <= self.size);
        if self.cursor + len > self.size {
            self.submit()?;
        }
        let at = self.cursor;
        self.cursor = (at + len).div_ceil(ALIGN) * ALIGN;
        self.stats.staged_bytes += len;
        Ok(at)
    }

    /// Writes rows into the current buffer at `at`: row `i` of `rows`
    /// (each `row_len` bytes of `src`) lands at `at + i × pitch`.
    pub(crate) fn fill(
        &mut self,
        at: u64,
        src: &[u8],
        row_len: usize,
        pitch: u64,
    ) -> Result<(), GpuError> {
        let rows = src.len().checked_div(row_len).unwrap_or(0);
        let len = if rows == 0 { 0 } else { pitch * (rows as u64 - 1) + row_len as u64 };
        let mapped_len = len.div_ceil(4) * 4;
        if mapped_len == 0 {
            return Ok(());
        }
        let buffer = &self.buffers[self.current].buffer;
        let mut view = buffer
            .get_mapped_range_mut(at..at + mapped_len)
            .map_err(|e| GpuError::Device(format!("staging buffer not mapped: {e}")))?;
        let mut dst = view.slice(..);
        if pitch == row_len as u64 {
            dst.slice(..src.len()).copy_from_slice(src);
            if mapped_len as usize > src.len() {
                dst.slice(src.len()..).fill(0);
            }
        } else {
            for (i, row) in src.chunks_exact(row_len).enumerate() {
                let start = i * pitch as usize;
                dst.slice(start..start + row_len).copy_from_slice(row);
            }
        }
        Ok(())
    }

    /// The current staging buffer and the encoder that copies out of it.
    pub(crate) fn target(&mut self) -> (&wgpu::Buffer, &mut wgpu::CommandEncoder) {
        let device = &self.device;
        let encoder = self.encoder.get_or_insert_with(|| {
            device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("amsp uploads"),
            })
        });
        (&self.buffers[self.current].buffer, encoder)
    }

    /// Submits the copies out of the current buffer (if any) and moves to
    /// the next buffer, waiting for the GPU to release it if needed.
    pub(crate) fn submit(&mut self) -> Result<(), GpuError> {
        let Some(encoder) = self.encoder.take() else {
            return Ok(());
        };
        let staging = &self.buffers[self.current];
        staging.buffer.unmap();
        self.queue.submit([encoder.finish()]);
        staging.state.store(PENDING, Ordering::Release);
        let state = Arc::clone(&staging.state);
        staging.buffer.map_async(wgpu::MapMode::Write, .., move |result| {
            state.store(if result.is_ok() { MAPPED } else { FAILED }, Ordering::Release);
        });
        self.stats.submits += 1;
        self.current = (self.current + 1) % self.buffers.len();
        self.cursor = 0;
        // Run the callbacks of work already done, without waiting.
        let _ = self.device.poll(wgpu::PollType::Poll);
        let state = Arc::clone(&self.buffers[self.current].state);
        if state.load(Ordering::Acquire) == PENDING {
            self.stats.stalls += 1;
            while state.load(Ordering::Acquire) == PENDING {
                self.device
                    .poll(wgpu::PollType::wait_indefinitely())
                    .map_err(|e| GpuError::Device(format!("waiting for a staging buffer: {e}")))?;
            }
        }
        if state.load(Ordering::Acquire) == FAILED {
            return Err(GpuError::Device("a staging buffer could not be mapped again".into()));
        }
        Ok(())
    }
}
