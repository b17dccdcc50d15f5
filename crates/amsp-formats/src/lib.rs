//! Asset formats: how each asset type is imported from its source files and
//! loaded into its runtime form.
//!
//! - [`texture`]: images and GPU texture containers (KTX2).
//! - [`mesh`]: glTF, Draco and OBJ meshes, LOD chains, the runtime `Mesh`.

pub mod mesh;
pub mod texture;
