//! What a placement needs loaded, level by level: the LOD chain of a mesh
//! (coarsest first), the mip chain of a texture (mip tail first) or a plain
//! asset; and the choice of level from the projected size.

use amsp_core::AssetId;

use super::StreamingError;

/// The most levels a chain may have (a 2^31 texture has 32 mips).
pub const MAX_LEVELS: usize = 32;

/// One level of a mesh's LOD chain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LodLevel {
    /// The geometric error of the level in world units (metres): how far
    /// its surface may be from the full-detail mesh. Coarser levels have
    /// larger errors.
    pub error: f32,
    /// The triangle count of the level.
    pub triangles: u32,
    /// The bytes the level occupies once loaded (its chunk, decoded).
    pub bytes: u64,
}

impl LodLevel {
    /// A level whose error is estimated from its triangle count, for chains
    /// cooked without errors: a mesh of bounding radius `radius` drawn with
    /// `triangles` triangles spread over its surface has triangles about
    /// `radius * sqrt(4π / triangles)` across, and its error is taken as a
    /// quarter of that.
    #[must_use]
    pub fn from_triangles(radius: f32, triangles: u32, bytes: u64) -> Self {
        let across = radius * (4.0 * std::f32::consts::PI / triangles.max(1) as f32).sqrt();
        Self { error: across * 0.25, triangles, bytes }
    }
}

/// A texture's mip chain as the streaming manager sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct MipChain {
    /// Width of mip 0 in texels.
    pub width: u32,
    /// Height of mip 0 in texels.
    pub height: u32,
    /// The bytes of each mip once loaded, mip 0 (finest) first.
    pub mip_bytes: Vec<u64>,
    /// Mips whose larger side is at most this many texels form the mip tail,
    /// which loads as one first step (default 64).
    pub tail_size: u32,
}

impl MipChain {
    /// A chain with the default tail size of 64 texels.
    #[must_use]
    pub fn new(width: u32, height: u32, mip_bytes: Vec<u64>) -> Self {
        Self { width, height, mip_bytes, tail_size: 64 }
    }
}

/// The levels an asset can be loaded at.
#[derive(Clone, Debug, PartialEq)]
pub enum LevelChain {
    /// A mesh with an LOD chain, coarsest level first (as its chunks are
    /// stored).
    Lod(Vec<LodLevel>),
    /// A texture with a mip chain.
    Mip(MipChain),
    /// An asset loaded whole.
    Whole {
        /// Its bytes once loaded.
        bytes: u64,
    },
}

/// A level of an asset, as the loader understands it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// LODs from this one (0 is the finest) down to the coarsest, as the
    /// mesh loader's `LodSelection::From`; a chain of `n` LODs starts at
    /// `Lod(n - 1)`.
    Lod(u8),
    /// Mips from this one (0 is the finest) down to the smallest.
    Mip(u8),
    /// The whole asset.
    Whole,
}

/// The internal, uniform form of a chain: steps from coarsest (0) to finest,
/// each adding some bytes.
#[derive(Clone, Debug)]
pub(crate) struct Chain {
    /// Bytes each step adds.
    pub step_bytes: Vec<u64>,
    /// Bytes resident with steps `0..=s` loaded.
    pub cumulative: Vec<u64>,
    kind: ChainKind,
}

#[derive(Clone, Debug)]
enum ChainKind {
    Lod { errors: Vec<f32> },
    Mip { texels: f32, tail_start: u8, count: usize },
    Whole,
}

