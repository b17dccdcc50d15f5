//! Models and materials: a glTF scene cooked into a model asset (the node
//! hierarchy) with its meshes, materials and embedded textures as
//! sub-assets (`duck.glb#mesh0`, `#material0`, `#texture0`), loaded back
//! through the dependency graph.
//!
//! - [`ModelData`] / [`MaterialData`]: the cooked forms
//!   ([`encode_model`], [`decode_model`], [`encode_material`],
//!   [`decode_material`]).
//! - `ModelImporter` (feature `import`): the cook's importer for `.gltf` and
//!   `.glb` sources.
//! - `Model`, `Material` and their loaders (feature `runtime`): a model is
//!   `Loaded` once its meshes, materials and their textures are.

#[cfg(feature = "runtime")]
mod asset;
pub(crate) mod data;
#[cfg(feature = "import")]
mod import;
mod material;

#[cfg(feature = "runtime")]
pub use asset::{
    Instance, Material, MaterialLoader, MaterialTexture, Model, ModelLoader, Node,
    register_model_loaders,
};
pub use data::{
    MODEL_FORMAT_VERSION, ModelData, ModelDecodeError, NodeData, Transform, decode_model,
    encode_model,
};
#[cfg(feature = "import")]
pub use import::ModelImporter;
pub use material::{
    AlphaMode, Filter, MATERIAL_FORMAT_VERSION, MaterialData, Sampler, TextureRef, Wrap,
    decode_material, encode_material,
};

/// Cooked type name of models.
pub const MODEL_TYPE: &str = "model";
/// Cooked type name of materials.
pub const MATERIAL_TYPE: &str = "material";
