//! Reading glTF accessors as floats or indices, every offset and count
//! checked against the buffer view and the limits before reading.
//! Integer attributes (KHR_mesh_quantization) convert to floats, normalised
//! where the accessor says so.

use gltf::json::accessor::{ComponentType, Type};
use gltf::json::validation::Checked;

use super::buffers::Document;
use crate::mesh::error::MeshError;

fn components(ty: Type) -> Option<usize> {
    match ty {
        Type::Scalar => Some(1),
        Type::Vec2 => Some(2),
        Type::Vec3 => Some(3),
        Type::Vec4 => Some(4),
        _ => None,
    }
}

fn size_of(c: ComponentType) -> usize {
    match c {
        ComponentType::I8 | ComponentType::U8 => 1,
        ComponentType::I16 | ComponentType::U16 => 2,
        ComponentType::U32 | ComponentType::F32 => 4,
    }
}

fn read_component(b: &[u8], c: ComponentType, normalized: bool) -> f32 {
    match (c, normalized) {
        (ComponentType::I8, false) => f32::from(b[0] as i8),
        (ComponentType::I8, true) => (f32::from(b[0] as i8) / 127.0).max(-1.0),
        (ComponentType::U8, false) => f32::from(b[0]),
        (ComponentType::U8, true) => f32::from(b[0]) / 255.0,
        (ComponentType::I16, false) => f32::from(i16::from_le_bytes([b[0], b[1]])),
        (ComponentType::I16, true) => {
            (f32::from(i16::from_le_bytes([b[0], b[1]])) / 32767.0).max(-1.0)
        }
        (ComponentType::U16, false) => f32::from(u16::from_le_bytes([b[0], b[1]])),
        (ComponentType::U16, true) => f32::from(u16::from_le_bytes([b[0], b[1]])) / 65535.0,
        (ComponentType::U32, _) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32,
        (ComponentType::F32, _) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
    }
}

/// The raw layout of accessor `index`: element count, components,
/// component type, normalised flag, and its bytes (one `Vec` per element
/// would cost too much: the elements are read from the view directly).
struct Layout {
    count: usize,
    dims: usize,
    component: ComponentType,
    normalized: bool,
    view: Option<usize>,
    offset: usize,
    stride: usize,
}

fn layout(doc: &Document<'_>, index: usize) -> Result<Layout, MeshError> {
    let accessor = doc
        .root
        .accessors
        .get(index)
        .ok_or_else(|| MeshError::gltf(format!("accessor {index} does not exist")))?;
    if accessor.sparse.is_some() {
        return Err(MeshError::Unsupported(format!("accessor {index} is sparse")));
    }
    let component = match accessor.component_type {
        Checked::Valid(c) => c.0,
        Checked::Invalid => {
            return Err(MeshError::gltf(format!("accessor {index}: invalid componentType")));
        }
    };
    let dims = match accessor.type_ {
        Checked::Valid(t) => components(t),
        Checked::Invalid => None,
    }
    .ok_or_else(|| MeshError::gltf(format!("accessor {index}: type is not SCALAR or VECn")))?;
    let count = accessor.count.0;
    let element = (dims * size_of(component)) as u64;
    // A count the limits refuse fails here, before anything is allocated.
    doc.limits.check_bytes(count.saturating_mul(element))?;
    let count = doc.limits.check_indices(count)?;
    let offset = accessor.byte_offset.map_or(0, |o| o.0);
    let Some(view_index) = accessor.buffer_view.map(|v| v.value()) else {
        return Ok(Layout {
            count,
            dims,
            component,
            normalized: accessor.normalized,
            view: None,
            offset: 0,
            stride: 0,
        });
    };
    let view = doc.root.buffer_views.get(view_index).ok_or_else(|| {
        MeshError::gltf(format!("accessor {index}: buffer view {view_index} does not exist"))
    })?;
    let stride = view.byte_stride.map_or(element, |s| s.0 as u64);
    if stride < element {
        return Err(MeshError::gltf(format!(
            "accessor {index}: byteStride {stride} is less than its element size {element}"
        )));
    }
    let length = view.byte_length.0;
    let end = if count == 0 {
        Some(offset)
    } else {
        (count as u64 - 1)
            .checked_mul(stride)
            .and_then(|n| n.checked_add(offset))
            .and_then(|n| n.checked_add(element))
    };
    if end.is_none_or(|end| end > length) {
        return Err(MeshError::gltf(format!(
            "accessor {index}: {count} elements of {element} bytes (stride {stride}) from offset {offset} run past its buffer view's {length} bytes"
        )));
    }
    Ok(Layout {
        count,
        dims,
        component,
        normalized: accessor.normalized,
        view: Some(view_index),
        offset: offset as usize,
        stride: stride as usize,
    })
}

/// Reads accessor `index` as `N`-component float vectors; an accessor with
/// fewer components is padded with `pad`'s trailing values, one with more
/// is refused.
pub(crate) fn read_floats<const N: usize>(
    doc: &mut Document<'_>,
    index: usize,
    pad: [f32; N],
) -> Result<Vec<[f32; N]>, MeshError> {
    let l = layout(doc, index)?;
    if l.dims > N {
        return Err(MeshError::gltf(format!(
            "accessor {index}: {} components, expected {N}",
            l.dims
        )));
    }
    let size = size_of(l.component);
    let Some(view) = l.view else {
        return Ok(vec![pad.map(|p| if l.dims > 0 { 0.0 } else { p }); l.count]);
    };
    let data = doc.view(view)?;
    let mut out = Vec::with_capacity(l.count);
    for i in 0..l.count {
        let at = l.offset + i * l.stride;
        let mut v = pad;
        for (k, slot) in v.iter_mut().enumerate().take(l.dims) {
            let b = &data[at + k * size..at + (k + 1) * size];
            *slot = read_component(b, l.component, l.normalized);
        }
        out.push(v);
    }
    Ok(out)
}

/// Reads accessor `index` as indices (`UNSIGNED_BYTE`, `UNSIGNED_SHORT` or
/// `UNSIGNED_INT` scalars).
pub(crate) fn read_indices(doc: &mut Document<'_>, index: usize) -> Result<Vec<u32>, MeshError> {
    let accessor = doc.root.accessors.get(index);
    let size = match accessor.map(|a| (a.type_, a.component_type)) {
        Some((Checked::Valid(Type::Scalar), Checked::Valid(c))) => match c.0 {
            ComponentType::U8 => 1,
            ComponentType::U16 => 2,
            ComponentType::U32 => 4,
            _ => 0,
        },
        None => return Err(MeshError::gltf(format!("accessor {index} does not exist"))),
        _ => 0,
    };
    if size == 0 {
        return Err(MeshError::gltf(format!(
            "accessor {index}: indices must be unsigned integer scalars"
        )));
    }
    let l = layout(doc, index)?;
    let Some(view) = l.view else {
        return Err(MeshError::gltf(format!("accessor {index}: indices without a buffer view")));
    };
    let data = doc.view(view)?;
    Ok((0..l.count)
        .map(|i| {
            let b = &data[l.offset + i * l.stride..];
            match size {
                1 => u32::from(b[0]),
                2 => u32::from(u16::from_le_bytes([b[0], b[1]])),
                _ => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            }
        })
        .collect())
}

/// The element count of accessor `index`, checked against the limits.
pub(crate) fn count(doc: &Document<'_>, index: usize) -> Result<usize, MeshError> {
    layout(doc, index).map(|l| l.count)
}
