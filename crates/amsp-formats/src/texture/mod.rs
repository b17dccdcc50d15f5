//! Textures: source images, the KTX2 container, mip chains, block compression.
//!
//! - [`basis`]: Basis Universal (UASTC and ETC1S) textures: transcoding each
//!   level to BC7, ASTC, ETC2 or RGBA8 at load, UASTC encoding at cook
//!   (feature `basis-encode`).
//! - [`dds`]: reading DDS files (DX9 and DX10 headers), every size checked.
//! - [`encode`]: block-compressing mip levels (BC1–BC7, ASTC) and packing RGBA8.
//! - [`ktx2`]: reading and writing the KTX2 container, with every size checked
//!   against the file and configurable limits before anything is allocated.
//! - [`layout`]: how a cooked texture is cut into pack chunks, one per mip.
//! - `TextureImporter` (feature `import`): the cook's importer for images,
//!   Radiance HDR, OpenEXR, DDS and KTX2 sources.
//! - `Texture` and `TextureLoader` (feature `runtime`): the runtime asset;
//!   `read_texture` reads a chosen mip range from a cooked texture's chunks
//!   and `Texture::upgrade` adds finer levels later.
//! - `transcode_cache` (feature `runtime`): Basis Universal levels
//!   transcoded at load, kept in the disk cache (L2) by an exact key.
//! - [`source`]: decoding source images (PNG, JPEG, BMP, TGA, GIF, HDR) and
//!   building mip chains.

#[cfg(feature = "runtime")]
mod asset;
pub mod basis;
pub mod dds;
pub mod encode;
#[cfg(feature = "runtime")]
mod gpu;
#[cfg(feature = "import")]
mod import;
pub mod ktx2;
pub mod layout;
#[cfg(feature = "runtime")]
mod read;
pub mod source;
#[cfg(feature = "runtime")]
pub mod transcode_cache;

#[cfg(feature = "runtime")]
pub use asset::{Texture, TextureLoader};
#[cfg(feature = "runtime")]
pub use gpu::gpu_format;
#[cfg(feature = "import")]
pub use import::TextureImporter;
pub use layout::TEXTURE_TYPE;
#[cfg(feature = "runtime")]
pub use read::{MipSelection, TextureReadError, read_texture, read_texture_cached};
#[cfg(feature = "runtime")]
pub use transcode_cache::{TRANSCODE_CACHE_VERSION, TRANSCODER_VERSION};
