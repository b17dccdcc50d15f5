//! Synthetic glTF models for benchmarks and the demo: a small GLB writer
//! and generated scenes with a node hierarchy, shared meshes, several
//! materials, images embedded in the GLB and an image in a file of its own.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// Builds a GLB file: JSON objects plus one binary buffer.
#[derive(Debug)]
pub struct Glb {
    json: Value,
    bin: Vec<u8>,
}

impl Default for Glb {
    fn default() -> Self {
        Self::new()
    }
}

impl Glb {
    /// An empty document.
    #[must_use]
    pub fn new() -> Self {
        let json = json!({
            "asset": {"version": "2.0", "generator": "amsp-bench"},
            "scene": 0, "scenes": [{"nodes": []}], "nodes": [], "meshes": [],
            "materials": [], "textures": [], "images": [], "samplers": [],
            "accessors": [], "bufferViews": [], "buffers": [],
        });
        Self { json, bin: Vec::new() }
    }

    fn push(&mut self, key: &str, value: Value) -> usize {
        let list = self.json[key].as_array_mut().expect("a list");
        list.push(value);
        list.len() - 1
    }

    /// Appends `bytes` to the buffer (4-byte aligned) as a buffer view.
    pub fn view(&mut self, bytes: &[u8]) -> usize {
        while !self.bin.len().is_multiple_of(4) {
            self.bin.push(0);
        }
        let offset = self.bin.len();
        self.bin.extend_from_slice(bytes);
        self.push(
            "bufferViews",
            json!({"buffer": 0, "byteOffset": offset, "byteLength": bytes.len()}),
        )
    }

    /// A float accessor of `N` components per element.
    fn floats<const N: usize>(&mut self, values: &[[f32; N]], with_bounds: bool) -> usize {
        let bytes: Vec<u8> = values.iter().flatten().flat_map(|v| v.to_le_bytes()).collect();
        let view = self.view(&bytes);
        let ty = match N {
            2 => "VEC2",
            3 => "VEC3",
            _ => "VEC4",
        };
        let mut accessor =
            json!({"bufferView": view, "componentType": 5126, "count": values.len(), "type": ty});
        if with_bounds {
            let min: Vec<f32> =
                (0..N).map(|k| values.iter().map(|v| v[k]).fold(f32::MAX, f32::min)).collect();
            let max: Vec<f32> =
                (0..N).map(|k| values.iter().map(|v| v[k]).fold(f32::MIN, f32::max)).collect();
            accessor["min"] = json!(min);
            accessor["max"] = json!(max);
        }
        self.push("accessors", accessor)
    }

    /// A triangle mesh with positions, normals, UVs and `u32` indices,
    /// drawn with `material`.
    pub fn mesh(&mut self, mesh: &MeshParts, material: Option<usize>) -> usize {
        let position = self.floats(&mesh.positions, true);
        let normal = self.floats(&mesh.normals, false);
        let uv = self.floats(&mesh.uvs, false);
        let bytes: Vec<u8> = mesh.indices.iter().flat_map(|i| i.to_le_bytes()).collect();
        let view = self.view(&bytes);
        let indices = self.push(
            "accessors",
            json!({"bufferView": view, "componentType": 5125, "count": mesh.indices.len(), "type": "SCALAR"}),
        );
        let mut primitive = json!({
            "attributes": {"POSITION": position, "NORMAL": normal, "TEXCOORD_0": uv},
            "indices": indices,
        });
        if let Some(m) = material {
            primitive["material"] = json!(m);
        }
        self.push("meshes", json!({"primitives": [primitive]}))
    }

    /// A texture of a PNG embedded in the buffer.
    pub fn embedded_png(&mut self, png: &[u8]) -> usize {
        let view = self.view(png);
        let image = self.push("images", json!({"bufferView": view, "mimeType": "image/png"}));
        self.push("textures", json!({"source": image}))
    }

    /// A texture of an image in another file (`uri` relative to the GLB).
    pub fn external_image(&mut self, uri: &str) -> usize {
        let image = self.push("images", json!({"uri": uri}));
        self.push("textures", json!({"source": image}))
    }

    /// A material (glTF JSON).
    pub fn material(&mut self, material: Value) -> usize {
        self.push("materials", material)
    }

    /// A node (glTF JSON); `root` adds it to the scene.
    pub fn node(&mut self, node: Value, root: bool) -> usize {
        let index = self.push("nodes", node);
        if root {
            self.json["scenes"][0]["nodes"].as_array_mut().expect("a list").push(json!(index));
        }
        index
    }

