//! Helpers shared by the Basis Universal tests: the corpus, CPU decoding of
//! the GPU formats the transcoder produces, and PSNR.
#![allow(dead_code, reason = "each test binary uses a different part of these helpers")]

use amsp_formats::texture::ktx2::VkFormat;
use amsp_formats::texture::source::{ImageLimits, PixelFormat, decode_image};

#[path = "../common/corpus.rs"]
mod corpus_files;
#[path = "../common/ktx2_decode.rs"]
mod ktx2_decode;

pub use corpus_files::textures as corpus;

/// Every Basis Universal KTX2 file of the valid corpus: those whose name
/// says `basis` or `uastc`, and any other with vkFormat 0.
pub fn basis_files() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(corpus("ktx2-valid")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".ktx2") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let vk_format = u32::from_le_bytes(bytes[12..16].try_into().unwrap());
        if name.contains("basis") || name.contains("uastc") || vk_format == 0 {
            files.push((name, bytes));
        }
    }
    files.sort();
    assert!(files.len() >= 20, "only {} Basis Universal files in the corpus", files.len());
    files
}

/// A corpus image as 8-bit RGBA.
pub fn image_rgba8(name: &str) -> (u32, u32, Vec<u8>) {
    let path = corpus("images").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
    let image = decode_image(&bytes, ext.as_deref(), &ImageLimits::default()).unwrap();
    assert_eq!(image.format, PixelFormat::Rgba8, "{name} is not an 8-bit image");
    (image.width, image.height, image.data)
}

/// Decodes one image of `format` on the CPU (texture2ddecoder) to RGBA8.
pub fn decode(format: VkFormat, data: &[u8], width: u32, height: u32) -> Vec<u8> {
    ktx2_decode::decode(ktx2_decode::Decoder::Texture2d, format, data, width, height)
        .unwrap_or_else(|e| panic!("{format:?}: {e}"))
        .rgba
}

/// PSNR in dB over the first `channels` channels of two RGBA8 images
/// (infinite when they are equal), and the largest channel difference.
pub fn psnr(a: &[u8], b: &[u8], channels: usize) -> (f64, u8) {
    assert_eq!(a.len(), b.len());
    let (mut sum, mut count, mut max) = (0u64, 0u64, 0u8);
    for (pa, pb) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for c in 0..channels {
            let d = pa[c].abs_diff(pb[c]);
            max = max.max(d);
            sum += u64::from(d) * u64::from(d);
            count += 1;
        }
    }
    if sum == 0 {
        return (f64::INFINITY, 0);
    }
    let mse = sum as f64 / count as f64;
    (10.0 * (255.0 * 255.0 / mse).log10(), max)
}
