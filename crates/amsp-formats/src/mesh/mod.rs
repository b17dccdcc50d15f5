//! Meshes: importing glTF, Draco and OBJ sources, cooking them into LOD
//! chains, and loading them at runtime.
//!
//! - [`MeshData`]: the in-memory mesh importers produce (positions, optional
//!   normals, UVs, tangents and colours, a `u32` triangle list, submeshes).
//! - [`layout`]: the cooked form: one self-contained pack chunk per LOD,
//!   coarsest first, vertices and indices in the meshopt codecs.
//! - [`codec`]: the meshopt vertex and index codecs for any stride.
//! - `MeshImporter` (feature `import`): the cook's importer for `.gltf`,
//!   `.glb`, `.drc` and `.obj` sources.
//! - `Mesh` and `MeshLoader` (feature `runtime`): the runtime asset;
//!   `read_mesh` reads a chosen LOD range from a cooked mesh's chunks and
//!   `Mesh::upgrade` adds finer LODs later.

#[cfg(feature = "runtime")]
mod asset;
pub mod codec;
pub(crate) mod data;
mod error;
#[cfg(feature = "runtime")]
mod gpu;
#[cfg(feature = "import")]
pub(crate) mod import;
pub mod layout;
#[cfg(feature = "runtime")]
mod read;

#[cfg(feature = "runtime")]
pub use asset::{Mesh, MeshLoader, MeshLod};
pub use data::{Bounds, MeshData, MeshLimits, Submesh};
pub use error::MeshError;
#[cfg(feature = "import")]
pub use import::{LodSettings, MeshImporter, ZSTD_MIN_SAVING};
pub use layout::MESH_TYPE;
#[cfg(feature = "runtime")]
pub use read::{LodSelection, MeshReadError, read_mesh};
