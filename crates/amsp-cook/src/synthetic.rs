//! Synthetic source trees for demos, benchmarks and tests: thousands of assets
//! of varied types and sizes, with tags and dependencies.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use amsp_core::{AssetId, AssetPath};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::meta::AssetMeta;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SyntheticSpec {
    /// Number of assets.
    pub assets: usize,
    /// Smallest asset in bytes.
    pub min_bytes: usize,
    /// Largest asset in bytes (sizes are log-uniform in between).
    pub max_bytes: usize,
    /// At most this many dependencies per asset that has any (on earlier
    /// assets of the layer below, so the graph has no cycle).
    pub max_dependencies: usize,
    /// Seed: the same spec and seed give the same tree, ids included.
    pub seed: u64,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        Self { assets: 3000, min_bytes: 256, max_bytes: 256 * 1024, max_dependencies: 3, seed: 1 }
    }
}

/// One generated source.
#[derive(Debug, Clone)]
pub struct SyntheticAsset {
    /// Path relative to the tree's root.
    pub path: AssetPath,
    /// Its id (written in its sidecar).
    pub id: AssetId,
    /// Its size in bytes.
    pub bytes: usize,
}

const KINDS: [&str; 6] = ["json", "txt", "csv", "bin", "lua", "ron"];
const FOLDERS: [&str; 6] = ["levels", "props", "characters", "ui", "config", "scripts"];
/// The tags the generator gives its assets.
pub const TAGS: [&str; 10] =
    ["environment", "prop", "hero", "ui", "gameplay", "audio", "forest", "desert", "city", "debug"];
const WORDS: [&str; 16] = [
    "stone", "water", "tree", "light", "shadow", "metal", "wood", "glass", "cloud", "sand", "fire",
    "ice", "road", "wall", "door", "tower",
];

/// Writes a synthetic source tree under `root` (sources and `.meta`
/// sidecars) and returns what it wrote, in generation order.
///
/// # Errors
/// Any I/O error, naming nothing more than the standard error does.
pub fn generate(root: &Path, spec: &SyntheticSpec) -> std::io::Result<Vec<SyntheticAsset>> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let mut out: Vec<SyntheticAsset> = Vec::with_capacity(spec.assets);
    let mut layers: [Vec<usize>; 3] = Default::default();
    let (lo, hi) =
        ((spec.min_bytes.max(16)) as f64, (spec.max_bytes.max(spec.min_bytes.max(16))) as f64);
    for i in 0..spec.assets {
        let kind = KINDS[i % KINDS.len()];
        let folder = FOLDERS[rng.random_range(0..FOLDERS.len())];
        let rel = format!("{folder}/group{:02}/asset_{i:05}.{kind}", rng.random_range(0..20));
        let size = (lo * (hi / lo).powf(rng.random::<f64>())) as usize;
        let bytes = content(kind, size, &mut rng);
        let file: PathBuf = root.join(&rel);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&file, &bytes)?;

        let mut meta = AssetMeta::with_id(AssetId::from_u128(rng.random::<u128>() | 1));
        let tag_count = rng.random_range(1..=3);
        for _ in 0..tag_count {
            let tag = TAGS[rng.random_range(0..TAGS.len())].to_owned();
            if !meta.tags.contains(&tag) {
                meta.tags.push(tag);
            }
        }
        // A layered graph, as in a game: 60% leaves (no dependencies), 30%
        // depend on leaves (materials on textures), 10% on the middle layer
        // (levels and prefabs on materials).
        let layer = layer_of(i);
        if layer > 0 && spec.max_dependencies > 0 {
            let below = &layers[layer - 1];
            if !below.is_empty() {
                for _ in 0..rng.random_range(1..=spec.max_dependencies) {
                    let dep = out[below[rng.random_range(0..below.len())]].path.clone();
                    if !meta.dependencies.contains(&dep) {
                        meta.dependencies.push(dep);
                    }
                }
            }
        }
        // Plain writes: a generated tree needs no crash safety, and 2 fsyncs
        // per file would dominate generation time.
        std::fs::write(AssetMeta::sidecar_path(&file), meta.to_ron())?;
        layers[layer].push(i);
        let path = AssetPath::new(&rel).map_err(std::io::Error::other)?;
        out.push(SyntheticAsset { path, id: meta.id, bytes: bytes.len() });
    }
    Ok(out)
}

