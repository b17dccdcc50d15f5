//! glTF 2.0 sources (`.gltf` with embedded, data-URI or external buffers,
//! and `.glb`): every triangle primitive of every mesh instanced by the
//! default scene, with node transforms applied, merged into one
//! [`MeshData`] with one submesh per primitive.
//!
//! The JSON is read with `gltf`'s data model but without its validation
//! (which rejects the compression extensions); every index, offset and
//! count is checked here instead.

mod accessor;
mod buffers;

use gltf::json::Root;
use gltf::json::mesh::{Mode, Primitive, Semantic};
use gltf::json::validation::Checked;
use serde_json::Value;

use super::draco::{self, DracoMapping};
pub(crate) use crate::mesh::data::mul;
use crate::mesh::data::{MeshData, MeshLimits, Submesh};
use crate::mesh::error::MeshError;
use accessor::{count, read_floats, read_indices};
pub(crate) use buffers::{Document, ReadExternal, decode_data_uri};

/// A column-major 4×4 matrix.
pub(crate) type Mat4 = [f32; 16];
/// The identity matrix.
pub(crate) const IDENTITY: Mat4 = [1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 1.];

/// Reads a glTF or GLB file; `read_external(uri)` gives the bytes of an
/// external buffer (relative to the glTF file).
pub(crate) fn read_gltf(
    bytes: &[u8],
    read_external: ReadExternal<'_>,
    limits: &MeshLimits,
) -> Result<MeshData, MeshError> {
    let mut doc = Document::parse(bytes, read_external, limits)?;
    let instances = instances(&doc.root)?;
    let mut mesh = MeshData::default();
    for (mesh_index, transform) in instances {
        if let Some(mut part) = read_mesh(&mut doc, mesh_index)? {
            apply_transform(&mut part, &transform);
            mesh.append(part, limits)?;
        }
    }
    Ok(mesh)
}

/// Every triangle primitive of glTF mesh `mesh_index`, in the mesh's own
/// space, one submesh per primitive with the primitive's material index;
/// `None` when it has no triangles.
pub(crate) fn read_mesh(
    doc: &mut Document<'_>,
    mesh_index: usize,
) -> Result<Option<MeshData>, MeshError> {
    let primitives = doc
        .root
        .meshes
        .get(mesh_index)
        .ok_or_else(|| MeshError::gltf(format!("mesh {mesh_index} does not exist")))?
        .primitives
        .clone();
    let mut mesh: Option<MeshData> = None;
    for (p, primitive) in primitives.iter().enumerate() {
        let part = read_primitive(doc, primitive).map_err(|e| match e {
            MeshError::Gltf(m) => MeshError::gltf(format!("mesh {mesh_index} primitive {p}: {m}")),
            other => other,
        })?;
        if let Some(part) = part {
            match &mut mesh {
                Some(mesh) => mesh.append(part, doc.limits)?,
                None => mesh = Some(part),
            }
        }
    }
    Ok(mesh)
}

/// The root nodes of the default scene: the `scene` (or the first scene);
/// without scenes, every node that is no other node's child.
pub(crate) fn scene_roots(root: &Root) -> Result<Vec<usize>, MeshError> {
    let nodes = root.nodes.len();
    let roots: Vec<usize> =
        match root.scene.map(|s| s.value()).or((!root.scenes.is_empty()).then_some(0)) {
            Some(scene) => root
                .scenes
                .get(scene)
                .ok_or_else(|| MeshError::gltf(format!("scene {scene} does not exist")))?
                .nodes
                .iter()
                .map(|n| n.value())
                .collect(),
            None => {
                let mut child = vec![false; nodes];
                for node in &root.nodes {
                    for c in node.children.iter().flatten() {
                        if let Some(flag) = child.get_mut(c.value()) {
                            *flag = true;
                        }
                    }
                }
                (0..nodes).filter(|&n| !child[n]).collect()
            }
        };
    Ok(roots)
}

/// The local transform of a node.
pub(crate) fn local_transform(node: &gltf::json::Node) -> Mat4 {
    match (node.matrix, node.translation, node.rotation, node.scale) {
        (Some(m), ..) => m,
        (None, t, r, s) => trs(
            t.unwrap_or([0.0; 3]),
            r.map_or([0.0, 0.0, 0.0, 1.0], |q| q.0),
            s.unwrap_or([1.0; 3]),
        ),
    }
}