    /// The GLB file.
    #[must_use]
    pub fn finish(mut self) -> Vec<u8> {
        while !self.bin.len().is_multiple_of(4) {
            self.bin.push(0);
        }
        self.json["buffers"] = json!([{"byteLength": self.bin.len()}]);
        let mut json = serde_json::to_vec(&self.json).expect("JSON");
        while !json.len().is_multiple_of(4) {
            json.push(b' ');
        }
        let total = 12 + 8 + json.len() + 8 + self.bin.len();
        let mut glb = Vec::with_capacity(total);
        glb.extend_from_slice(b"glTF");
        glb.extend(2u32.to_le_bytes());
        glb.extend(u32::try_from(total).expect("GLB under 4 GiB").to_le_bytes());
        glb.extend(u32::try_from(json.len()).expect("small JSON").to_le_bytes());
        glb.extend_from_slice(b"JSON");
        glb.extend_from_slice(&json);
        glb.extend(u32::try_from(self.bin.len()).expect("GLB under 4 GiB").to_le_bytes());
        glb.extend_from_slice(b"BIN\0");
        glb.extend_from_slice(&self.bin);
        glb
    }
}

/// The bytes of every image a GLB holds in its binary chunk (images with a
/// buffer view), read through its JSON; empty for anything that is not
/// such a GLB.
#[must_use]
pub fn embedded_images(glb: &[u8]) -> Vec<&[u8]> {
    let word = |at: usize| -> Option<usize> {
        let b = glb.get(at..at + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let parse = || -> Option<Vec<&[u8]>> {
        let json_len = word(12)?;
        let json: Value = serde_json::from_slice(glb.get(20..20 + json_len)?).ok()?;
        let bin_start = 20 + json_len + 8;
        let bin = glb.get(bin_start..bin_start + word(20 + json_len)?)?;
        let views = json["bufferViews"].as_array()?;
        let mut out = Vec::new();
        for image in json["images"].as_array()? {
            let Some(view) = image["bufferView"].as_u64() else { continue };
            let view = views.get(view as usize)?;
            let offset = view["byteOffset"].as_u64().unwrap_or(0) as usize;
            let length = view["byteLength"].as_u64()? as usize;
            out.push(bin.get(offset..offset.checked_add(length)?)?);
        }
        Some(out)
    };
    parse().unwrap_or_default()
}

/// Vertex attributes and indices of a triangle mesh.
#[derive(Debug, Clone, Default)]
pub struct MeshParts {
    /// Positions.
    pub positions: Vec<[f32; 3]>,
    /// Unit normals.
    pub normals: Vec<[f32; 3]>,
    /// Texture coordinates.
    pub uvs: Vec<[f32; 2]>,
    /// Triangle list.
    pub indices: Vec<u32>,
}

/// A rolling terrain of `side × side` vertices, one unit apart.
#[must_use]
pub fn terrain(side: u32) -> MeshParts {
    let height =
        |x: f32, z: f32| (x * 0.31).sin() * 2.0 + (z * 0.17).cos() * 3.0 + (x * z * 0.01).sin();
    let mut m = MeshParts::default();
    for z in 0..side {
        for x in 0..side {
            let (xf, zf) = (x as f32, z as f32);
            m.positions.push([xf, height(xf, zf), zf]);
            let dx = height(xf + 0.5, zf) - height(xf - 0.5, zf);
            let dz = height(xf, zf + 0.5) - height(xf, zf - 0.5);
            let len = (dx * dx + 1.0 + dz * dz).sqrt();
            m.normals.push([-dx / len, 1.0 / len, -dz / len]);
            let last = (side - 1).max(1) as f32;
            m.uvs.push([xf / last, zf / last]);
        }
    }
    for z in 0..side.saturating_sub(1) {
        for x in 0..side - 1 {
            let i = z * side + x;
            m.indices.extend([i, i + side, i + 1, i + 1, i + side, i + side + 1]);
        }
    }
    m
}

/// A unit cube (−0.5…0.5), 24 vertices with face normals and UVs.
#[must_use]
pub fn cube() -> MeshParts {
    let mut m = MeshParts::default();
    let faces: [([f32; 3], [f32; 3], [f32; 3]); 6] = [
        ([1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]),
        ([-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]),
        ([0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]),
        ([0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]),
        ([0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
        ([0.0, 0.0, -1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
    ];
    for (n, u, v) in faces {
        let base = m.positions.len() as u32;
        for (su, sv) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
            m.positions.push([0, 1, 2].map(|k| 0.5 * (n[k] + su * u[k] + sv * v[k])));
            m.normals.push(n);
            m.uvs.push([(su + 1.0) * 0.5, (1.0 - sv) * 0.5]);
        }
        m.indices.extend([base, base + 1, base + 2, base, base + 2, base + 3]);
    }
    m
}

/// A PNG of `size²` pixels: a smooth colour pattern, or a tangent-space
/// normal map of the same pattern as a height field.
fn png(size: u32, seed: u32, normal: bool) -> io::Result<Vec<u8>> {
    let f = |x: f32, y: f32| {
        ((x * 6.0 + seed as f32).sin() * (y * 4.0).cos() * 0.5 + 0.5).clamp(0.0, 1.0)
    };
    let mut pixels = Vec::with_capacity((size * size * 4) as usize);
    for y in 0..size {
        for x in 0..size {
            let (u, v) = (x as f32 / size as f32, y as f32 / size as f32);
            let rgba = if normal {
                let (dx, dy) = (f(u + 0.01, v) - f(u - 0.01, v), f(u, v + 0.01) - f(u, v - 0.01));
                let len = (dx * dx + dy * dy + 1.0).sqrt();
                [-dx / len, -dy / len, 1.0 / len].map(|c| ((c * 0.5 + 0.5) * 255.0) as u8)
            } else {
                let h = f(u, v);
                [(60.0 + 150.0 * h) as u8, (90.0 + 80.0 * h) as u8, (40.0 + 30.0 * h) as u8]
            };
            pixels.extend_from_slice(&rgba);
            pixels.push(255);
        }
    }
    crate::textures::encode_png(&pixels, size, size, image::ExtendedColorType::Rgba8)
}

/// One generated model.
#[derive(Debug, Clone)]
pub struct SyntheticModel {
    /// The GLB file.
    pub path: PathBuf,
    /// Its path relative to the source folder.
    pub asset_path: String,
    /// Nodes in its scene.
    pub nodes: usize,
    /// Mesh instances its scene draws.
    pub instances: usize,
    /// Triangles of every instance.
    pub triangles: usize,
}

/// Crates stacked on each model's ground.
pub const CRATES: usize = 12;

/// Writes `count` GLB scenes under `dir/models/`: a terrain ground
/// (32 × 32 vertices) with a colour texture and a normal map embedded in
/// the GLB, and a group node holding [`CRATES`] crates that share one cube
/// mesh and one material whose texture is `models/textures/wood.png`, a
/// PNG of its own (written once). Textures are `texture_size²` pixels.
///
/// # Errors
/// Failures to write the files.
pub fn write_models(
    dir: &Path,
    count: usize,
    texture_size: u32,
) -> io::Result<Vec<SyntheticModel>> {
    let folder = dir.join("models");
    std::fs::create_dir_all(folder.join("textures"))?;
    std::fs::write(folder.join("textures/wood.png"), png(texture_size, 7, false)?)?;
    let (ground, crate_mesh) = (terrain(32), cube());
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut glb = Glb::new();
        let color = glb.embedded_png(&png(texture_size, i as u32, false)?);
        let normal = glb.embedded_png(&png(texture_size, i as u32, true)?);
        let wood = glb.external_image("textures/wood.png");
        let ground_material = glb.material(json!({
            "name": "ground",
            "pbrMetallicRoughness": {"baseColorTexture": {"index": color}, "metallicFactor": 0.0, "roughnessFactor": 0.9},
            "normalTexture": {"index": normal, "scale": 1.0},
        }));
        let crate_material = glb.material(json!({
            "name": "wood",
            "pbrMetallicRoughness": {"baseColorTexture": {"index": wood}, "metallicFactor": 0.0, "roughnessFactor": 0.6},
        }));
        let ground_mesh = glb.mesh(&ground, Some(ground_material));
        let cube_mesh = glb.mesh(&crate_mesh, Some(crate_material));
        let crates: Vec<usize> = (0..CRATES)
            .map(|c| {
                let t = [(c % 4) as f32 * 1.5, 3.5 + (c / 4) as f32, 4.0 + (i % 3) as f32];
                glb.node(
                    json!({"name": format!("crate_{c}"), "mesh": cube_mesh, "translation": t}),
                    false,
                )
            })
            .collect();
        let group = glb.node(json!({"name": "crates", "children": crates, "rotation": [0.0, 0.38268343, 0.0, 0.9238795]}), false);
        let ground_node = glb.node(json!({"name": "ground", "mesh": ground_mesh}), false);
        glb.node(json!({"name": format!("scene_{i}"), "children": [ground_node, group]}), true);
        let bytes = glb.finish();
        let asset_path = format!("models/scene_{i:03}.glb");
        let path = dir.join(&asset_path);
        std::fs::write(&path, bytes)?;
        out.push(SyntheticModel {
            path,
            asset_path,
            nodes: CRATES + 3,
            instances: CRATES + 1,
            triangles: CRATES * 12 + ground.indices.len() / 3,
        });
    }
    Ok(out)
}
