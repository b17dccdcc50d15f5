//! Helpers shared by the texture encoding tests.

use amsp_formats::texture::encode::TextureEncoding;

/// Decodes `blocks` with texture2ddecoder into RGBA8. Its ASTC decoder has
/// no sRGB profile; `texture_encode_astc_decoders.rs` shows it within one
/// step of ARM's reference decoder in both profiles.
pub fn decode(encoding: TextureEncoding, blocks: &[u8], width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let mut image = vec![0u32; w * h];
    let result = match encoding {
        TextureEncoding::Bc1 => texture2ddecoder::decode_bc1(blocks, w, h, &mut image),
        TextureEncoding::Bc3 => texture2ddecoder::decode_bc3(blocks, w, h, &mut image),
        TextureEncoding::Bc4 => texture2ddecoder::decode_bc4(blocks, w, h, &mut image),
        TextureEncoding::Bc5 => texture2ddecoder::decode_bc5(blocks, w, h, &mut image),
        TextureEncoding::Bc6h => texture2ddecoder::decode_bc6(blocks, w, h, &mut image, false),
        TextureEncoding::Bc7 => texture2ddecoder::decode_bc7(blocks, w, h, &mut image),
        TextureEncoding::Astc(block) | TextureEncoding::AstcNormal(block) => {
            let (bw, bh) = block.size();
            texture2ddecoder::decode_astc(blocks, w, h, bw as usize, bh as usize, &mut image)
        }
        _ => return blocks.to_vec(),
    };
    result.unwrap();
    // texture2ddecoder packs texels as little-endian BGRA.
    image
        .iter()
        .flat_map(|t| {
            let [b, g, r, a] = t.to_le_bytes();
            [r, g, b, a]
        })
        .collect()
}
