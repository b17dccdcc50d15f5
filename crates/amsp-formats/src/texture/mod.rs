//! Textures: source images, the KTX2 container, mip chains, block compression.
//!
//! - [`encode`]: block-compressing mip levels (BC1–BC7) and packing RGBA8.
//! - [`ktx2`]: reading and writing the KTX2 container, with every size checked
//!   against the file and configurable limits before anything is allocated.
//! - [`source`]: decoding source images (PNG, JPEG, BMP, TGA, GIF, HDR) and
//!   building mip chains.

pub mod encode;
pub mod ktx2;
pub mod source;