/// The layer of asset `i` in the dependency graph: 0 (leaf), 1 or 2.
fn layer_of(i: usize) -> usize {
    match i % 10 {
        0..=5 => 0,
        6..=8 => 1,
        _ => 2,
    }
}

/// Content of roughly `size` bytes that compresses like real data of `kind`.
fn content(kind: &str, size: usize, rng: &mut StdRng) -> Vec<u8> {
    let mut s = String::with_capacity(size + 64);
    match kind {
        "json" => {
            s.push_str("{\"items\": [");
            while s.len() < size {
                let _ = write!(
                    s,
                    "{{\"name\": \"{}\", \"value\": {}, \"scale\": {:.3}}}, ",
                    WORDS[rng.random_range(0..WORDS.len())],
                    rng.random_range(0..100_000),
                    rng.random::<f32>()
                );
            }
            s.push_str("{}]}");
        }
        "csv" => {
            s.push_str("id,name,x,y,z\n");
            let mut row = 0;
            while s.len() < size {
                let _ = writeln!(
                    s,
                    "{row},{},{:.2},{:.2},{:.2}",
                    WORDS[rng.random_range(0..WORDS.len())],
                    rng.random::<f32>() * 1000.0,
                    rng.random::<f32>() * 1000.0,
                    rng.random::<f32>() * 100.0
                );
                row += 1;
            }
        }
        "lua" => {
            let mut n = 0;
            while s.len() < size {
                let _ = writeln!(
                    s,
                    "function {}_{n}(x)\n  return x * {} + {}\nend",
                    WORDS[rng.random_range(0..WORDS.len())],
                    rng.random_range(1..100),
                    rng.random_range(1..100)
                );
                n += 1;
            }
        }
        "ron" => {
            s.push_str("(entries: [");
            while s.len() < size {
                let _ = write!(
                    s,
                    "(name: \"{}\", pos: ({:.2}, {:.2}, {:.2})), ",
                    WORDS[rng.random_range(0..WORDS.len())],
                    rng.random::<f32>(),
                    rng.random::<f32>(),
                    rng.random::<f32>()
                );
            }
            s.push_str("])");
        }
        "bin" => {
            // Half noise, half runs: compresses to about 60%.
            let mut bytes = Vec::with_capacity(size);
            while bytes.len() < size {
                if rng.random::<bool>() {
                    let run = rng.random_range(16..256);
                    bytes.extend(std::iter::repeat_n(rng.random::<u8>(), run));
                } else {
                    bytes.extend((0..rng.random_range(16..256)).map(|_| rng.random::<u8>()));
                }
            }
            bytes.truncate(size);
            return bytes;
        }
        _ => {
            while s.len() < size {
                s.push_str(WORDS[rng.random_range(0..WORDS.len())]);
                s.push(if rng.random_range(0..12) == 0 { '\n' } else { ' ' });
            }
        }
    }
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_tree() {
        let spec = SyntheticSpec { assets: 40, max_bytes: 4096, ..SyntheticSpec::default() };
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let first = generate(a.path(), &spec).unwrap();
        let second = generate(b.path(), &spec).unwrap();
        assert_eq!(first.len(), 40);
        for (x, y) in first.iter().zip(&second) {
            assert_eq!((x.id, &x.path, x.bytes), (y.id, &y.path, y.bytes));
            assert_eq!(
                std::fs::read(a.path().join(x.path.as_str())).unwrap(),
                std::fs::read(b.path().join(y.path.as_str())).unwrap()
            );
        }
    }
}
