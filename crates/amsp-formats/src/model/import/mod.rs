//! The cook's model importer: a glTF or GLB file becomes a model asset with
//! its meshes, materials and embedded textures as sub-assets.

mod materials;
mod obj;

use std::cell::RefCell;
use std::path::PathBuf;

use amsp_cook::{ImportError, ImportInput, ImportedAsset, Importer, SourceSet, SubAsset};
use amsp_core::{AssetPath, Codec};
use serde_json::json;

use super::data::{ModelData, NodeData, Transform, check_forest, encode_model};
use super::material::encode_material;
use super::{MATERIAL_TYPE, MODEL_TYPE};
use crate::mesh::import::gltf::{self, Document, IDENTITY, Mat4, local_transform, mul};
use crate::mesh::import::{mesh_asset, settings};
use crate::mesh::{Bounds, MeshData, MeshLimits};
use crate::texture::TextureImporter;
use materials::{Materials, read_materials, relative_path};

/// What a source describes, before it is cooked into assets.
struct Scene {
    nodes: Vec<NodeData>,
    roots: Vec<u32>,
    /// Meshes with the index their label uses (`mesh{index}`).
    meshes: Vec<(usize, MeshData)>,
    materials: Materials,
    /// What the source has that is not cooked.
    ignored: Vec<String>,
}

/// Imports glTF 2.0 models (`.gltf` with embedded, data-URI or external
/// buffers and images; `.glb`) for the cook, as a scene of assets:
///
/// - **`SOURCE`** (type `model`): the node hierarchy of the default scene
///   (names, transforms, which mesh each node draws) and the paths of the
///   mesh and material assets; loading it loads them.
/// - **`SOURCE#meshN`** (type `mesh`), per glTF mesh with triangles: its
///   primitives as submeshes in the mesh's own space, each submesh's
///   material index pointing into the model's materials; cooked like
///   [`MeshImporter`](crate::mesh::MeshImporter)'s meshes (optimised, LOD
///   chain, one chunk per LOD; the `lods`, `lod_error`, `lod_ratio`
///   settings apply).
/// - **`SOURCE#materialN`** (type `material`), per glTF material: PBR
///   factors, alpha mode, and texture slots naming texture assets.
/// - **`SOURCE#textureN`** (type `texture`), per image embedded in the file
///   (GLB buffer views, data URIs) that a material uses, cooked by
///   [`TextureImporter`] with the role its first use implies (base colour
///   and emissive: colour; normal: normal map; metallic-roughness and
///   occlusion: linear). Settings `texture_encoding`, `texture_quality`, …
///   reach it without the prefix.
///
/// Images in other files (`"uri": "wood.png"`) are not copied: the material
/// names that source, which the cook imports as a texture of its own, and
/// depends on it. So do external buffers, which makes a change to a `.bin`
/// file cook the model again. URIs may climb with `..` inside the source
/// folder, not out of it.
///
/// The model's catalog metadata: `source_format`, `node_count`,
/// `mesh_count`, `material_count`, `embedded_textures`,
/// `external_textures`, `instance_count`, `triangle_count` (all instances,
/// finest LOD), the bounds of every instance (`aabb_min`, `aabb_max`,
/// `sphere_center`, `sphere_radius`) and `ignored`: what the file has that
/// is not cooked (skins, animations, cameras, morph targets).
#[derive(Debug, Clone, Default)]
pub struct ModelImporter {
    /// Size limits for buffers and meshes.
    pub limits: MeshLimits,
    /// Used when the cook gives no [`SourceSet`]: external files are read
    /// under this folder.
    pub source_root: Option<PathBuf>,
    /// Cooks embedded images.
    pub textures: TextureImporter,
}

impl ModelImporter {
    /// An importer that reads external files under `root` when it is called
    /// without the cook's sources.
    #[must_use]
    pub fn with_source_root(root: impl Into<PathBuf>) -> Self {
        Self { source_root: Some(root.into()), ..Self::default() }
    }

