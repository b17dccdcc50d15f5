//! The runtime `Model` and `Material` assets and their loaders: every mesh,
//! material and texture they use is a dependency, so a model is `Loaded`
//! only once all of them are.

use amsp_runtime::{Asset, AssetLoader, AssetServer, Handle, LoadContext, LoadError, LoadInput};

use super::data::{Transform, decode_model};
use super::material::{AlphaMode, MaterialData, Sampler, TextureRef, decode_material};
use super::{MATERIAL_TYPE, MODEL_TYPE};
use crate::mesh::data::mul;
use crate::mesh::{Bounds, Mesh, MeshLoader, Submesh};
use crate::texture::{Texture, TextureLoader};

/// Registers every loader a [`Model`] needs: [`ModelLoader`],
/// [`MaterialLoader`], and the default [`MeshLoader`] and [`TextureLoader`]
/// (register configured ones afterwards to replace those).
pub fn register_model_loaders(server: &AssetServer) {
    server.register_loader(ModelLoader);
    server.register_loader(MaterialLoader);
    server.register_loader(MeshLoader::default());
    server.register_loader(TextureLoader::default());
}

/// One node of a loaded [`Model`].
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The node's name (may be empty).
    pub name: String,
    /// Transform relative to the parent.
    pub transform: Transform,
    /// The parent node.
    pub parent: Option<u32>,
    /// Child nodes.
    pub children: Vec<u32>,
    /// Index into [`Model::meshes`] of the mesh this node draws.
    pub mesh: Option<u32>,
}

/// A mesh drawn by a node, with the node's transform in model space.
#[derive(Debug, Clone, Copy)]
pub struct Instance<'a> {
    /// The node.
    pub node: u32,
    /// The mesh.
    pub mesh: &'a Handle<Mesh>,
    /// Column-major model-space transform of the node.
    pub world: [f32; 16],
}

/// A loaded model (a glTF scene): its node hierarchy and handles to the
/// meshes and materials the nodes draw with.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Every node; `parent`/`children` link them into a forest.
    pub nodes: Vec<Node>,
    /// The scene's root nodes.
    pub roots: Vec<u32>,
    /// Meshes; a submesh's `material` indexes [`materials`](Self::materials).
    pub meshes: Vec<Handle<Mesh>>,
    /// Materials.
    pub materials: Vec<Handle<Material>>,
    /// Bounds of every instance in model space.
    pub bounds: Bounds,
}

impl Model {
    /// The first node named `name`.
    #[must_use]
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The model-space transform of `node` (its transform and its
    /// ancestors'), or `None` for an index out of range.
    #[must_use]
    pub fn world_transform(&self, node: u32) -> Option<[f32; 16]> {
        let mut m = self.nodes.get(node as usize)?.transform.matrix();
        let mut at = self.nodes[node as usize].parent;
        // The loader checked that the nodes form a forest, so this ends.
        while let Some(p) = at {
            let parent = &self.nodes[p as usize];
            m = mul(&parent.transform.matrix(), &m);
            at = parent.parent;
        }
        Some(m)
    }

    /// Every mesh the scene draws, with its model-space transform, in
    /// depth-first order from the roots.
    #[must_use]
    pub fn instances(&self) -> Vec<Instance<'_>> {
        let identity = Transform::default().matrix();
        let mut out = Vec::new();
        let mut stack: Vec<(u32, [f32; 16])> =
            self.roots.iter().rev().map(|&r| (r, identity)).collect();
        while let Some((n, parent)) = stack.pop() {
            let node = &self.nodes[n as usize];
            let world = mul(&parent, &node.transform.matrix());
            if let Some(mesh) = node.mesh.and_then(|m| self.meshes.get(m as usize)) {
                out.push(Instance { node: n, mesh, world });
            }
            stack.extend(node.children.iter().rev().map(|&c| (c, world)));
        }
        out
    }

    /// The material a submesh is drawn with (`None`: the engine's default).
    #[must_use]
    pub fn material(&self, submesh: &Submesh) -> Option<&Handle<Material>> {
        self.materials.get(submesh.material as usize)
    }
}

impl Asset for Model {
    const TYPE_NAME: &'static str = "Model";

    fn byte_size(&self) -> usize {
        size_of::<Self>()
            + self
                .nodes
                .iter()
                .map(|n| size_of::<Node>() + n.name.capacity() + n.children.capacity() * 4)
                .sum::<usize>()
            + self.roots.capacity() * 4
            + (self.meshes.capacity() + self.materials.capacity()) * size_of::<Handle<Mesh>>()
    }

    /// An empty model: its meshes' own placeholders (cubes) show once it
    /// has loaded and they have not.
    fn placeholder() -> Option<Self> {
        Some(Self::default())
    }
}

/// Loads cooked models as [`Model`], each mesh and material a dependency.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModelLoader;

impl AssetLoader for ModelLoader {
    type Asset = Model;

    fn asset_types(&self) -> &[&str] {
        &[MODEL_TYPE]
    }

    fn load(&self, input: LoadInput, ctx: &mut LoadContext<'_>) -> Result<Model, LoadError> {
        let bytes = input.read_all()?;
        let data = decode_model(&bytes).map_err(|e| ctx.parse_error(e))?;
        let mut parent = vec![None; data.nodes.len()];
        for (i, node) in data.nodes.iter().enumerate() {
            for &c in &node.children {
                parent[c as usize] = Some(i as u32);
            }
        }
        let nodes = data
            .nodes
            .into_iter()
            .zip(parent)
            .map(|(n, parent)| Node {
                name: n.name,
                transform: n.transform,
                parent,
                children: n.children,
                mesh: n.mesh,
            })
            .collect();
        let meshes = data.meshes.iter().map(|p| ctx.load_dependency::<Mesh>(p)).collect();
        let materials = data.materials.iter().map(|p| ctx.load_dependency::<Material>(p)).collect();
        Ok(Model { nodes, roots: data.roots, meshes, materials, bounds: data.bounds })
    }
}

