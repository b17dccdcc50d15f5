//! The KTX2 texture container: reading with every size checked, and writing.
//!
//! [`Ktx2Texture::parse`] validates a whole file against itself and against
//! [`TextureLimits`] before anything is allocated from its values, then hands
//! out levels (zstd undone) by index. [`Ktx2Writer`] builds a file from mip
//! levels, optionally zstd-supercompressed, with a basic DFD for the formats in
//! [`VkFormat`]. [`repack`] rewrites an existing file into AMSP's layout
//! (levels smallest first, zstd-supercompressed) without touching its texels.
//!
//! The byte layout is described in the [`header`] module; the data format
//! descriptor in [`dfd`].
//!
//! # Validation policy
//!
//! The KTX2 specification (and the Khronos validator) calls many things
//! errors. AMSP sorts them by what they do to a loader:
//!
//! - **Refused by [`Ktx2Texture::parse`]**: anything that would make texel
//!   data be located, sized or interpreted wrongly, or that no GPU API can
//!   use. Structure: truncation, regions past the end or overlapping, level
//!   sizes and alignment that disagree with the dimensions and the block
//!   layout, malformed DFD or key/value sections. Format: prohibited
//!   `vkFormat`s ([`prohibited_format`]: scaled, `A8B8G8R8_*_PACK32`,
//!   multi-planar), a `typeSize` other than 1 for block-compressed and Basis
//!   data, block formats with no height, 3D depth/stencil images, cube maps with
//!   depth; for a format in [`VkFormat`], a DFD whose colour model, texel
//!   block dimensions, `bytesPlane0` or sRGB transfer function disagree with
//!   it; `bytesPlane1..7` set (multi-plane) except ETC1S's alpha plane;
//!   `bytesPlane0` 0 without supercompression; `vkFormat` 0 with anything
//!   but the ETC1S (with BasisLZ) or UASTC colour model; BasisLZ with any
//!   other model.
//! - **Accepted, listed by [`Ktx2Texture::validate`]** as [`Ktx2Warning`]s:
//!   what breaks a rule but leaves the data readable: a `typeSize` other
//!   than the component size of an uncompressed format (it only steers
//!   big-endian byte swapping), sections not where the
//!   specification places them, DFD samples that disagree with the format
//!   (AMSP takes the layout from `vkFormat`, not the samples), undefined
//!   colour primaries, `levelCount` 0 for a block format, malformed or
//!   misplaced reserved metadata (`KTXorientation`, `KTXswizzle`,
//!   `KTXcubemapIncomplete`, `KTXwriter`, …), duplicate keys, non-zero padding.
//! - **Not checked**: glTF `KHR_texture_basisu` compatibility rules, the
//!   inside of BasisLZ global data (the transcoder's business), `KTXmapRange`.
//!
//! `bytesPlane0` = 0 for supercompressed data was required before KTX 2.0.4
//! and is still accepted.
//!
//! ```
//! use amsp_formats::texture::ktx2::{Ktx2Texture, Ktx2Writer, TextureLimits, VkFormat};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let level0 = vec![255u8; 4 * 4 * 4];
//! let level1 = vec![128u8; 2 * 2 * 4];
//! let level2 = vec![0u8; 4];
//! let file = Ktx2Writer::new(VkFormat::R8G8B8A8Unorm, 4, 4)
//!     .srgb(true)
//!     .write(&[&level0, &level1, &level2])?;
//!
//! let texture = Ktx2Texture::parse(file.bytes(), &TextureLimits::default())
//!     .map_err(|e| e.with_path("albedo.ktx2"))?;
//! assert_eq!(texture.dimensions(), (4, 4, 1));
//! assert!(texture.is_srgb());
//! assert_eq!(texture.level(1)?.as_ref(), &level1[..]);
//! # Ok(())
//! # }
//! ```

pub mod dfd;
mod error;
mod format;
pub mod header;
mod metadata;
mod reader;
mod repack;
mod validate;
mod writer;

pub use error::Ktx2Error;
pub use format::VkFormat;
pub use header::{Ktx2Header, LevelIndexEntry};
pub use reader::{Ktx2Texture, Supercompression, TextureLimits, parse};
pub use repack::{repack, repack_uncompressed};
pub use validate::{Ktx2Warning, prohibited_format};
pub use writer::{Ktx2File, Ktx2Writer, WriteSupercompression};
