//! Writing a frame's share of the queued uploads: rows of blocks and
//! buffer ranges within the byte and time budgets.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use amsp_core::AssetId;

use super::{Kind, Residency, UploadError};
use crate::gpu::asset::{GpuAsset, GpuData};
use crate::gpu::backend::GpuBackend;
use crate::gpu::types::{GpuError, TextureWrite};

pub(super) enum Piece {
    Rows { mip: u32, layer: u32, rows: Range<u32> },
    Buffer { index: usize, range: Range<u64> },
}

pub(super) struct Job {
    pub(super) asset: AssetId,
    pub(super) generation: u64,
    pub(super) source: Arc<dyn GpuAsset>,
    pub(super) pieces: VecDeque<Piece>,
}

/// One update's budget: bytes, and a deadline if time is limited.
pub(super) struct Budget {
    pub(super) bytes: u64,
    pub(super) deadline: Option<Instant>,
}

impl Budget {
    /// Whether the time is spent (never before the first write).
    pub(super) fn out_of_time(&self, written: u64) -> bool {
        written > 0 && self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

fn missing(asset: AssetId, mip: u32) -> GpuError {
    GpuError::BadWrite {
        resource: format!("asset {asset}"),
        reason: format!("level {mip} no longer matches the data it was queued for"),
    }
}

impl Residency {
    /// Writes queued pieces until `budget` bytes are written this frame.
    pub(super) fn write_pending(
        &mut self,
        backend: &mut dyn GpuBackend,
        budget: &Budget,
        written: &mut u64,
    ) {
        while let Some(mut job) = self.jobs.pop_front() {
            let live = self.entries.get(&job.asset).is_some_and(|e| e.generation == job.generation);
            if !live {
                continue;
            }
            let result = self.write_job(&mut job, backend, budget, written);
            if let Err(source) = result {
                let type_name = self.entries.get(&job.asset).map_or("asset", |e| e.type_name);
                self.evict(job.asset, backend);
                self.fail(UploadError::Gpu { asset: job.asset, type_name, source });
                continue;
            }
            if job.pieces.is_empty() {
                self.finish(&job, backend);
            } else {
                self.jobs.push_front(job);
                return;
            }
        }
    }

    /// Writes a job's pieces until done or out of budget.
    fn write_job(
        &mut self,
        job: &mut Job,
        backend: &mut dyn GpuBackend,
        budget: &Budget,
        written: &mut u64,
    ) -> Result<(), GpuError> {
        let source = Arc::clone(&job.source);
        let data = source.gpu_data().map_err(|e| GpuError::BadWrite {
            resource: format!("asset {}", job.asset),
            reason: e.to_string(),
        })?;
        let Some(entry) = self.entries.get_mut(&job.asset) else { return Ok(()) };
        while let Some(piece) = job.pieces.front_mut() {
            if budget.out_of_time(*written) {
                return Ok(());
            }
            let room = budget.bytes.saturating_sub(*written);
            match (piece, &data, &mut entry.kind) {
                (
                    Piece::Rows { mip, layer, rows },
                    GpuData::Texture(tex),
                    Kind::Texture { id, desc, resident, .. },
                ) => {
                    let row_bytes = desc.row_bytes(*mip);
                    let mut fit = room / row_bytes;
                    if fit == 0 {
                        if *written > 0 {
                            return Ok(());
                        }
                        fit = 1;
                    }
                    let n = u32::try_from(fit).unwrap_or(u32::MAX).min(rows.end - rows.start);
                    let bytes = tex.mip(*mip).ok_or_else(|| missing(job.asset, *mip))?;
                    let start = u64::from(*layer) * desc.layer_bytes(*mip)
                        + u64::from(rows.start) * row_bytes;
                    let len = u64::from(n) * row_bytes;
                    let slice = usize::try_from(start)
                        .ok()
                        .zip(usize::try_from(start + len).ok())
                        .and_then(|(a, b)| bytes.get(a..b))
                        .ok_or_else(|| missing(job.asset, *mip))?;
                    let region =
                        TextureWrite { mip: *mip, layer: *layer, rows: rows.start..rows.start + n };
                    backend.write_texture(*id, &region, slice)?;
                    *written += len;
                    rows.start += n;
                    if rows.start >= rows.end {
                        if *layer + 1 == desc.layers {
                            resident.start = resident.start.min(*mip);
                        }
                        job.pieces.pop_front();
                    }
                }
                (
                    Piece::Buffer { index, range },
                    GpuData::Buffers(set),
                    Kind::Buffers { next: Some((ids, _)), .. },
                ) => {
                    let mut fit = room / 4 * 4;
                    if fit == 0 {
                        if *written > 0 {
                            return Ok(());
                        }
                        fit = 4;
                    }
                    let len = fit.min(range.end - range.start);
                    let (id, bytes) = ids
                        .get(*index)
                        .map(|(id, _)| *id)
                        .zip(set.buffers.get(*index).map(|(_, b)| *b))
                        .ok_or_else(|| missing(job.asset, 0))?;
                    let slice = usize::try_from(range.start)
                        .ok()
                        .zip(usize::try_from(range.start + len).ok())
                        .and_then(|(a, b)| bytes.get(a..b))
                        .ok_or_else(|| missing(job.asset, 0))?;
                    backend.write_buffer(id, range.start, slice)?;
                    *written += len;
                    range.start += len;
                    if range.is_empty() {
                        job.pieces.pop_front();
                    }
                }
                _ => {
                    job.pieces.clear();
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// A job fully written: a buffer set replaces the previous one.
    fn finish(&mut self, job: &Job, backend: &mut dyn GpuBackend) {
        let Some(entry) = self.entries.get_mut(&job.asset) else { return };
        if let Kind::Buffers { current, next } = &mut entry.kind
            && let Some(done) = next.take()
        {
            let mut freed = 0;
            for (id, size) in current.replace(done).map(|(ids, _)| ids).unwrap_or_default() {
                backend.destroy_buffer(id);
                freed += size;
            }
            entry.bytes -= freed;
            self.stats.resident_bytes -= freed;
        }
    }
}
