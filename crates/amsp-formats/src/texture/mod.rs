//! Textures: source images, the KTX2 container, mip chains.
//!
//! - [`ktx2`]: reading and writing the KTX2 container, with every size checked
//!   against the file and configurable limits before anything is allocated.
//! - [`source`]: decoding source images (PNG, JPEG, BMP, TGA, GIF, HDR) and
//!   building mip chains.

pub mod ktx2;
pub mod source;
