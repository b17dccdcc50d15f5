//! OpenEXR sources, decoded by the `image` crate into 32-bit float RGBA.

use std::io::Cursor;

use amsp_cook::ImportError;
use image::{ColorType, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::texture::source::{ImageLimits, PixelFormat, SourceImage};

/// Decodes an OpenEXR file (its first RGBA layer) into a
/// [`PixelFormat::RgbaF32`] image, checking the header's dimensions against
/// `limits` before any pixel is decoded.
pub(super) fn decode_exr(bytes: &[u8], limits: &ImageLimits) -> Result<SourceImage, ImportError> {
    let fail = |e: image::ImageError| ImportError::new(format!("not a valid OpenEXR image: {e}"));
    let reader = |max_pixels: u64| {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::OpenExr);
        let mut decoder_limits = Limits::default();
        decoder_limits.max_image_width = Some(limits.max_dimension);
        decoder_limits.max_image_height = Some(limits.max_dimension);
        // Room for the decoded f32 RGBA pixels and one conversion copy.
        decoder_limits.max_alloc = Some(max_pixels.saturating_mul(16 * 2).max(1 << 20));
        reader.limits(decoder_limits);
        reader
    };
    let (width, height) = reader(limits.max_pixels).into_dimensions().map_err(fail)?;
    if width == 0 || height == 0 {
        return Err(ImportError::new(format!("OpenEXR image has zero size ({width}x{height})")));
    }
    if width > limits.max_dimension || height > limits.max_dimension {
        return Err(ImportError::new(format!(
            "dimensions {width}x{height} exceed the limit of {}",
            limits.max_dimension
        )));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(ImportError::new(format!(
            "{width}x{height} is {pixels} pixels, more than the limit of {}",
            limits.max_pixels
        )));
    }
    let decoder = reader(pixels).into_decoder().map_err(fail)?;
    let source_channels = match decoder.color_type() {
        ColorType::L8 | ColorType::L16 => 1,
        ColorType::La8 | ColorType::La16 => 2,
        ColorType::Rgb8 | ColorType::Rgb16 | ColorType::Rgb32F => 3,
        _ => 4,
    };
    let image = image::DynamicImage::from_decoder(decoder).map_err(fail)?.into_rgba32f();
    if image.dimensions() != (width, height) {
        return Err(ImportError::new(format!(
            "OpenEXR header says {width}x{height} but {}x{} was decoded",
            image.width(),
            image.height()
        )));
    }
    let has_alpha = image.pixels().any(|p| p.0[3] < 1.0);
    let data = image.into_raw().into_iter().flat_map(f32::to_le_bytes).collect();
    Ok(SourceImage {
        width,
        height,
        format: PixelFormat::RgbaF32,
        has_alpha,
        source_channels,
        data,
    })
}