/// The meshes the default scene draws, each with its world transform.
fn instances(root: &Root) -> Result<Vec<(usize, Mat4)>, MeshError> {
    let nodes = root.nodes.len();
    let roots = scene_roots(root)?;
    let mut visited = vec![false; nodes];
    let mut stack: Vec<(usize, Mat4)> = roots.into_iter().rev().map(|n| (n, IDENTITY)).collect();
    let mut out = Vec::new();
    while let Some((index, parent)) = stack.pop() {
        let node = root
            .nodes
            .get(index)
            .ok_or_else(|| MeshError::gltf(format!("node {index} does not exist")))?;
        if std::mem::replace(&mut visited[index], true) {
            return Err(MeshError::gltf(format!(
                "node {index} is reached twice (a cycle or shared child)"
            )));
        }
        let world = mul(&parent, &local_transform(node));
        if let Some(mesh) = node.mesh {
            if mesh.value() >= root.meshes.len() {
                return Err(MeshError::gltf(format!(
                    "node {index}: mesh {} does not exist",
                    mesh.value()
                )));
            }
            out.push((mesh.value(), world));
        }
        for child in node.children.iter().flatten().rev() {
            stack.push((child.value(), world));
        }
    }
    Ok(out)
}

/// One primitive as [`MeshData`]; `None` for points and lines.
fn read_primitive(
    doc: &mut Document<'_>,
    primitive: &Primitive,
) -> Result<Option<MeshData>, MeshError> {
    let mode = match primitive.mode {
        Checked::Valid(mode) => mode,
        Checked::Invalid => return Err(MeshError::gltf("invalid primitive mode")),
    };
    if !matches!(mode, Mode::Triangles | Mode::TriangleStrip | Mode::TriangleFan) {
        return Ok(None);
    }
    let material = primitive.material.map_or(u32::MAX, |m| m.value() as u32);
    let draco = primitive
        .extensions
        .as_ref()
        .and_then(|e| e.others.get("KHR_draco_mesh_compression"))
        .cloned();
    let mut mesh = match draco {
        Some(ext) => read_draco(doc, &ext)?,
        None => read_attributes(doc, primitive, mode)?,
    };
    for s in &mut mesh.submeshes {
        s.material = material;
    }
    Ok(Some(mesh))
}

fn attribute(primitive: &Primitive, semantic: &Semantic) -> Option<usize> {
    primitive.attributes.get(&Checked::Valid(semantic.clone())).map(|a| a.value())
}

fn read_attributes(
    doc: &mut Document<'_>,
    primitive: &Primitive,
    mode: Mode,
) -> Result<MeshData, MeshError> {
    let position = attribute(primitive, &Semantic::Positions)
        .ok_or_else(|| MeshError::gltf("primitive without POSITION"))?;
    let n = count(doc, position)?;
    doc.limits.check_vertices(n as u64)?;
    let positions = read_floats::<3>(doc, position, [0.0; 3])?;
    let optional = |semantic: Semantic| -> Result<Option<usize>, MeshError> {
        match attribute(primitive, &semantic) {
            Some(a) if count(doc, a)? != n => Err(MeshError::gltf(format!(
                "{semantic:?} has {} elements for {n} positions",
                count(doc, a)?
            ))),
            other => Ok(other),
        }
    };
    let (normal, uv) = (optional(Semantic::Normals)?, optional(Semantic::TexCoords(0))?);
    let (tangent, color) = (optional(Semantic::Tangents)?, optional(Semantic::Colors(0))?);
    let normals = normal.map_or(Ok(Vec::new()), |a| read_floats::<3>(doc, a, [0.0; 3]))?;
    let uvs = uv.map_or(Ok(Vec::new()), |a| read_floats::<2>(doc, a, [0.0; 2]))?;
    let tangents =
        tangent.map_or(Ok(Vec::new()), |a| read_floats::<4>(doc, a, [0.0, 0.0, 0.0, 1.0]))?;
    let colors =
        color.map_or(Ok(Vec::new()), |a| read_floats::<4>(doc, a, [0.0, 0.0, 0.0, 1.0]))?;
    let raw = match primitive.indices {
        Some(a) => read_indices(doc, a.value())?,
        None => (0..n as u32).collect(),
    };
    if let Some(bad) = raw.iter().find(|&&i| i as usize >= n) {
        return Err(MeshError::gltf(format!("index {bad} out of range of {n} vertices")));
    }
    let indices = triangle_list(&raw, mode);
    let submeshes =
        vec![Submesh { index_start: 0, index_count: indices.len() as u32, material: u32::MAX }];
    Ok(MeshData { positions, normals, uvs, tangents, colors, indices, submeshes })
}