impl Chain {
    /// Checks and converts a public chain.
    pub fn new(asset: AssetId, chain: &LevelChain) -> Result<Self, StreamingError> {
        let invalid = |reason| StreamingError::InvalidChain { asset, reason };
        let (step_bytes, kind) = match chain {
            LevelChain::Lod(levels) => {
                if levels.is_empty() || levels.len() > MAX_LEVELS {
                    return Err(invalid("an LOD chain has 1 to 32 levels"));
                }
                if levels.iter().any(|l| !l.error.is_finite() || l.error < 0.0) {
                    return Err(invalid("LOD errors must be finite and not negative"));
                }
                if levels.windows(2).any(|w| w[1].error > w[0].error) {
                    return Err(invalid("LOD levels must go from coarse (large error) to fine"));
                }
                let errors = levels.iter().map(|l| l.error).collect();
                (levels.iter().map(|l| l.bytes).collect(), ChainKind::Lod { errors })
            }
            LevelChain::Mip(mips) => {
                if mips.mip_bytes.is_empty() || mips.mip_bytes.len() > MAX_LEVELS {
                    return Err(invalid("a mip chain has 1 to 32 mips"));
                }
                if mips.width == 0 || mips.height == 0 {
                    return Err(invalid("mip 0 has a zero side"));
                }
                let largest = mips.width.max(mips.height);
                let last = mips.mip_bytes.len() - 1;
                // The first mip small enough to belong to the tail (or the last).
                let tail_start =
                    (0..=last).find(|&m| (largest >> m).max(1) <= mips.tail_size).unwrap_or(last);
                let tail: u64 =
                    mips.mip_bytes[tail_start..].iter().fold(0u64, |a, &b| a.saturating_add(b));
                let mut bytes = vec![tail];
                bytes.extend(mips.mip_bytes[..tail_start].iter().rev());
                let tail_start = u8::try_from(tail_start).map_err(|_| invalid("too many mips"))?;
                (bytes, ChainKind::Mip { texels: largest as f32, tail_start, count: last + 1 })
            }
            LevelChain::Whole { bytes } => (vec![*bytes], ChainKind::Whole),
        };
        let mut cumulative = Vec::with_capacity(step_bytes.len());
        let mut total = 0u64;
        for &b in &step_bytes {
            total = total.saturating_add(b);
            cumulative.push(total);
        }
        Ok(Self { step_bytes, cumulative, kind })
    }

    /// The finest step needed for a placement of bounding `diameter` seen at
    /// `ppu` pixels per world unit, with `target_error_px` the largest
    /// geometric error (in pixels) an LOD may show.
    pub fn step_for(&self, ppu: f32, diameter: f32, target_error_px: f32) -> u8 {
        match &self.kind {
            ChainKind::Lod { errors } => {
                let last = errors.len() - 1;
                errors.iter().position(|&e| e * ppu <= target_error_px).unwrap_or(last) as u8
            }
            ChainKind::Mip { texels, tail_start, .. } => {
                // Texels per world unit of mip 0, if the texture spans the
                // placement once; the finest mip needed is the one with about
                // one texel per pixel.
                let texels_per_unit = texels / diameter.max(1e-6);
                let ratio = texels_per_unit / ppu.max(1e-9);
                let mip = if ratio.is_finite() && ratio > 1.0 { floor_log2(ratio) } else { 0 };
                tail_start - mip.min(*tail_start)
            }
            ChainKind::Whole => 0,
        }
    }

    /// The pixel densities for which [`step_for`](Self::step_for) gives
    /// `step`: `(lo, hi)`, with `step_for(ppu) == step` for `lo < ppu ≤ hi`
    /// (up to rounding at the ends).
    pub fn ppu_bounds(&self, step: u8, diameter: f32, target_error_px: f32) -> (f32, f32) {
        let s = usize::from(step);
        match &self.kind {
            ChainKind::Lod { errors } => {
                let at = |e: f32| if e > 0.0 { target_error_px / e } else { f32::INFINITY };
                let lo = if s == 0 { 0.0 } else { at(errors[s - 1]) };
                let hi = if s + 1 >= errors.len() { f32::INFINITY } else { at(errors[s]) };
                (lo, hi)
            }
            ChainKind::Mip { texels, tail_start, .. } => {
                let tpu = texels / diameter.max(1e-6);
                let m = i32::from(tail_start.saturating_sub(step));
                // The tail (m = tail_start) takes every density below its
                // upper end; mip 0 every density above half its own.
                let lo = if m >= i32::from(*tail_start) { 0.0 } else { tpu * inv_pow2(m + 1) };
                let hi = if m == 0 { f32::INFINITY } else { tpu * inv_pow2(m) };
                (lo, hi)
            }
            ChainKind::Whole => (0.0, f32::INFINITY),
        }
    }

