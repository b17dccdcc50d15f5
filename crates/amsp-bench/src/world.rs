//! A synthetic open world for the streaming simulation: a few thousand
//! distinct props (a textured rock or building mesh of 300–20,000
//! triangles and a block-compressed texture of 128–2048 px with a full mip
//! chain) placed many times over a square of terrain, clustered into
//! settlements the way real worlds are. Sources are written as GLB and KTX2
//! files and the placements as `world.json`; the cook turns each prop into
//! a model, its mesh (an LOD chain) and its texture (one chunk per mip).

use std::io;
use std::path::Path;
use std::sync::Arc;

use amsp_cook::Cooker;
use amsp_formats::model::ModelImporter;
use amsp_formats::texture::TextureImporter;

use serde_json::json;

use crate::models::{Glb, MeshParts};

/// What to generate.
#[derive(Debug, Clone)]
pub struct WorldSpec {
    /// Placements in the world.
    pub placements: usize,
    /// Side of the square world in metres (3,162 m is 10 km²).
    pub side_m: f32,
    /// Distinct props.
    pub props: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Largest texture side in pixels (128 … this, mostly small).
    pub max_texture: u32,
    /// Most triangles of a prop mesh (300 … this, log-uniform).
    pub max_triangles: u32,
}

impl Default for WorldSpec {
    fn default() -> Self {
        Self {
            placements: 100_000,
            side_m: 3162.0,
            props: 1000,
            seed: 1,
            max_texture: 1024,
            max_triangles: 20_000,
        }
    }
}

/// One distinct prop and the paths of its cooked assets.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    /// The model (`props/prop_0001.glb`).
    pub model: String,
    /// Its mesh sub-asset (`props/prop_0001.glb#mesh0`).
    pub mesh: String,
    /// Its texture (`props/prop_0001.ktx2`).
    pub texture: String,
    /// Radius of the mesh's bounding sphere at scale 1, in metres.
    pub radius: f32,
    /// The scale every placement of the prop has (so that its LOD errors
    /// in metres are the same wherever it stands).
    pub scale: f32,
}

/// One placement of a prop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Index into [`World::props`].
    pub prop: u32,
    /// Centre in metres (y up).
    pub position: [f32; 3],
    /// Uniform scale (the prop's).
    pub scale: f32,
}

/// A generated world: its props and placements.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// Side of the square in metres; the world spans 0…side on x and z.
    pub side_m: f32,
    /// Distinct props.
    pub props: Vec<Prop>,
    /// Placements.
    pub placements: Vec<Placement>,
}

/// SplitMix64: seeded, fast, good enough for layout.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in 0…1.
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// A displaced sphere of about `triangles` triangles with normals and UVs.
fn rock(triangles: u32, seed: u64) -> MeshParts {
    // A UV sphere of `rings × segments` quads has about twice that many
    // triangles.
    let segments = ((triangles as f32 / 2.0).sqrt() * 1.4).max(6.0) as u32;
    let rings = (triangles / (2 * segments)).max(3);
    let s = seed as f32 * 0.37;
    let bump = |u: f32, v: f32| {
        1.0 + 0.18 * ((u * 7.0 + s).sin() * (v * 5.0 + s).cos())
            + 0.07 * ((u * 23.0 - s).sin() * (v * 17.0).sin())
    };
    let mut m = MeshParts::default();
    for r in 0..=rings {
        let v = r as f32 / rings as f32;
        let phi = v * std::f32::consts::PI;
        for g in 0..=segments {
            let u = g as f32 / segments as f32;
            let theta = u * std::f32::consts::TAU;
            let dir = [phi.sin() * theta.cos(), phi.cos(), phi.sin() * theta.sin()];
            let radius = bump(u, v);
            m.positions.push(dir.map(|c| c * radius));
            m.normals.push(dir);
            m.uvs.push([u, v]);
        }
    }
    let row = segments + 1;
    for r in 0..rings {
        for g in 0..segments {
            let i = r * row + g;
            m.indices.extend([i, i + 1, i + row, i + 1, i + row + 1, i + row]);
        }
    }
    m
}

/// A BC7 sRGB KTX2 file of `size²` with a full mip chain of noise blocks
/// (they compress as badly as real BC7 data does).
fn texture(size: u32, rng: &mut Rng) -> io::Result<Vec<u8>> {
    use amsp_formats::texture::ktx2::{Ktx2Writer, VkFormat};
    let mut levels = Vec::new();
    let mut side = size;
    loop {
        let blocks = side.div_ceil(4) as usize * side.div_ceil(4) as usize;
        let mut level = Vec::with_capacity(blocks * 16);
        while level.len() < blocks * 16 {
            level.extend_from_slice(&rng.next().to_le_bytes());
        }
        levels.push(level);
        if side == 1 {
            break;
        }
        side /= 2;
    }
    let refs: Vec<&[u8]> = levels.iter().map(Vec::as_slice).collect();
    let file = Ktx2Writer::new(VkFormat::Bc7Srgb, size, size)
        .srgb(true)
        .write(&refs)
        .map_err(io::Error::other)?;
    Ok(file.into_bytes())
}

