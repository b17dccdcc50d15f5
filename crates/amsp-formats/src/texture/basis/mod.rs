//! Basis Universal textures: transcoding at load, UASTC encoding at cook.
//!
//! A Basis Universal KTX2 file (`vkFormat` 0) holds UASTC 4×4 blocks (stored
//! as is or zstd-compressed) or ETC1S slices (BasisLZ, with codebooks in the
//! supercompression global data). Neither can be uploaded: at load each level
//! is transcoded to what the GPU has, picked by a [`TextureTarget`]: BC7 on
//! desktop, ASTC 4×4 or ETC2 on mobile, RGBA8 otherwise. The sRGB or UNORM
//! variant of the format follows the texture's DFD.
//!
//! Transcoding works per level ([`transcode_level`], or a [`BasisTranscoder`]
//! that decodes ETC1S codebooks once for many levels), so a streaming loader
//! can transcode a mip range alone. The transcoder is the pure-Rust `basisu`
//! port of Binomial's, bit-exact with it; the container is AMSP's own
//! [`Ktx2Texture`](super::ktx2::Ktx2Texture), already checked, and every size
//! here is checked again before anything is allocated or indexed.
//!
//! With the `basis-encode` feature, [`encode_uastc_level`] encodes a mip
//! level to UASTC with Binomial's encoder, and [`uastc_dfd`] describes the
//! result for [`Ktx2Writer::dfd`](super::ktx2::Ktx2Writer::dfd).
//!
//! ```
//! use amsp_formats::texture::basis::{TextureTarget, transcode_texture};
//! use amsp_formats::texture::ktx2::{Ktx2Texture, TextureLimits, VkFormat};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/textures/ktx2-valid/color_grid_uastc_zstd.ktx2");
//! # let bytes = std::fs::read(path)?;
//! let ktx = Ktx2Texture::parse(&bytes, &TextureLimits::default())?;
//! let levels = transcode_texture(&ktx, TextureTarget::Mobile)?;
//! assert_eq!(levels[0].format, VkFormat::Astc4x4Srgb);
//! assert_eq!(levels[0].data.len(), 256 * 256 * 16); // 1024×1024 in 4×4 blocks
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "basis-encode")]
mod basis_file;
mod dfd;
#[cfg(feature = "basis-encode")]
mod encode;
mod error;
mod etc1s;
mod target;
mod transcode;

pub use dfd::uastc_dfd;
#[cfg(feature = "basis-encode")]
pub use encode::{UastcPackLevel, UastcQuality, encode_uastc_level};
pub use error::BasisError;
pub use target::TextureTarget;
pub use transcode::{
    BasisTranscoder, DEFAULT_MAX_OUTPUT_BYTES, MAX_DIMENSION, TranscodedLevel, transcode_level,
    transcode_texture,
};
