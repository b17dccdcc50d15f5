//! Draco streams (`.drc` files and `KHR_draco_mesh_compression`
//! primitives) through the pure-Rust `draco-oxide` decoder.
//!
//! The decoder is alpha software: its output is checked here (faces
//! against the point count, value indices against each attribute's values)
//! and the call is wrapped in `catch_unwind` as a last resort, because some
//! of its accessors assert on inconsistent data.

use std::panic::{AssertUnwindSafe, catch_unwind};

use draco_oxide_core::attribute::{Attribute, AttributeType, ComponentDataType};
use draco_oxide_core::mesh::Mesh;

use crate::mesh::data::{MeshData, MeshLimits, Submesh};
use crate::mesh::error::MeshError;

/// Which decoded attribute feeds each [`MeshData`] attribute: by the
/// attribute's unique id (glTF's extension maps semantics to ids) or, for
/// `.drc` files, by attribute type.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DracoMapping {
    pub position: Option<usize>,
    pub normal: Option<usize>,
    pub uv: Option<usize>,
    pub tangent: Option<usize>,
    pub color: Option<usize>,
}

/// Decodes a Draco mesh stream.
pub(crate) fn decode(bytes: &[u8], limits: &MeshLimits) -> Result<Mesh, MeshError> {
    limits.check_bytes(bytes.len() as u64)?;
    // Last resort: the alpha decoder may panic on inconsistent streams.
    let result =
        catch_unwind(AssertUnwindSafe(|| draco_oxide_decoder::Decoder::new().decode_mesh(bytes)));
    match result {
        Ok(Ok(mesh)) => Ok(mesh),
        Ok(Err(e)) => Err(MeshError::Draco(e.to_string())),
        Err(_) => Err(MeshError::Draco("the decoder failed on malformed data".into())),
    }
}

/// A decoded mesh as [`MeshData`], attributes picked by `mapping` (by type
/// when `mapping` is `None`).
pub(crate) fn to_mesh_data(
    mesh: &Mesh,
    mapping: Option<DracoMapping>,
    limits: &MeshLimits,
) -> Result<MeshData, MeshError> {
    let attributes = mesh.get_attributes();
    let find = |id: Option<usize>, ty: AttributeType| -> Option<&Attribute> {
        match mapping {
            Some(_) => id.and_then(|id| {
                attributes
                    .iter()
                    .find(|a| a.get_id().as_usize() == id)
                    .or_else(|| attributes.get(id))
            }),
            None => attributes.iter().find(|a| a.get_attribute_type() == ty),
        }
    };
    let m = mapping.unwrap_or_default();
    let position = find(m.position, AttributeType::Position)
        .ok_or_else(|| MeshError::Draco("no position attribute".into()))?;
    let points = position.len();
    limits.check_vertices(points as u64)?;
    let faces = mesh.get_faces();
    limits.check_indices((faces.len() as u64).saturating_mul(3))?;
    let positions = values::<3>(position, points, [0.0; 3])?;
    let optional = |id, ty, n: usize| -> Result<Vec<[f32; 4]>, MeshError> {
        match find(id, ty) {
            Some(a) if a.len() == points && a.get_num_components() <= n => {
                values::<4>(a, points, [0.0, 0.0, 0.0, 1.0])
            }
            Some(a) => Err(MeshError::Draco(format!(
                "{ty:?} attribute has {} values of {} components for {points} points",
                a.len(),
                a.get_num_components()
            ))),
            None => Ok(Vec::new()),
        }
    };
    let normals = optional(m.normal, AttributeType::Normal, 3)?;
    let uvs = optional(m.uv, AttributeType::TextureCoordinate, 2)?;
    let tangents = optional(m.tangent, AttributeType::Tangent, 4)?;
    let colors = optional(m.color, AttributeType::Color, 4)?;
    let mut indices = Vec::with_capacity(faces.len() * 3);
    for face in faces {
        for &p in face {
            let p = usize::from(p);
            if p >= points {
                return Err(MeshError::Draco(format!("face refers to point {p} of {points}")));
            }
            indices.push(p as u32);
        }
    }
    let submeshes = if indices.is_empty() {
        Vec::new()
    } else {
        vec![Submesh { index_start: 0, index_count: indices.len() as u32, material: u32::MAX }]
    };
    Ok(MeshData {
        positions,
        normals: normals.into_iter().map(|v| [v[0], v[1], v[2]]).collect(),
        uvs: uvs.into_iter().map(|v| [v[0], v[1]]).collect(),
        tangents,
        colors,
        indices,
        submeshes,
    })
}

/// The per-point values of `attribute` as floats (integer colours
/// normalised), padded with `pad`.
fn values<const N: usize>(
    attribute: &Attribute,
    points: usize,
    pad: [f32; N],
) -> Result<Vec<[f32; N]>, MeshError> {
    let ty = attribute.get_component_type();
    let dims = attribute.get_num_components();
    let size = ty.size();
    let bytes = attribute.get_data_as_bytes();
    let unique = attribute.num_unique_values();
    if dims == 0 || dims > N || size == 0 || unique.checked_mul(dims * size) != Some(bytes.len()) {
        return Err(MeshError::Draco(format!(
            "attribute with {dims} components of {ty:?} does not match its {} bytes",
            bytes.len()
        )));
    }
    let map = attribute.point_map_as_slice();
    if map.is_some_and(|m| m.len() != points) || (map.is_none() && unique != points) {
        return Err(MeshError::Draco("attribute does not cover every point".into()));
    }
    let normalise = attribute.get_attribute_type() == AttributeType::Color;
    let mut out = Vec::with_capacity(points);
    for p in 0..points {
        let value = map.map_or(p, |m| usize::from(m[p]));
        if value >= unique {
            return Err(MeshError::Draco(format!("point {p} refers to value {value} of {unique}")));
        }
        let mut v = pad;
        for (k, slot) in v.iter_mut().enumerate().take(dims) {
            let at = (value * dims + k) * size;
            *slot = component(&bytes[at..at + size], ty, normalise)?;
        }
        out.push(v);
    }
    Ok(out)
}

fn component(b: &[u8], ty: ComponentDataType, normalise: bool) -> Result<f32, MeshError> {
    let (value, scale) = match ty {
        ComponentDataType::F32 => (f32::from_le_bytes([b[0], b[1], b[2], b[3]]), 1.0),
        ComponentDataType::F64 => {
            (f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32, 1.0)
        }
        ComponentDataType::U8 => (f32::from(b[0]), 255.0),
        ComponentDataType::I8 => (f32::from(b[0] as i8), 127.0),
        ComponentDataType::U16 => (f32::from(u16::from_le_bytes([b[0], b[1]])), 65535.0),
        ComponentDataType::I16 => (f32::from(i16::from_le_bytes([b[0], b[1]])), 32767.0),
        ComponentDataType::U32 => {
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32, u32::MAX as f32)
        }
        ComponentDataType::I32 => {
            (i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32, i32::MAX as f32)
        }
        other => return Err(MeshError::Draco(format!("component type {other:?}"))),
    };
    Ok(if normalise && scale != 1.0 { value / scale } else { value })
}
