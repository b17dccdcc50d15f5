//! Asset formats: how each asset type is imported from its source files and
//! loaded into its runtime form.
//!
//! - [`audio`]: audio clips (WAV, OGG Vorbis, FLAC, MP3), decoded at load or streamed.
//! - [`mesh`]: glTF, Draco and OBJ meshes, LOD chains, the runtime `Mesh`.
//! - [`prefab`]: prefabs and scenes, scripts and data tables.
//! - [`texture`]: images and GPU texture containers (KTX2).

pub mod audio;
#[cfg(feature = "runtime")]
mod levels;
pub mod mesh;
pub mod model;
pub mod prefab;
pub mod texture;
pub mod transform;
