//! Synthetic source textures for benchmarks and the demo: PNG files with
//! the content of real game textures (smooth colour with detail, tangent-
//! space normal maps from a height field, single-channel masks), generated
//! from a seed so that every run cooks the same bytes.

use std::io;
use std::path::{Path, PathBuf};

/// What a synthetic texture holds, and so how the cook treats it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextureKind {
    /// sRGB colour with alpha (cooked to BC7 sRGB).
    Color,
    /// A tangent-space normal map, named `*_normal.png` (cooked to BC5).
    Normal,
    /// A one-channel grey mask, with a sidecar making it linear data
    /// (cooked to BC4).
    Mask,
}

/// One generated texture.
#[derive(Clone, Debug)]
pub struct SyntheticTexture {
    /// The PNG file.
    pub path: PathBuf,
    /// Its path relative to the source folder, as the catalog names it.
    pub asset_path: String,
    /// What it holds.
    pub kind: TextureKind,
    /// Width and height in pixels.
    pub size: u32,
    /// The PNG file's length.
    pub png_bytes: u64,
}

/// Xorshift noise: cheap, seeded, good enough for texture detail.
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

/// A smooth height field in 0..1 from a few octaves of sine waves.
fn height(x: f32, y: f32, seed: f32) -> f32 {
    let mut h = 0.0;
    let mut amplitude = 0.5;
    let mut frequency = 3.0;
    for octave in 0..4 {
        let phase = seed + octave as f32 * 1.7;
        h += amplitude * ((x * frequency + phase).sin() * (y * frequency * 1.3 - phase).cos());
        amplitude *= 0.5;
        frequency *= 2.1;
    }
    (h * 0.5 + 0.5).clamp(0.0, 1.0)
}

/// The pixels of one texture: RGBA8 for colour and normal maps, grey for masks.
fn pixels(kind: TextureKind, size: u32, seed: u32) -> (Vec<u8>, image::ExtendedColorType) {
    let mut noise = Noise(seed.wrapping_mul(0x9e37_79b9) | 1);
    let s = seed as f32 * 0.37;
    let inv = std::f32::consts::TAU / size as f32;
    let mut data = Vec::with_capacity((size * size * 4) as usize);
    for y in 0..size {
        for x in 0..size {
            let (fx, fy) = (x as f32 * inv, y as f32 * inv);
            let grain = (noise.next() & 15) as f32 / 255.0;
            match kind {
                TextureKind::Color => {
                    let h = height(fx, fy, s);
                    let r = (0.25 + 0.6 * h + grain).min(1.0);
                    let g = (0.2 + 0.5 * height(fy, fx, s + 1.0) + grain).min(1.0);
                    let b = (0.15 + 0.4 * (1.0 - h)).min(1.0);
                    let a = if h > 0.2 { 1.0 } else { h * 5.0 };
                    data.extend([r, g, b, a].map(|c| (c * 255.0 + 0.5) as u8));
                }
                TextureKind::Normal => {
                    let e = inv;
                    let dx = height(fx + e, fy, s) - height(fx - e, fy, s);
                    let dy = height(fx, fy + e, s) - height(fx, fy - e, s);
                    let (nx, ny, nz) = (-dx * 8.0, -dy * 8.0, 1.0f32);
                    let len = (nx * nx + ny * ny + nz * nz).sqrt();
                    let n = [nx / len, ny / len, nz / len].map(|v| ((v * 0.5 + 0.5) * 255.0) as u8);
                    data.extend([n[0], n[1], n[2], 255]);
                }
                TextureKind::Mask => {
                    data.push(((height(fx, fy, s) + grain).min(1.0) * 255.0) as u8);
                }
            }
        }
    }
    let color = match kind {
        TextureKind::Mask => image::ExtendedColorType::L8,
        _ => image::ExtendedColorType::Rgba8,
    };
    (data, color)
}

