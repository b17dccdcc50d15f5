//! The cooked model: a node hierarchy whose nodes draw meshes, and the
//! paths of the mesh and material assets it uses, in a compact binary form.
//!
//! ```text
//! "AMSPMDL\0" version:varint(1)
//! nodes:   count, per node: name:str, mesh:varint (0 = none, else index+1),
//!          translation:3×f32, rotation:4×f32, scale:3×f32,
//!          children: count, index:varint…
//! roots:   count, index:varint…
//! meshes:  count, path:str…        (labelled paths: `duck.glb#mesh0`)
//! materials: count, path:str…
//! bounds:  min:3×f32, max:3×f32, center:3×f32, radius:f32
//! ```
//!
//! Strings are a varint length and UTF-8 bytes; floats little-endian.
//! Decoding checks every count against the bytes left and every index
//! against what it indexes, and that the nodes form a forest (each node at
//! most one parent, no cycles, every root parentless).

use amsp_core::AssetPath;

use crate::mesh::Bounds;
use crate::prefab::bytes::{ByteReader, Fault, write_varint};
pub use crate::transform::Transform;

/// Magic bytes of a cooked model.
const MAGIC: &[u8; 8] = b"AMSPMDL\0";
/// Version of the cooked model form.
pub const MODEL_FORMAT_VERSION: u64 = 1;

/// One node of a cooked model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeData {
    /// The node's name (may be empty).
    pub name: String,
    /// Transform relative to the parent.
    pub transform: Transform,
    /// Index into [`ModelData::meshes`] of the mesh this node draws.
    pub mesh: Option<u32>,
    /// Child node indices.
    pub children: Vec<u32>,
}

/// A cooked model: nodes, and the mesh and material assets they use.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelData {
    /// Every node.
    pub nodes: Vec<NodeData>,
    /// The root nodes of the model's scene.
    pub roots: Vec<u32>,
    /// Mesh assets; a mesh's submesh material index points into
    /// [`materials`](Self::materials).
    pub meshes: Vec<AssetPath>,
    /// Material assets.
    pub materials: Vec<AssetPath>,
    /// Bounds of every mesh instance in model space.
    pub bounds: Bounds,
}

/// Why bytes are not a valid cooked model or material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cooked {what} at byte {offset}: {message}")]
pub struct ModelDecodeError {
    /// `model` or `material`.
    pub what: &'static str,
    /// The byte offset where decoding stopped.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl ModelDecodeError {
    pub(crate) fn from_fault(what: &'static str, f: Fault) -> Self {
        Self { what, offset: f.offset, message: f.message }
    }
}

pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    write_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

pub(crate) fn write_f32s(out: &mut Vec<u8>, values: &[f32]) {
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

pub(crate) fn read_f32s<const N: usize>(r: &mut ByteReader<'_>) -> Result<[f32; N], Fault> {
    let mut out = [0.0; N];
    for v in &mut out {
        *v = f32::from_le_bytes(r.array::<4>()?);
    }
    Ok(out)
}

pub(crate) fn read_path(r: &mut ByteReader<'_>) -> Result<AssetPath, Fault> {
    let text = r.str()?;
    AssetPath::new(text).map_err(|e| r.fault(e.to_string()))
}

fn read_index(r: &mut ByteReader<'_>, len: usize, what: &str) -> Result<u32, Fault> {
    let v = r.varint()?;
    match u32::try_from(v) {
        Ok(i) if (i as usize) < len => Ok(i),
        _ => Err(r.fault(format!("{what} index {v} out of range of {len}"))),
    }
}

/// Encodes a model in the cooked form.
#[must_use]
pub fn encode_model(model: &ModelData) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + model.nodes.len() * 64);
    out.extend_from_slice(MAGIC);
    write_varint(&mut out, MODEL_FORMAT_VERSION);
    write_varint(&mut out, model.nodes.len() as u64);
    for node in &model.nodes {
        write_str(&mut out, &node.name);
        write_varint(&mut out, node.mesh.map_or(0, |m| u64::from(m) + 1));
        let t = &node.transform;
        write_f32s(&mut out, &t.translation);
        write_f32s(&mut out, &t.rotation);
        write_f32s(&mut out, &t.scale);
        write_varint(&mut out, node.children.len() as u64);
        for &c in &node.children {
            write_varint(&mut out, u64::from(c));
        }
    }
    write_varint(&mut out, model.roots.len() as u64);
    for &r in &model.roots {
        write_varint(&mut out, u64::from(r));
    }
    for list in [&model.meshes, &model.materials] {
        write_varint(&mut out, list.len() as u64);
        for path in list {
            write_str(&mut out, path.as_str());
        }
    }
    let b = &model.bounds;
    write_f32s(&mut out, &b.min);
    write_f32s(&mut out, &b.max);
    write_f32s(&mut out, &b.center);
    write_f32s(&mut out, &[b.radius]);
    out
}