    fn import_from(
        &self,
        input: &ImportInput<'_>,
        read: &dyn Fn(&AssetPath) -> Result<Vec<u8>, String>,
        exists: &dyn Fn(&AssetPath) -> bool,
    ) -> Result<ImportedAsset, ImportError> {
        let lod_settings = settings(input.meta)?;
        let read_buffers: RefCell<Vec<AssetPath>> = RefCell::new(Vec::new());
        let read_external = |uri: &str| -> Result<Vec<u8>, String> {
            let path = relative_path(input.path, uri)?;
            let bytes = read(&path)?;
            self.limits.check_bytes(bytes.len() as u64).map_err(|e| e.to_string())?;
            read_buffers.borrow_mut().push(path);
            Ok(bytes)
        };
        // Images and other files materials name are sources of the cook.
        let resolve = |uri: &str| -> Result<AssetPath, String> {
            let path = relative_path(input.path, uri)?;
            if exists(&path) {
                Ok(path)
            } else {
                Err(format!("{path} is not a source of this cook"))
            }
        };
        let ext = input.path.extension().unwrap_or_default();
        let scene = if ext == "obj" {
            obj::obj_scene(input, &self.limits, &read_external, &resolve)?
        } else {
            self.gltf_scene(input, &read_external, &resolve)?
        };
        let Scene { nodes, roots, meshes, materials: mats, ignored } = scene;

        // The model, its meshes, materials and embedded textures.
        let label =
            |l: String| input.path.with_label(&l).map_err(|e| ImportError::new(e.to_string()));
        let mut subs = Vec::new();
        let mut model = ModelData { nodes, roots, ..ModelData::default() };
        let mut mesh_bounds = Vec::new();
        for (m, mesh) in &meshes {
            let l = format!("mesh{m}");
            model.meshes.push(label(l.clone())?);
            mesh_bounds.push(mesh.bounds());
            let asset = mesh_asset(mesh, &lod_settings, &ext, &[])
                .map_err(|e| ImportError::new(format!("mesh {m}: {}", e.0)))?;
            subs.push(SubAsset { label: l, asset });
        }
        for (i, material) in mats.materials.iter().enumerate() {
            let l = format!("material{i}");
            model.materials.push(label(l.clone())?);
            let dependencies =
                material.textures().into_iter().flatten().map(|t| t.path.clone()).collect();
            let asset = ImportedAsset {
                asset_type: MATERIAL_TYPE.to_owned(),
                chunks: vec![encode_material(material)],
                codec: Some(Codec::None),
                dependencies,
                metadata: json!({
                    "name": material.name,
                    "textures": material.textures().into_iter().flatten().map(|t| t.path.as_str()).collect::<Vec<_>>(),
                }),
                ..ImportedAsset::default()
            };
            subs.push(SubAsset { label: l, asset });
        }
        let embedded = mats.textures.len();
        subs.extend(mats.textures);

        let (bounds, instances, triangles) = scene_bounds(&model, &mesh_bounds, &meshes);
        model.bounds = bounds;
        let metadata = json!({
            "source_format": ext,
            "node_count": model.nodes.len(),
            "mesh_count": model.meshes.len(),
            "material_count": model.materials.len(),
            "embedded_textures": embedded,
            "external_textures": mats.external.iter().map(AssetPath::as_str).collect::<Vec<_>>(),
            "instance_count": instances,
            "triangle_count": triangles,
            "aabb_min": bounds.min,
            "aabb_max": bounds.max,
            "sphere_center": bounds.center,
            "sphere_radius": bounds.radius,
            "ignored": ignored,
        });
        let mut dependencies: Vec<AssetPath> =
            model.meshes.iter().chain(&model.materials).cloned().collect();
        for path in read_buffers.into_inner() {
            if !dependencies.contains(&path) {
                dependencies.push(path);
            }
        }
        Ok(ImportedAsset {
            asset_type: MODEL_TYPE.to_owned(),
            chunks: vec![encode_model(&model)],
            codec: Some(Codec::None),
            dependencies,
            metadata,
            sub_assets: subs,
            ..ImportedAsset::default()
        })
    }