/// Writes `count` PNG textures of `size`×`size` pixels under `dir/textures/`:
/// half colour, a quarter normal maps, a quarter masks (at least one colour
/// texture). Masks get a `.meta` sidecar that makes them linear data.
///
/// # Errors
/// When a file cannot be written or a PNG cannot be encoded.
pub fn write_textures(dir: &Path, count: usize, size: u32) -> io::Result<Vec<SyntheticTexture>> {
    let folder = dir.join("textures");
    std::fs::create_dir_all(&folder)?;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let kind = match i % 4 {
            1 => TextureKind::Normal,
            3 => TextureKind::Mask,
            _ => TextureKind::Color,
        };
        let name = match kind {
            TextureKind::Color => format!("albedo_{i:03}.png"),
            TextureKind::Normal => format!("rock_{i:03}_normal.png"),
            TextureKind::Mask => format!("roughness_{i:03}.png"),
        };
        let (data, color) = pixels(kind, size, i as u32 + 1);
        let png = encode_png(&data, size, size, color)?;
        let path = folder.join(&name);
        std::fs::write(&path, &png)?;
        if kind == TextureKind::Mask {
            let id = amsp_core::AssetId::from_u128(0x7e47_0000_0000 + i as u128);
            let meta = format!(r#"(id: "{id}", settings: {{"role": "linear"}})"#);
            std::fs::write(path.with_extension("png.meta"), meta)?;
        }
        out.push(SyntheticTexture {
            path,
            asset_path: format!("textures/{name}"),
            kind,
            size,
            png_bytes: png.len() as u64,
        });
    }
    Ok(out)
}

/// Encodes pixels of `color` layout as a PNG file.
///
/// # Errors
/// When the pixel buffer does not match the size and layout.
pub fn encode_png(
    pixels: &[u8],
    width: u32,
    height: u32,
    color: image::ExtendedColorType,
) -> io::Result<Vec<u8>> {
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        pixels,
        width,
        height,
        color,
    )
    .map_err(io::Error::other)?;
    Ok(png)
}

/// A `side`×`side` opaque RGBA image of gradients and noise as PNG bytes:
/// neither flat blocks nor pure noise for an encoder. `seed` varies it (0:
/// the benches' reference image).
///
/// # Errors
/// When the PNG encoder fails.
pub fn gradient_noise_png(side: u32, seed: u32) -> io::Result<Vec<u8>> {
    let mut state = 0x9e37_79b9_u32 ^ seed;
    let mut pixels = Vec::with_capacity(side as usize * side as usize * 4);
    for y in 0..side {
        for x in 0..side {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state & 15) as u8;
            pixels.extend_from_slice(&[
                (x / 8) as u8 ^ noise,
                (y / 8) as u8 ^ seed as u8,
                ((x + y) / 16) as u8 ^ (noise << 1),
                255,
            ]);
        }
    }
    encode_png(&pixels, side, side, image::ExtendedColorType::Rgba8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textures_are_written_with_their_kinds_and_sidecars() {
        let dir = tempfile::tempdir().unwrap();
        let textures = write_textures(dir.path(), 4, 32).unwrap();
        let kinds: Vec<TextureKind> = textures.iter().map(|t| t.kind).collect();
        use TextureKind::*;
        assert_eq!(kinds, [Color, Normal, Color, Mask]);
        for t in &textures {
            let decoded = image::load_from_memory(&std::fs::read(&t.path).unwrap()).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (32, 32));
            assert_eq!(t.kind == Mask, decoded.color() == image::ColorType::L8);
        }
        assert!(dir.path().join("textures/roughness_003.png.meta").is_file());
        // The same seed gives the same bytes.
        let again = write_textures(&dir.path().join("again"), 4, 32).unwrap();
        for (a, b) in textures.iter().zip(&again) {
            assert_eq!(std::fs::read(&a.path).unwrap(), std::fs::read(&b.path).unwrap());
        }
    }
}
