//! Shared helpers of the streaming tests: standard chains and a host that
//! plays the loader (completing requests at once or never) and counts what
//! the manager asked for.

#![allow(dead_code, reason = "each test file uses a different part")]

use std::collections::HashMap;

use amsp_core::AssetId;
use amsp_runtime::streaming::{
    Aabb, Level, LevelChain, LodLevel, MipChain, StreamRequest, StreamingManager, StreamingUpdate,
    Vec3,
};

/// Frames per second of the simulated loops.
pub const DT: f32 = 1.0 / 60.0;

/// A mesh with four LODs, coarsest first (steps 0–3, loader levels
/// `Lod(3)`–`Lod(0)`), errors 0.4 / 0.1 / 0.025 / 0.00625 m and
/// 10 / 40 / 160 / 640 kB. With the default observer (1080 px, 60°:
/// 935.3 px per metre at 1 m), step k suffices from 935.3 × error_k metres
/// (of distance to the bounding sphere): 374, 93.5, 23.4, 5.8 m.
pub fn mesh() -> LevelChain {
    LevelChain::Lod(
        [(0.4, 10_000), (0.1, 40_000), (0.025, 160_000), (0.006_25, 640_000)]
            .iter()
            .map(|&(error, bytes)| LodLevel { error, triangles: 100, bytes })
            .collect(),
    )
}

/// A 1024² texture, 4 bytes a texel, mip tail at 64 (mips 4..=10): five
/// steps.
pub fn texture() -> LevelChain {
    let mips = (0..11).map(|m| (1024u64 >> m).max(1).pow(2) * 4).collect();
    LevelChain::Mip(MipChain::new(1024, 1024, mips))
}

/// A cube of half size `half` at `center`.
pub fn cube(center: Vec3, half: f32) -> Aabb {
    Aabb::from_center(center, Vec3::new(half, half, half))
}

/// Plays the host: applies each update's requests, optionally completes them
/// at once, and counts events per asset.
#[derive(Debug, Default)]
pub struct Host {
    /// Complete every request in the frame it is made.
    pub complete: bool,
    /// Per asset: number of first loads.
    pub loads: HashMap<AssetId, usize>,
    /// Per asset: upgrades requested.
    pub upgrades: HashMap<AssetId, usize>,
    /// Per asset: downgrades.
    pub downgrades: HashMap<AssetId, usize>,
    /// Per asset: releases.
    pub releases: HashMap<AssetId, usize>,
    /// Per asset: every request made, in order.
    pub requests: HashMap<AssetId, Vec<StreamRequest>>,
}

impl Host {
    /// A host that completes every request at once.
    pub fn completing() -> Self {
        Self { complete: true, ..Self::default() }
    }

    /// A host whose loads never complete (everything stays in flight).
    pub fn stalled() -> Self {
        Self::default()
    }

    /// Runs one update and applies it; returns a copy of it.
    pub fn frame(&mut self, manager: &mut StreamingManager, dt: f32) -> StreamingUpdate {
        let update = manager.update(dt).expect("update").clone();
        for r in &update.loads {
            *self.loads.entry(r.asset).or_default() += 1;
            self.requests.entry(r.asset).or_default().push(*r);
        }
        for r in &update.upgrades {
            *self.upgrades.entry(r.asset).or_default() += 1;
            self.requests.entry(r.asset).or_default().push(*r);
        }
        for d in &update.downgrades {
            *self.downgrades.entry(d.asset).or_default() += 1;
        }
        for a in &update.releases {
            *self.releases.entry(*a).or_default() += 1;
        }
        if self.complete {
            for r in update.loads.iter().chain(&update.upgrades) {
                manager.mark_loaded(r.asset, r.level).expect("level of the chain");
            }
        }
        update
    }

    /// Count of an event for an asset.
    pub fn count(map: &HashMap<AssetId, usize>, asset: AssetId) -> usize {
        map.get(&asset).copied().unwrap_or(0)
    }
}

/// The step (0 the coarsest) of a level of [`mesh`]'s four LODs (whose
/// loader levels count from the finest: `Lod(3)` is the coarsest).
pub fn mesh_step(level: Level) -> u8 {
    match level {
        Level::Lod(n) => 3 - n,
        other => panic!("not an LOD level: {other:?}"),
    }
}
