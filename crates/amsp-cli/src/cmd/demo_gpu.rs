//! The GPU-tier part of `amsp demo`: the cooked textures streamed into a
//! residency manager on the `NullBackend` (headless: no GPU needed, every
//! write still checked against its texture), as a camera passing a row of
//! textures would see them: each texture's mip tail first, then all its
//! mips, a window of a few textures held at once and the ones left behind
//! dropped. Reports the bytes uploaded, the largest frame's upload against
//! the per-frame budget, and GPU memory and evictions against the VRAM
//! budget.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use amsp_bench::textures::SyntheticTexture;
use amsp_core::PriorityClass;
use amsp_formats::texture::{Texture, TextureLoader};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::gpu::{GpuBackend, NullBackend, Residency, ResidencyConfig};
use amsp_runtime::{AssetServer, Handle};
use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::output::bytes;

/// Most bytes written to the GPU per frame; less for small textures (a
/// quarter of the largest), so that each spreads over a few frames.
const MAX_UPLOAD_BUDGET: u64 = 1 << 20;
/// Textures held at once.
const WINDOW: usize = 3;
/// The largest side of the mip tail requested first.
const TAIL_SIZE: u32 = 64;
/// Frames one texture may take to arrive.
const MAX_FRAMES: usize = 10_000;
const WAIT: Duration = Duration::from_secs(60);

/// The tail's level (its finest mip) of a `size`² texture.
fn tail_level(size: u32) -> u8 {
    u8::try_from((size / TAIL_SIZE).max(1).ilog2()).unwrap_or(u8::MAX)
}

/// Full-chain GPU bytes of each texture, read from its mip tail (a tail
/// describes the whole chain).
fn chain_bytes(
    source: &Arc<CookedSource>,
    textures: &[SyntheticTexture],
) -> anyhow::Result<Vec<u64>> {
    let server = AssetServer::builder()
        .source(Arc::clone(source) as Arc<dyn AssetSource>)
        .worker_threads(1)
        .build()?;
    server.register_loader(TextureLoader::default());
    let mut sizes = Vec::with_capacity(textures.len());
    for t in textures {
        let handle: Handle<Texture> =
            server.load_level(t.asset_path.as_str(), tail_level(t.size), PriorityClass::High);
        server.wait_for(&handle, WAIT);
        let tail = server
            .get(&handle)
            .with_context(|| format!("{} did not load: {:?}", t.asset_path, handle.state()))?;
        let desc = tail.gpu_desc().with_context(|| format!("{} has no GPU form", t.asset_path))?;
        sizes.push(desc.bytes());
    }
    Ok(sizes)
}

/// Runs the GPU-tier demo over the cooked `textures` of `source`; `say`
/// prints a line unless the output is JSON. Returns whether every check
/// passed, and the JSON summary.
pub fn run(
    source: &Arc<CookedSource>,
    textures: &[SyntheticTexture],
    say: &dyn Fn(String),
) -> anyhow::Result<(bool, Value)> {
    let sizes = chain_bytes(source, textures)?;
    let mut largest = sizes.clone();
    largest.sort_unstable_by(|a, b| b.cmp(a));
    let vram_budget: u64 = largest.iter().take(WINDOW).sum();
    let upload_budget =
        (largest.first().copied().unwrap_or(0) / 4).clamp(4 << 10, MAX_UPLOAD_BUDGET);

    let server = AssetServer::builder()
        .source(Arc::clone(source) as Arc<dyn AssetSource>)
        .worker_threads(1)
        .build()?;
    server.register_loader(TextureLoader::default());
    let mut residency = Residency::new(ResidencyConfig::new(vram_budget, upload_budget));
    residency.register::<Texture>(&server);
    let mut backend = NullBackend::new();

    // The row: each texture enters the window (tail, then every mip), the
    // oldest leaves it.
    let mut window: VecDeque<(Handle<Texture>, Handle<Texture>)> = VecDeque::new();
    let (mut growths, mut window_kept, mut ids_stable) = (0u64, true, true);
    for t in textures {
        if window.len() == WINDOW {
            window.pop_front();
        }
        let path = t.asset_path.as_str();
        let tail: Handle<Texture> =
            server.load_level(path, tail_level(t.size), PriorityClass::High);
        let full: Handle<Texture> = server.load_level(path, 0, PriorityClass::Normal);
        if !server.wait_idle(WAIT) {
            bail!("{path} did not load within a minute");
        }
        let id = full.id();
        let mut seen = None;
        let mut frames = 0;
        loop {
            let gpu = residency.texture(id);
            if let Some(gpu) = &gpu {
                let (gpu_id, finest) = *seen.get_or_insert((gpu.id, gpu.resident.start));
                ids_stable &= gpu_id == gpu.id;
                if gpu.resident.start < finest {
                    growths += 1;
                    seen = Some((gpu_id, gpu.resident.start));
                }
            }
            if gpu.is_some_and(|g| g.resident.start == 0) && residency.stats().pending == 0 {
                break;
            }
            frames += 1;
            if frames > MAX_FRAMES {
                bail!("{path} not on the GPU after {MAX_FRAMES} frames: {:?}", residency.stats());
            }
            residency.update(&server, &mut backend)?;
        }
        window.push_back((tail, full));
        window_kept &= window.iter().all(|(_, h)| residency.texture(h.id()).is_some());
    }
    let errors = residency.take_errors();
    let stats = residency.stats();
    let memory = backend.memory_info();
    // Copies left behind must have made room once the row outgrew the budget.
    let must_evict = sizes.iter().sum::<u64>() > vram_budget;
    let ok = errors.is_empty()
        && stats.max_frame_bytes <= upload_budget
        && stats.peak_resident_bytes <= vram_budget
        && memory.used == stats.resident_bytes
        && window_kept
        && ids_stable
        && (growths > 0 || textures.is_empty())
        && (stats.evictions > 0 || !must_evict);
    say(format!(
        "gpu tier:    {} textures passed in a window of {WINDOW} (tail first) through a residency on the {} backend: {} uploaded in {} frames, largest frame {} of the {} budget; GPU memory peak {} of the {} VRAM budget, {} copies evicted (none held), finer mips added in place {growths} times; {} failed",
        textures.len(),
        backend.name(),
        bytes(stats.uploaded_bytes),
        stats.frames,
        bytes(stats.max_frame_bytes),
        bytes(upload_budget),
        bytes(stats.peak_resident_bytes),
        bytes(vram_budget),
        stats.evictions,
        errors.len(),
    ));
    let summary = json!({
        "backend": backend.name(),
        "textures": textures.len(),
        "window": WINDOW,
        "frames": stats.frames,
        "uploaded_bytes": stats.uploaded_bytes,
        "upload_budget": upload_budget,
        "max_frame_bytes": stats.max_frame_bytes,
        "vram_budget": vram_budget,
        "peak_resident_bytes": stats.peak_resident_bytes,
        "resident_bytes": stats.resident_bytes,
        "evictions": stats.evictions,
        "growths_in_place": growths,
        "failed": errors.len(),
        "ok": ok,
    });
    Ok((ok, summary))
}
