//! The ASTC quality tests decode with `texture2ddecoder`, whose decoder does
//! not know about the sRGB profile. This checks it against ARM's reference
//! decoder (inside `astcenc`) on real corpus images, every block size, both
//! profiles: the two must agree within one 8-bit step on every channel, so
//! PSNR measured with `texture2ddecoder` is what a GPU shows.

mod common;

use amsp_formats::texture::encode::{AstcBlock, EncodeQuality, TextureEncoding, encode_level_as};
use amsp_formats::texture::source::{ImageLimits, MipLevel, PixelFormat, decode_image};
use astcenc_rs::{ConfigBuilder, Context, Extents, Profile, Swizzle};
use common::decode;

const IMAGES: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/textures/images/");

/// Decodes `blocks` with astcenc's own decoder in the given profile.
fn reference_decode(blocks: &[u8], block: AstcBlock, srgb: bool, w: u32, h: u32) -> Vec<u8> {
    let (x, y) = block.size();
    let profile = if srgb { Profile::LdrSrgb } else { Profile::LdrRgba };
    let config =
        ConfigBuilder::new().with_profile(profile).with_block_size(Extents::new(x, y)).build();
    let mut context = Context::with_threads(1, config.unwrap()).unwrap();
    let image = context.decompress::<u8>(blocks, Extents::new(w, h), Swizzle::rgba()).unwrap();
    image.data.into_iter().next().unwrap()
}

#[test]
fn texture2ddecoder_matches_the_reference_decoder_within_one_step() {
    // A drawing, an image with complex alpha, flat UI art and a photo-like
    // colour test chart; two have sides that are not multiples of any block.
    let names =
        ["fist.png", "alpha_complex.png", "midikeys.png", "test_gimp_AdobeRGB8_100x100.png"];
    for name in names {
        let path = format!("{IMAGES}{name}");
        let bytes =
            std::fs::read(&path).unwrap_or_else(|e| panic!("test corpus missing: {path}: {e}"));
        let image = decode_image(&bytes, Some("png"), &ImageLimits::default()).unwrap();
        assert_eq!(image.format, PixelFormat::Rgba8, "{name}");
        let level = MipLevel { width: image.width, height: image.height, data: image.data };
        let (w, h) = (level.width, level.height);
        for block in AstcBlock::ALL {
            for srgb in [false, true] {
                let encoding = TextureEncoding::Astc(block);
                let blocks = encode_level_as(
                    &level,
                    PixelFormat::Rgba8,
                    encoding,
                    EncodeQuality::Fast,
                    srgb,
                )
                .unwrap();
                let ours = decode(encoding, &blocks, w, h);
                let reference = reference_decode(&blocks, block, srgb, w, h);
                assert_eq!(ours.len(), reference.len());
                let worst = ours.iter().zip(&reference).map(|(a, b)| a.abs_diff(*b)).max();
                // Measured: 1 at most, on 1–12% of channels (rounding of
                // the 16-bit interpolation result).
                assert!(
                    worst <= Some(1),
                    "{name} {block} srgb={srgb}: decoders differ by {worst:?}"
                );
                // And the blocks decode to the image, not to something else.
                let close = ours.iter().zip(&level.data).filter(|(a, b)| a.abs_diff(**b) <= 32);
                assert!(close.count() * 10 >= ours.len() * 9, "{name} {block} srgb={srgb}");
            }
        }
    }
}
