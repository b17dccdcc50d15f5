//! The data format descriptor of a UASTC texture.

use crate::texture::ktx2::dfd::{
    BasicDfd, COLOR_MODEL_UASTC, DfdSample, PRIMARIES_BT709, TRANSFER_LINEAR, TRANSFER_SRGB,
};

/// `KHR_DF_CHANNEL_UASTC_RGB`.
const CHANNEL_RGB: u8 = 0;
/// `KHR_DF_CHANNEL_UASTC_RGBA`.
const CHANNEL_RGBA: u8 = 3;

/// The basic DFD of a UASTC 4×4 texture, as libktx writes it: colour model
/// UASTC (166), BT.709 primaries, the sRGB or linear transfer function,
/// 4×4 texel blocks of 16 bytes, and one 128-bit sample whose channel says
/// whether the blocks carry alpha (RGBA) or not (RGB).
///
/// Give it to [`Ktx2Writer::dfd`](crate::texture::ktx2::Ktx2Writer::dfd) with
/// [`VkFormat::Undefined`](crate::texture::ktx2::VkFormat::Undefined).
pub fn uastc_dfd(srgb: bool, has_alpha: bool) -> BasicDfd {
    let mut bytes_planes = [0u8; 8];
    bytes_planes[0] = 16;
    BasicDfd {
        color_model: COLOR_MODEL_UASTC,
        color_primaries: PRIMARIES_BT709,
        transfer_function: if srgb { TRANSFER_SRGB } else { TRANSFER_LINEAR },
        flags: 0,
        texel_block_dimensions: [4, 4, 1, 1],
        bytes_planes,
        samples: vec![DfdSample {
            bit_offset: 0,
            bit_length: 128,
            channel_id: if has_alpha { CHANNEL_RGBA } else { CHANNEL_RGB },
            qualifiers: 0,
            lower: 0,
            upper: u32::MAX,
        }],
    }
}
