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
mod reader;
mod repack;
mod writer;

pub use error::Ktx2Error;
pub use format::VkFormat;
pub use header::{Ktx2Header, LevelIndexEntry};
pub use reader::{Ktx2Texture, Supercompression, TextureLimits, parse};
pub use repack::repack;
pub use writer::{Ktx2File, Ktx2Writer, WriteSupercompression};
