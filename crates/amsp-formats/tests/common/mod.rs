//! Helpers shared by the texture encoding tests.

#[path = "ktx2_decode.rs"]
#[allow(dead_code, reason = "only the texture2ddecoder path is used here")]
mod ktx2_decode;

use amsp_formats::texture::encode::TextureEncoding;

/// Decodes `blocks` with texture2ddecoder into RGBA8. Its ASTC decoder has
/// no sRGB profile; `texture_encode_astc_decoders.rs` shows it within one
/// step of ARM's reference decoder in both profiles.
pub fn decode(encoding: TextureEncoding, blocks: &[u8], width: u32, height: u32) -> Vec<u8> {
    let format = encoding.vk_format(false);
    ktx2_decode::decode(ktx2_decode::Decoder::Texture2d, format, blocks, width, height)
        .unwrap_or_else(|e| panic!("{encoding:?}: {e}"))
        .rgba
}
