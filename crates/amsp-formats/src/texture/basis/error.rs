//! Errors from transcoding and encoding Basis Universal textures.

use crate::texture::ktx2::Ktx2Error;

/// Why a Basis Universal texture could not be transcoded, or a level encoded.
///
/// Every variant names the level (and image) it is about where there is one.
/// Transcoding errors come from data read from a file: a caller that knows
/// the file's name adds it, as with [`Ktx2Error::with_path`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BasisError {
    /// The KTX2 container refused a level (zstd data that does not inflate,
    /// a level index out of range, …).
    #[error(transparent)]
    Ktx2(#[from] Ktx2Error),
    /// The texture is not Basis Universal data: its DFD colour model is
    /// neither UASTC (166) nor ETC1S (163), or its `vkFormat` is not 0.
    #[error(
        "not a Basis Universal texture: vkFormat {vk_format}, DFD colour model {color_model} (UASTC is 166, ETC1S 163, both with vkFormat 0)"
    )]
    NotBasis {
        /// The raw `vkFormat`.
        vk_format: u32,
        /// The DFD `colorModel`.
        color_model: u8,
    },
    /// A Basis Universal texture that uses a feature AMSP does not transcode.
    #[error("unsupported Basis Universal texture: {0}")]
    Unsupported(String),
    /// The BasisLZ supercompression global data (ETC1S codebooks and image
    /// descriptors) is malformed.
    #[error("invalid BasisLZ global data: {0}")]
    InvalidGlobalData(String),
    /// A level does not hold the bytes its dimensions call for.
    #[error("level {level}: {detail}")]
    InvalidLevel {
        /// The level (0 is the largest).
        level: u32,
        /// What is wrong.
        detail: String,
    },
    /// The transcoder rejected the data of one image: a corrupt UASTC block
    /// or ETC1S slice.
    #[error(
        "level {level}, layer {layer}, face {face}: the {source_codec} data could not be transcoded to {target} (corrupt block or slice)"
    )]
    Transcode {
        /// The level.
        level: u32,
        /// The array layer.
        layer: u32,
        /// The cube face (0 unless a cube map).
        face: u32,
        /// `"UASTC"` or `"ETC1S"`.
        source_codec: &'static str,
        /// The GPU format asked for.
        target: &'static str,
    },
    /// The transcoded level would be larger than the configured limit.
    #[error("level {level}: transcoding would produce {bytes} bytes, above the limit of {limit}")]
    OutputTooLarge {
        /// The level.
        level: u32,
        /// Bytes the transcode would produce.
        bytes: u64,
        /// The limit in force.
        limit: u64,
    },
    /// A level given to the encoder is empty or its data has the wrong size.
    #[error("cannot encode a {width}x{height} level holding {actual} bytes: {detail}")]
    EncodeInput {
        /// Width of the level.
        width: u32,
        /// Height of the level.
        height: u32,
        /// Bytes the level holds.
        actual: usize,
        /// What is wrong.
        detail: String,
    },
    /// The UASTC encoder failed, or its output was not what it should be.
    #[error("UASTC encoding failed: {0}")]
    Encode(String),
}