    /// The node hierarchy, meshes and materials of a glTF or GLB file.
    fn gltf_scene(
        &self,
        input: &ImportInput<'_>,
        read_external: gltf::ReadExternal<'_>,
        resolve: &dyn Fn(&str) -> Result<AssetPath, String>,
    ) -> Result<Scene, ImportError> {
        let err = |e: crate::mesh::MeshError| ImportError::new(e.to_string());
        let mut doc = Document::parse(input.bytes, read_external, &self.limits).map_err(err)?;

        // Meshes, each in its own space.
        let mut mesh_index: Vec<Option<u32>> = Vec::with_capacity(doc.root.meshes.len());
        let mut meshes: Vec<(usize, MeshData)> = Vec::new();
        for m in 0..doc.root.meshes.len() {
            let mut index = None;
            if let Some(mut mesh) = gltf::read_mesh(&mut doc, m).map_err(err)? {
                mesh.validate().map_err(err)?;
                mesh.sanitise();
                if !mesh.indices.is_empty() {
                    index = Some(meshes.len() as u32);
                    meshes.push((m, mesh));
                }
            }
            mesh_index.push(index);
        }

        // Nodes and the scene.
        let nodes = doc
            .root
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| {
                let mesh = match node.mesh.map(|m| m.value()) {
                    Some(m) if m >= mesh_index.len() => {
                        return Err(ImportError::new(format!("node {i}: mesh {m} does not exist")));
                    }
                    Some(m) => mesh_index[m],
                    None => None,
                };
                let children = node.children.iter().flatten().map(|c| c.value());
                let children = children
                    .map(|c| match u32::try_from(c) {
                        Ok(c) if (c as usize) < doc.root.nodes.len() => Ok(c),
                        _ => Err(ImportError::new(format!("node {i}: child {c} does not exist"))),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(NodeData {
                    name: node.name.clone().unwrap_or_default(),
                    transform: Transform::from_matrix(&local_transform(node)),
                    mesh,
                    children,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let roots: Vec<u32> = gltf::scene_roots(&doc.root)
            .map_err(err)?
            .into_iter()
            .map(|r| u32::try_from(r).unwrap_or(u32::MAX))
            .collect();
        if let Some(bad) = roots.iter().find(|&&r| r as usize >= nodes.len()) {
            return Err(ImportError::new(format!("scene root node {bad} does not exist")));
        }
        check_forest(&nodes, &roots).map_err(ImportError::new)?;

        let materials = read_materials(&mut doc, input.path, input.meta, &self.textures, resolve)?;
        let root = &doc.root;
        let morphs =
            root.meshes.iter().flat_map(|m| &m.primitives).filter(|p| p.targets.is_some()).count();
        let ignored: Vec<String> = [
            ("skins", root.skins.len()),
            ("animations", root.animations.len()),
            ("cameras", root.cameras.len()),
            ("morph target primitives", morphs),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{n} {what}"))
        .collect();
        Ok(Scene { nodes, roots, meshes, materials, ignored })
    }
}

/// The bounds of every mesh instance of the scene in model space, the
/// number of instances and their triangles.
fn scene_bounds(
    model: &ModelData,
    mesh_bounds: &[Bounds],
    meshes: &[(usize, MeshData)],
) -> (Bounds, usize, usize) {
    let (mut min, mut max) = ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]);
    let (mut instances, mut triangles) = (0, 0);
    let mut stack: Vec<(u32, Mat4)> = model.roots.iter().map(|&r| (r, IDENTITY)).collect();
    while let Some((n, parent)) = stack.pop() {
        let node = &model.nodes[n as usize];
        let world = mul(&parent, &node.transform.matrix());
        if let Some(m) = node.mesh {
            let b = &mesh_bounds[m as usize];
            instances += 1;
            triangles += meshes[m as usize].1.triangle_count();
            for corner in 0..8 {
                let p = [0, 1, 2].map(|k| if corner >> k & 1 == 0 { b.min[k] } else { b.max[k] });
                for k in 0..3 {
                    let v =
                        world[k] * p[0] + world[4 + k] * p[1] + world[8 + k] * p[2] + world[12 + k];
                    min[k] = min[k].min(v);
                    max[k] = max[k].max(v);
                }
            }
        }
        stack.extend(node.children.iter().map(|&c| (c, world)));
    }
    if instances == 0 {
        return (Bounds::default(), 0, 0);
    }
    let center = [0, 1, 2].map(|k| (min[k] + max[k]) * 0.5);
    let radius = (0..3).map(|k| (max[k] - center[k]).powi(2)).sum::<f32>().sqrt();
    (Bounds { min, max, center, radius }, instances, triangles)
}

impl Importer for ModelImporter {
    fn name(&self) -> &str {
        "model"
    }

    fn version(&self) -> u32 {
        1
    }

    fn extensions(&self) -> &[&str] {
        &["gltf", "glb", "obj"]
    }

    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        let root = self.source_root.clone();
        let file = |path: &AssetPath| root.as_ref().map(|r| r.join(path.as_str()));
        let read = |path: &AssetPath| -> Result<Vec<u8>, String> {
            let file = file(path).ok_or("no source root to read external files from")?;
            let len = std::fs::metadata(&file).map_err(|e| e.to_string())?.len();
            self.limits.check_bytes(len).map_err(|e| e.to_string())?;
            std::fs::read(&file).map_err(|e| e.to_string())
        };
        let exists = |path: &AssetPath| file(path).is_some_and(|f| f.is_file());
        self.import_from(input, &read, &exists)
    }

    fn import_with_sources(
        &self,
        input: &ImportInput<'_>,
        sources: &dyn SourceSet,
    ) -> Result<ImportedAsset, ImportError> {
        let read = |path: &AssetPath| -> Result<Vec<u8>, String> {
            if !sources.contains(path) {
                return Err(format!("{path} is not a source of this cook"));
            }
            let len = sources.size(path).ok_or_else(|| format!("{path} cannot be read"))?;
            self.limits.check_bytes(len).map_err(|e| e.to_string())?;
            sources.read(path).ok_or_else(|| format!("{path} cannot be read"))
        };
        self.import_from(input, &read, &|path| sources.contains(path))
    }
}