    /// The loader's level for a step.
    pub fn level(&self, step: u8) -> Level {
        match &self.kind {
            ChainKind::Lod { errors } => {
                Level::Lod((errors.len() - 1).saturating_sub(usize::from(step)) as u8)
            }
            ChainKind::Mip { tail_start, .. } => Level::Mip(tail_start.saturating_sub(step)),
            ChainKind::Whole => Level::Whole,
        }
    }

    /// The step of a loader's level, if it belongs to this chain.
    pub fn step_of(&self, level: Level) -> Option<u8> {
        match (&self.kind, level) {
            (ChainKind::Lod { errors }, Level::Lod(n)) if usize::from(n) < errors.len() => {
                Some((errors.len() - 1 - usize::from(n)) as u8)
            }
            (ChainKind::Mip { tail_start, count, .. }, Level::Mip(m))
                if usize::from(m) < *count =>
            {
                Some(tail_start.saturating_sub(m))
            }
            (ChainKind::Whole, Level::Whole) => Some(0),
            _ => None,
        }
    }
}

/// `floor(log2(x))` for a finite `x > 1`, from the exponent bits (exact,
/// and much cheaper than `log2`); saturates at 255.
#[inline]
fn floor_log2(x: f32) -> u8 {
    // Normal floats above 1: the biased exponent minus 127.
    let exponent = (x.to_bits() >> 23) & 0xff;
    exponent.saturating_sub(127).min(255) as u8
}

