//! OBJ (+ MTL) sources through `tobj`: faces triangulated, one vertex per
//! distinct position/normal/uv combination, one submesh per OBJ object and
//! material.

use std::io::{BufReader, Cursor};

use crate::mesh::data::{MeshData, MeshLimits, Submesh};
use crate::mesh::error::MeshError;

/// Reads an OBJ file. `read_mtl(name)` gives the bytes of a material
/// library the file names (relative to the OBJ), or an error message; MTL
/// problems do not fail the import (materials only name submeshes here).
/// Returns the mesh and the materials in submesh material order.
pub(crate) fn read_obj(
    bytes: &[u8],
    limits: &MeshLimits,
    read_mtl: &dyn Fn(&str) -> Result<Vec<u8>, String>,
) -> Result<(MeshData, Vec<tobj::Material>), MeshError> {
    limits.check_bytes(bytes.len() as u64)?;
    if std::str::from_utf8(bytes).is_err() {
        return Err(MeshError::Obj("the file is not UTF-8 text".into()));
    }
    let options = tobj::LoadOptions {
        single_index: true,
        triangulate: true,
        ignore_points: true,
        ignore_lines: true,
    };
    let mut reader = BufReader::new(Cursor::new(bytes));
    let (models, materials) = tobj::load_obj_buf(&mut reader, &options, |path| {
        let name = path.to_string_lossy();
        let bytes = read_mtl(&name).map_err(|_| tobj::LoadError::OpenFileFailed)?;
        tobj::load_mtl_buf(&mut BufReader::new(Cursor::new(bytes)))
    })
    .map_err(|e| MeshError::Obj(e.to_string()))?;
    let materials = materials.unwrap_or_default();
    let mut mesh = MeshData::default();
    for model in models {
        let part = model_to_mesh(&model.mesh, limits)
            .map_err(|e| MeshError::Obj(format!("object {:?}: {e}", model.name)))?;
        mesh.append(part, limits)?;
    }
    Ok((mesh, materials))
}

fn model_to_mesh(m: &tobj::Mesh, limits: &MeshLimits) -> Result<MeshData, MeshError> {
    let n = m.positions.len() / 3;
    limits.check_vertices(n as u64)?;
    limits.check_indices(m.indices.len() as u64)?;
    let positions: Vec<[f32; 3]> =
        m.positions.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
    let normals = if m.normals.len() == n * 3 {
        m.normals.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect()
    } else {
        Vec::new()
    };
    // OBJ's v axis points up; glTF's (and AMSP's) points down.
    let uvs = if m.texcoords.len() == n * 2 {
        m.texcoords.chunks_exact(2).map(|t| [t[0], 1.0 - t[1]]).collect()
    } else {
        Vec::new()
    };
    let colors = if m.vertex_color.len() == n * 3 {
        m.vertex_color.chunks_exact(3).map(|c| [c[0], c[1], c[2], 1.0]).collect()
    } else {
        Vec::new()
    };
    let indices = m.indices.clone();
    if !indices.len().is_multiple_of(3) {
        return Err(MeshError::invalid(format!("{} indices after triangulation", indices.len())));
    }
    if let Some(bad) = indices.iter().find(|&&i| i as usize >= n) {
        return Err(MeshError::invalid(format!("face refers to vertex {bad} of {n}")));
    }
    let material = m.material_id.map_or(u32::MAX, |id| u32::try_from(id).unwrap_or(u32::MAX));
    let submeshes = if indices.is_empty() {
        Vec::new()
    } else {
        vec![Submesh { index_start: 0, index_count: indices.len() as u32, material }]
    };
    Ok(MeshData { positions, normals, uvs, tangents: Vec::new(), colors, indices, submeshes })
}