/// A texture slot of a loaded [`Material`].
#[derive(Debug, Clone)]
pub struct MaterialTexture {
    /// The texture.
    pub texture: Handle<Texture>,
    /// Which texture coordinate set it uses.
    pub uv_set: u32,
    /// How it is sampled.
    pub sampler: Sampler,
}

/// A loaded material (metallic-roughness PBR) with handles to its textures.
#[derive(Debug, Clone)]
pub struct Material {
    /// The material's name.
    pub name: String,
    /// Linear RGBA base colour factor.
    pub base_color: [f32; 4],
    /// Base colour texture (sRGB).
    pub base_color_texture: Option<MaterialTexture>,
    /// Metalness factor.
    pub metallic: f32,
    /// Roughness factor.
    pub roughness: f32,
    /// Metalness (blue) and roughness (green).
    pub metallic_roughness_texture: Option<MaterialTexture>,
    /// Tangent-space normal map.
    pub normal_texture: Option<MaterialTexture>,
    /// Scale of the normal map's x and y.
    pub normal_scale: f32,
    /// Ambient occlusion (red).
    pub occlusion_texture: Option<MaterialTexture>,
    /// Strength of the occlusion.
    pub occlusion_strength: f32,
    /// Linear RGB emissive factor.
    pub emissive: [f32; 3],
    /// Emissive texture (sRGB).
    pub emissive_texture: Option<MaterialTexture>,
    /// How alpha is used.
    pub alpha_mode: AlphaMode,
    /// The alpha threshold of [`AlphaMode::Mask`].
    pub alpha_cutoff: f32,
    /// Whether back faces are drawn.
    pub double_sided: bool,
    /// Whether lighting is skipped.
    pub unlit: bool,
}

impl Material {
    /// An untextured material of one colour.
    #[must_use]
    pub fn solid(name: &str, base_color: [f32; 4]) -> Self {
        let d = MaterialData::default();
        Self {
            name: name.to_owned(),
            base_color,
            base_color_texture: None,
            metallic: 0.0,
            roughness: d.roughness,
            metallic_roughness_texture: None,
            normal_texture: None,
            normal_scale: d.normal_scale,
            occlusion_texture: None,
            occlusion_strength: d.occlusion_strength,
            emissive: d.emissive,
            emissive_texture: None,
            alpha_mode: d.alpha_mode,
            alpha_cutoff: d.alpha_cutoff,
            double_sided: false,
            unlit: false,
        }
    }

    /// The texture slots: base colour, metallic-roughness, normal,
    /// occlusion, emissive.
    #[must_use]
    pub fn textures(&self) -> [Option<&MaterialTexture>; 5] {
        [
            self.base_color_texture.as_ref(),
            self.metallic_roughness_texture.as_ref(),
            self.normal_texture.as_ref(),
            self.occlusion_texture.as_ref(),
            self.emissive_texture.as_ref(),
        ]
    }
}

impl Asset for Material {
    const TYPE_NAME: &'static str = "Material";

    fn byte_size(&self) -> usize {
        size_of::<Self>() + self.name.capacity()
    }

    /// Mid grey, untextured: the material is still loading.
    fn placeholder() -> Option<Self> {
        Some(Self::solid("loading", [0.5, 0.5, 0.5, 1.0]))
    }

    /// Magenta, untextured: the material failed to load.
    fn error_placeholder() -> Option<Self> {
        Some(Self::solid("error", [1.0, 0.0, 1.0, 1.0]))
    }
}

/// Loads cooked materials as [`Material`], each texture a dependency.
#[derive(Debug, Clone, Copy, Default)]
pub struct MaterialLoader;

impl AssetLoader for MaterialLoader {
    type Asset = Material;

    fn asset_types(&self) -> &[&str] {
        &[MATERIAL_TYPE]
    }

    fn load(&self, input: LoadInput, ctx: &mut LoadContext<'_>) -> Result<Material, LoadError> {
        let bytes = input.read_all()?;
        let d = decode_material(&bytes).map_err(|e| ctx.parse_error(e))?;
        let mut slot = |t: Option<TextureRef>| {
            t.map(|t| MaterialTexture {
                texture: ctx.load_dependency::<Texture>(&t.path),
                uv_set: t.uv_set,
                sampler: t.sampler,
            })
        };
        Ok(Material {
            base_color_texture: slot(d.base_color_texture),
            metallic_roughness_texture: slot(d.metallic_roughness_texture),
            normal_texture: slot(d.normal_texture),
            occlusion_texture: slot(d.occlusion_texture),
            emissive_texture: slot(d.emissive_texture),
            name: d.name,
            base_color: d.base_color,
            metallic: d.metallic,
            roughness: d.roughness,
            normal_scale: d.normal_scale,
            occlusion_strength: d.occlusion_strength,
            emissive: d.emissive,
            alpha_mode: d.alpha_mode,
            alpha_cutoff: d.alpha_cutoff,
            double_sided: d.double_sided,
            unlit: d.unlit,
        })
    }
}
