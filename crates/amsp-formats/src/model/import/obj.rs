//! OBJ (+ MTL) sources as a model: one node drawing one mesh (a submesh
//! per object and material), and the MTL materials mapped onto the
//! metallic-roughness model.

use amsp_cook::{ImportError, ImportInput};
use amsp_core::AssetPath;

use super::Scene;
use super::materials::Materials;
use crate::mesh::MeshLimits;
use crate::mesh::import::obj::read_obj;
use crate::model::data::{NodeData, Transform};
use crate::model::material::{AlphaMode, MaterialData, Sampler, TextureRef};

/// The scene of an OBJ file: a root node named after the file, its mesh,
/// and its MTL materials (whose textures are other sources of the cook).
pub(super) fn obj_scene(
    input: &ImportInput<'_>,
    limits: &MeshLimits,
    read_external: &dyn Fn(&str) -> Result<Vec<u8>, String>,
    resolve: &dyn Fn(&str) -> Result<AssetPath, String>,
) -> Result<Scene, ImportError> {
    let err = |e: crate::mesh::MeshError| ImportError::new(e.to_string());
    let (mut mesh, mtl) = read_obj(input.bytes, limits, read_external).map_err(err)?;
    mesh.validate().map_err(err)?;
    mesh.sanitise();
    if mesh.indices.is_empty() {
        return Err(ImportError::new("the file has no triangles"));
    }
    let mut materials = Vec::with_capacity(mtl.len());
    let mut external = Vec::new();
    for m in &mtl {
        let data = material(m, resolve)
            .map_err(|e| ImportError::new(format!("material {:?}: {e}", m.name)))?;
        for t in data.textures().into_iter().flatten() {
            if !external.contains(&t.path) {
                external.push(t.path.clone());
            }
        }
        materials.push(data);
    }
    let name = input.path.file_name();
    let stem = name.split_once('.').map_or(name, |(stem, _)| stem);
    let root = NodeData {
        name: stem.to_owned(),
        transform: Transform::default(),
        mesh: Some(0),
        children: Vec::new(),
    };
    Ok(Scene {
        nodes: vec![root],
        roots: vec![0],
        meshes: vec![(0, mesh)],
        materials: Materials { materials, textures: Vec::new(), external },
        ignored: Vec::new(),
    })
}

/// An MTL material as metallic-roughness PBR, as common converters do:
/// `Kd` and `d` (or `1 - Tr`) are the base colour and alpha, `map_Kd` its
/// texture; `Ke`/`map_Ke` emission; `norm` or `bump`/`map_Bump` the
/// normal map; roughness and metalness from the PBR extension's `Pr` and
/// `Pm` where present, else roughness from the specular exponent
/// (`sqrt(2 / (Ns + 2))`) and no metalness; `illum 0` is unlit. Colours are
/// taken as linear. Texture statements keep their last word (the file; the
/// options before it are dropped), resolved relative to the OBJ file.
fn material(
    m: &tobj::Material,
    resolve: &dyn Fn(&str) -> Result<AssetPath, String>,
) -> Result<MaterialData, String> {
    let param = |key: &str| m.unknown_param.get(key).map(String::as_str);
    let number = |key: &str| -> Result<Option<f32>, String> {
        param(key)
            .map(|v| v.trim().parse::<f32>().map_err(|_| format!("{key} {v:?} is not a number")))
            .transpose()
    };
    let texture = |statement: Option<&str>| -> Result<Option<TextureRef>, String> {
        let Some(file) = statement.and_then(|s| s.split_whitespace().last()) else {
            return Ok(None);
        };
        let path = resolve(file).map_err(|e| format!("texture {file:?}: {e}"))?;
        Ok(Some(TextureRef { path, uv_set: 0, sampler: Sampler::default() }))
    };
    let alpha = match (m.dissolve, number("Tr")?) {
        (Some(d), _) => d,
        (None, Some(tr)) => 1.0 - tr,
        (None, None) => 1.0,
    };
    let [r, g, b] = m.diffuse.unwrap_or([1.0; 3]);
    let roughness = match (number("Pr")?, m.shininess) {
        (Some(pr), _) => pr,
        (None, Some(ns)) => (2.0 / (ns.max(0.0) + 2.0)).sqrt(),
        (None, None) => 1.0,
    };
    let normal = m.normal_texture.as_deref().or(param("map_Bump")).or(param("bump"));
    let data = MaterialData {
        name: m.name.clone(),
        base_color: [r, g, b, alpha.clamp(0.0, 1.0)],
        base_color_texture: texture(m.diffuse_texture.as_deref())?,
        metallic: number("Pm")?.unwrap_or(0.0),
        roughness: roughness.clamp(0.0, 1.0),
        metallic_roughness_texture: None,
        normal_texture: texture(normal)?,
        normal_scale: 1.0,
        occlusion_texture: None,
        occlusion_strength: 1.0,
        emissive: m.emissive.unwrap_or([0.0; 3]),
        emissive_texture: texture(param("map_Ke"))?,
        alpha_mode: if alpha < 1.0 || m.dissolve_texture.is_some() {
            AlphaMode::Blend
        } else {
            AlphaMode::Opaque
        },
        alpha_cutoff: 0.5,
        double_sided: false,
        unlit: m.illumination_model == Some(0),
    };
    let scalars = [data.metallic, data.roughness];
    if data.base_color.iter().chain(&data.emissive).chain(&scalars).any(|v| !v.is_finite()) {
        return Err("a factor is not finite".into());
    }
    Ok(data)
}