/// Decodes a cooked model.
///
/// # Errors
/// [`ModelDecodeError`] for bytes that are not a valid cooked model.
pub fn decode_model(bytes: &[u8]) -> Result<ModelData, ModelDecodeError> {
    decode(bytes).map_err(|f| ModelDecodeError::from_fault("model", f))
}

fn decode(bytes: &[u8]) -> Result<ModelData, Fault> {
    let mut r = ByteReader::new(bytes);
    r.magic(MAGIC, "model")?;
    let version = r.varint()?;
    if version != MODEL_FORMAT_VERSION {
        return Err(r.fault(format!("format version {version}, expected {MODEL_FORMAT_VERSION}")));
    }
    // A node takes at least 1 + 1 + 40 + 1 bytes.
    let node_count = r.count(43)?;
    let mut raw = Vec::with_capacity(node_count);
    for _ in 0..node_count {
        let name = r.str()?.to_owned();
        let mesh = r.varint()?;
        let translation = read_f32s::<3>(&mut r)?;
        let rotation = read_f32s::<4>(&mut r)?;
        let scale = read_f32s::<3>(&mut r)?;
        let n = r.count(1)?;
        let children = (0..n)
            .map(|_| read_index(&mut r, node_count, "child"))
            .collect::<Result<Vec<_>, _>>()?;
        raw.push((name, mesh, Transform { translation, rotation, scale }, children));
    }
    let n = r.count(1)?;
    let roots =
        (0..n).map(|_| read_index(&mut r, node_count, "root")).collect::<Result<Vec<_>, _>>()?;
    let mut lists = [Vec::new(), Vec::new()];
    for list in &mut lists {
        let n = r.count(1)?;
        for _ in 0..n {
            list.push(read_path(&mut r)?);
        }
    }
    let [meshes, materials] = lists;
    let [min, max, center] =
        [read_f32s::<3>(&mut r)?, read_f32s::<3>(&mut r)?, read_f32s::<3>(&mut r)?];
    let [radius] = read_f32s::<1>(&mut r)?;
    if !r.at_end() {
        return Err(r.fault("trailing bytes"));
    }
    let mut nodes = Vec::with_capacity(node_count);
    for (name, mesh, transform, children) in raw {
        let mesh = match mesh {
            0 => None,
            m if m - 1 < meshes.len() as u64 => Some((m - 1) as u32),
            m => {
                return Err(r.fault(format!(
                    "node mesh index {} out of range of {}",
                    m - 1,
                    meshes.len()
                )));
            }
        };
        nodes.push(NodeData { name, transform, mesh, children });
    }
    check_forest(&nodes, &roots).map_err(|m| r.fault(m))?;
    Ok(ModelData { nodes, roots, meshes, materials, bounds: Bounds { min, max, center, radius } })
}

/// Checks that the nodes form a forest: every node has at most one parent,
/// roots have none and are listed once, and no node lies on a cycle.
pub(crate) fn check_forest(nodes: &[NodeData], roots: &[u32]) -> Result<(), String> {
    let mut parent = vec![None::<u32>; nodes.len()];
    for (i, node) in nodes.iter().enumerate() {
        for &c in &node.children {
            let slot = &mut parent[c as usize];
            if slot.is_some() || c as usize == i {
                return Err(format!("node {c} has more than one parent or is its own child"));
            }
            *slot = Some(i as u32);
        }
    }
    let mut listed = vec![false; nodes.len()];
    for &root in roots {
        if parent[root as usize].is_some() || std::mem::replace(&mut listed[root as usize], true) {
            return Err(format!("root node {root} has a parent or is listed twice"));
        }
    }
    // Walking down from every parentless node reaches each node once; a
    // node left unreached lies on a cycle.
    let mut seen = vec![false; nodes.len()];
    let mut stack: Vec<u32> =
        (0..nodes.len() as u32).filter(|&n| parent[n as usize].is_none()).collect();
    while let Some(n) = stack.pop() {
        seen[n as usize] = true;
        stack.extend(&nodes[n as usize].children);
    }
    match seen.iter().position(|s| !s) {
        Some(n) => Err(format!("node {n} lies on a cycle")),
        None => Ok(()),
    }
}
