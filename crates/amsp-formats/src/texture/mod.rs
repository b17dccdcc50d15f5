//! Textures: source images, the KTX2 container, mip chains, block compression.
//!
//! - [`basis`]: Basis Universal (UASTC and ETC1S) textures: transcoding each
//!   level to BC7, ASTC, ETC2 or RGBA8 at load, UASTC encoding at cook
//!   (feature `basis-encode`).
//! - [`encode`]: block-compressing mip levels (BC1–BC7) and packing RGBA8.
//! - [`ktx2`]: reading and writing the KTX2 container, with every size checked
//!   against the file and configurable limits before anything is allocated.
//! - [`layout`]: how a cooked texture is cut into pack chunks, one per mip.
//! - `TextureImporter` (feature `import`): the cook's importer for images.
//! - `Texture` and `TextureLoader` (feature `runtime`): the runtime asset.
//! - [`source`]: decoding source images (PNG, JPEG, BMP, TGA, GIF, HDR) and
//!   building mip chains.

#[cfg(feature = "runtime")]
mod asset;
pub mod basis;
pub mod encode;
#[cfg(feature = "import")]
mod importer;
pub mod ktx2;
pub mod layout;
pub mod source;

#[cfg(feature = "runtime")]
pub use asset::{Texture, TextureLoader};
#[cfg(feature = "import")]
pub use importer::TextureImporter;
pub use layout::TEXTURE_TYPE;