/// Writes the world's sources under `dir` (`props/…` and `world.json`).
///
/// # Errors
/// Failures to write the files.
pub fn write_world(dir: &Path, spec: &WorldSpec) -> io::Result<World> {
    let mut rng = Rng(spec.seed);
    std::fs::create_dir_all(dir.join("props"))?;
    let mut props = Vec::with_capacity(spec.props);
    for p in 0..spec.props {
        let log_span = (spec.max_triangles.max(300) as f32 / 300.0).ln();
        let triangles = (300.0 * (rng.unit() * log_span).exp()) as u32;
        let size = match rng.unit() {
            x if x < 0.3 => 128,
            x if x < 0.7 => 256,
            x if x < 0.93 => 512,
            x if x < 0.985 => 1024,
            _ => 2048,
        }
        .min(spec.max_texture.max(4));
        let name = format!("props/prop_{p:04}");
        std::fs::write(dir.join(format!("{name}.ktx2")), texture(size, &mut rng)?)?;
        let mut glb = Glb::new();
        let image = glb.external_image(&format!("prop_{p:04}.ktx2"));
        let material = glb.material(json!({
            "name": format!("prop_{p}"),
            "pbrMetallicRoughness": {"baseColorTexture": {"index": image}, "metallicFactor": 0.0},
        }));
        let mesh = glb.mesh(&rock(triangles, p as u64), Some(material));
        glb.node(json!({"name": format!("prop_{p}"), "mesh": mesh}), true);
        std::fs::write(dir.join(format!("{name}.glb")), glb.finish())?;
        props.push(Prop {
            model: format!("{name}.glb"),
            mesh: format!("{name}.glb#mesh0"),
            texture: format!("{name}.ktx2"),
            radius: 1.25,
            scale: 0.5 + rng.unit().powi(3) * 12.0,
        });
    }

    // Settlements: a third of the placements in clusters, the rest spread
    // out; popular props are placed far more often (Zipf-like).
    let towns: Vec<[f32; 2]> =
        (0..24).map(|_| [rng.unit() * spec.side_m, rng.unit() * spec.side_m]).collect();
    let mut placements = Vec::with_capacity(spec.placements);
    for _ in 0..spec.placements {
        let [x, z] = if rng.unit() < 0.35 {
            let t = towns[(rng.next() % towns.len() as u64) as usize];
            let (angle, dist) = (rng.unit() * std::f32::consts::TAU, rng.unit().powi(2) * 180.0);
            [t[0] + angle.cos() * dist, t[1] + angle.sin() * dist]
        } else {
            [rng.unit() * spec.side_m, rng.unit() * spec.side_m]
        };
        let prop = (((spec.props as f32).powf(rng.unit()) as u32).saturating_sub(1))
            .min(spec.props as u32 - 1);
        let scale = props[prop as usize].scale;
        placements.push(Placement {
            prop,
            position: [x.clamp(0.0, spec.side_m), scale, z.clamp(0.0, spec.side_m)],
            scale,
        });
    }
    let world = World { side_m: spec.side_m, props, placements };
    world.save(&dir.join("world.json"))?;
    Ok(world)
}

impl World {
    /// Writes the world as JSON.
    ///
    /// # Errors
    /// Failures to write the file.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let props: Vec<_> = self
            .props
            .iter()
            .map(|p| json!([p.model, p.mesh, p.texture, p.radius, p.scale]))
            .collect();
        let placements: Vec<_> =
            self.placements.iter().map(|p| json!([p.prop, p.position, p.scale])).collect();
        let value = json!({"side_m": self.side_m, "props": props, "placements": placements});
        std::fs::write(path, serde_json::to_vec(&value).map_err(io::Error::other)?)
    }

    /// Reads a world written by [`save`](Self::save).
    ///
    /// # Errors
    /// Failures to read the file, and files that are not such a world.
    pub fn load(path: &Path) -> io::Result<Self> {
        let bad = |what: &str| {
            io::Error::new(io::ErrorKind::InvalidData, format!("{}: {what}", path.display()))
        };
        let value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path)?).map_err(|e| bad(&e.to_string()))?;
        let side_m = value["side_m"].as_f64().ok_or_else(|| bad("no side_m"))? as f32;
        let mut props = Vec::new();
        for p in value["props"].as_array().ok_or_else(|| bad("no props"))? {
            let text = |i: usize| {
                p[i].as_str().map(str::to_owned).ok_or_else(|| bad("a prop path is not text"))
            };
            props.push(Prop {
                model: text(0)?,
                mesh: text(1)?,
                texture: text(2)?,
                radius: p[3].as_f64().ok_or_else(|| bad("a prop radius is not a number"))? as f32,
                scale: p[4].as_f64().ok_or_else(|| bad("a prop scale is not a number"))? as f32,
            });
        }
        let mut placements = Vec::new();
        for p in value["placements"].as_array().ok_or_else(|| bad("no placements"))? {
            let num = |v: &serde_json::Value| {
                v.as_f64().map(|f| f as f32).ok_or_else(|| bad("a placement field is not a number"))
            };
            let prop = p[0]
                .as_u64()
                .filter(|&i| (i as usize) < props.len())
                .ok_or_else(|| bad("a placement names no prop"))? as u32;
            let pos = p[1]
                .as_array()
                .filter(|a| a.len() == 3)
                .ok_or_else(|| bad("a position is not 3 numbers"))?;
            placements.push(Placement {
                prop,
                position: [num(&pos[0])?, num(&pos[1])?, num(&pos[2])?],
                scale: num(&p[2])?,
            });
        }
        Ok(Self { side_m, props, placements })
    }
}

/// A cooker of a world's sources in `src` into `out`, with the importers
/// its files need (KTX2 textures, GLB models).
#[must_use]
pub fn world_cooker(src: &Path, out: &Path) -> Cooker {
    let mut cooker = Cooker::new(src, out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    cooker.registry_mut().register(Arc::new(ModelImporter::default()));
    cooker
}