fn read_draco(doc: &mut Document<'_>, ext: &Value) -> Result<MeshData, MeshError> {
    let view = ext
        .get("bufferView")
        .and_then(Value::as_u64)
        .ok_or_else(|| MeshError::gltf("KHR_draco_mesh_compression without bufferView"))?;
    let attributes = ext.get("attributes").and_then(Value::as_object);
    let id = |name: &str| {
        attributes.and_then(|a| a.get(name)).and_then(Value::as_u64).map(|v| v as usize)
    };
    let mapping = DracoMapping {
        position: id("POSITION"),
        normal: id("NORMAL"),
        uv: id("TEXCOORD_0"),
        tangent: id("TANGENT"),
        color: id("COLOR_0"),
    };
    let limits = *doc.limits;
    let bytes = doc.view(usize::try_from(view).unwrap_or(usize::MAX))?;
    let decoded = draco::decode(bytes, &limits)?;
    draco::to_mesh_data(&decoded, Some(mapping), &limits)
}

/// A triangle list from strip or fan indices (a list is kept, whole
/// triangles only).
fn triangle_list(indices: &[u32], mode: Mode) -> Vec<u32> {
    match mode {
        Mode::TriangleStrip => (2..indices.len())
            .flat_map(|i| {
                let (a, b, c) = (indices[i - 2], indices[i - 1], indices[i]);
                if i % 2 == 0 { [a, b, c] } else { [b, a, c] }
            })
            .collect(),
        Mode::TriangleFan => {
            (2..indices.len()).flat_map(|i| [indices[0], indices[i - 1], indices[i]]).collect()
        }
        _ => indices[..indices.len() / 3 * 3].to_vec(),
    }
}

/// The matrix of a translation, rotation (a unit quaternion `[x, y, z, w]`)
/// and scale.
pub(crate) fn trs(t: [f32; 3], q: [f32; 4], s: [f32; 3]) -> Mat4 {
    let [x, y, z, w] = q;
    let r = [
        1.0 - 2.0 * (y * y + z * z),
        2.0 * (x * y + z * w),
        2.0 * (x * z - y * w),
        2.0 * (x * y - z * w),
        1.0 - 2.0 * (x * x + z * z),
        2.0 * (y * z + x * w),
        2.0 * (x * z + y * w),
        2.0 * (y * z - x * w),
        1.0 - 2.0 * (x * x + y * y),
    ];
    [
        r[0] * s[0],
        r[1] * s[0],
        r[2] * s[0],
        0.0,
        r[3] * s[1],
        r[4] * s[1],
        r[5] * s[1],
        0.0,
        r[6] * s[2],
        r[7] * s[2],
        r[8] * s[2],
        0.0,
        t[0],
        t[1],
        t[2],
        1.0,
    ]
}

/// Transforms positions by `m`, normals by its inverse transpose (the
/// cofactor matrix, renormalised) and tangents by its upper 3×3; a
/// mirroring transform flips the winding.
fn apply_transform(mesh: &mut MeshData, m: &Mat4) {
    if *m == IDENTITY {
        return;
    }
    let lin = |v: [f32; 3]| [0, 1, 2].map(|r| m[r] * v[0] + m[4 + r] * v[1] + m[8 + r] * v[2]);
    for p in &mut mesh.positions {
        let v = lin(*p);
        *p = [v[0] + m[12], v[1] + m[13], v[2] + m[14]];
    }
    let a = |r: usize, c: usize| m[c * 4 + r];
    let cof = |r: usize, c: usize| {
        let (r1, r2) = ((r + 1) % 3, (r + 2) % 3);
        let (c1, c2) = ((c + 1) % 3, (c + 2) % 3);
        a(r1, c1) * a(r2, c2) - a(r1, c2) * a(r2, c1)
    };
    let det: f32 = (0..3).map(|c| a(0, c) * cof(0, c)).sum();
    let normalise = |v: [f32; 3]| {
        let len = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        if len > 0.0 && len.is_finite() { v.map(|c| c / len) } else { v }
    };
    for n in &mut mesh.normals {
        let v = [0, 1, 2].map(|r| (0..3).map(|c| cof(r, c) * n[c]).sum::<f32>() * det.signum());
        *n = normalise(v);
    }
    for t in &mut mesh.tangents {
        let v = normalise(lin([t[0], t[1], t[2]]));
        *t = [v[0], v[1], v[2], t[3]];
    }
    if det < 0.0 {
        for tri in mesh.indices.chunks_exact_mut(3) {
            tri.swap(1, 2);
        }
    }
}