/// `2^-m` for `0 ≤ m ≤ 126`, built from its exponent bits.
#[inline]
fn inv_pow2(m: i32) -> f32 {
    f32::from_bits(((127 - m.clamp(0, 126)) as u32) << 23)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> AssetId {
        AssetId::from_u128(7)
    }

    #[test]
    fn mip_steps_start_with_the_tail() {
        // 1024² texture: mips 1024..1, tail = 64 and below (mips 4..=10).
        let bytes: Vec<u64> = (0..11).map(|m| (1024u64 >> m).max(1).pow(2)).collect();
        let chain =
            Chain::new(id(), &LevelChain::Mip(MipChain::new(1024, 1024, bytes.clone()))).unwrap();
        assert_eq!(chain.step_bytes.len(), 5);
        assert_eq!(chain.step_bytes[0], bytes[4..].iter().sum::<u64>());
        assert_eq!(chain.step_bytes[4], bytes[0]);
        assert_eq!(chain.level(0), Level::Mip(4));
        assert_eq!(chain.level(4), Level::Mip(0));
        assert_eq!(chain.step_of(Level::Mip(2)), Some(2));
        assert_eq!(chain.step_of(Level::Mip(10)), Some(0));
        assert_eq!(chain.step_of(Level::Mip(11)), None);
        assert_eq!(chain.step_of(Level::Lod(0)), None);
        // A 10 m object with a 1024 texture: 102.4 texels/m. At 102.4 px/m it
        // needs mip 0; at 25.6 px/m mip 2; at 1 px/m the tail.
        assert_eq!(chain.step_for(102.4, 10.0, 1.0), 4);
        assert_eq!(chain.step_for(25.6, 10.0, 1.0), 2);
        assert_eq!(chain.step_for(1.0, 10.0, 1.0), 0);
        assert_eq!(chain.step_for(1e6, 10.0, 1.0), 4);
    }

    #[test]
    fn lod_steps_from_error() {
        let levels: Vec<LodLevel> = [0.8f32, 0.2, 0.05]
            .iter()
            .map(|&e| LodLevel { error: e, triangles: 100, bytes: 10 })
            .collect();
        let chain = Chain::new(id(), &LevelChain::Lod(levels)).unwrap();
        // Target 1 px: at 1 px/m LOD 0 (0.8 px) is enough; at 10 px/m LOD 2.
        assert_eq!(chain.step_for(1.0, 1.0, 1.0), 0);
        assert_eq!(chain.step_for(4.0, 1.0, 1.0), 1);
        assert_eq!(chain.step_for(10.0, 1.0, 1.0), 2);
        assert_eq!(chain.step_for(1000.0, 1.0, 1.0), 2);
        assert_eq!(chain.cumulative, vec![10, 20, 30]);
        // Loader levels count from the finest, steps from the coarsest.
        assert_eq!(chain.level(0), Level::Lod(2));
        assert_eq!(chain.level(2), Level::Lod(0));
        assert_eq!(chain.step_of(Level::Lod(2)), Some(0));
        assert_eq!(chain.step_of(Level::Lod(3)), None);
        assert!(
            LodLevel::from_triangles(1.0, 100, 0).error
                > LodLevel::from_triangles(1.0, 10_000, 0).error
        );
    }

    #[test]
    fn bit_tricks_match_libm() {
        // (Not f32::MAX: its log2 rounds up to 128.0.)
        for x in [1.0001f32, 1.5, 2.0, 3.99, 4.0, 1000.0, 1e30, 3e38] {
            assert_eq!(u32::from(floor_log2(x)), x.log2().floor() as u32, "{x}");
        }
        for m in 0..40 {
            assert_eq!(inv_pow2(m), 2f32.powi(-m));
        }
    }

    #[test]
    fn ppu_bounds_match_step_for() {
        let bytes: Vec<u64> = (0..11).map(|m| (1024u64 >> m).max(1).pow(2)).collect();
        let chains = [
            Chain::new(id(), &LevelChain::Mip(MipChain::new(1024, 1024, bytes))).unwrap(),
            Chain::new(id(), &LevelChain::Mip(MipChain::new(32, 32, vec![4096, 1024]))).unwrap(),
            Chain::new(
                id(),
                &LevelChain::Lod(
                    [0.8f32, 0.2, 0.05, 0.0]
                        .iter()
                        .map(|&e| LodLevel { error: e, triangles: 1, bytes: 1 })
                        .collect(),
                ),
            )
            .unwrap(),
            Chain::new(id(), &LevelChain::Whole { bytes: 5 }).unwrap(),
        ];
        for chain in &chains {
            for i in 0..4000 {
                let ppu = 1.0017f32.powi(i - 2000) * 10.0;
                let step = chain.step_for(ppu, 7.0, 1.0);
                let (lo, hi) = chain.ppu_bounds(step, 7.0, 1.0);
                assert!(
                    lo <= ppu * 1.0001 && ppu <= hi * 1.0001,
                    "{chain:?} ppu {ppu} step {step} ({lo}, {hi})"
                );
            }
        }
    }

    #[test]
    fn bad_chains_are_rejected() {
        let bad = [
            LevelChain::Lod(vec![]),
            LevelChain::Lod(vec![LodLevel { error: f32::NAN, triangles: 1, bytes: 1 }]),
            LevelChain::Lod(vec![
                LodLevel { error: 0.1, triangles: 1, bytes: 1 },
                LodLevel { error: 0.2, triangles: 2, bytes: 1 },
            ]),
            LevelChain::Mip(MipChain::new(0, 4, vec![1])),
            LevelChain::Mip(MipChain::new(4, 4, vec![])),
            LevelChain::Mip(MipChain::new(4, 4, vec![1; 33])),
        ];
        for chain in bad {
            assert!(
                matches!(Chain::new(id(), &chain), Err(StreamingError::InvalidChain { .. })),
                "{chain:?}"
            );
        }
    }
}
