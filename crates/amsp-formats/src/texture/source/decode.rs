//! Decoding source image files into [`SourceImage`]s.

use std::io::{Cursor, ErrorKind};

use image::error::ImageError;
use image::{ColorType, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::{ImageImportError, ImageLimits, PixelFormat, SourceImage};

/// Formats this module decodes (the `image` features the crate enables).
const SUPPORTED: [ImageFormat; 6] = [
    ImageFormat::Png,
    ImageFormat::Jpeg,
    ImageFormat::Bmp,
    ImageFormat::Tga,
    ImageFormat::Gif,
    ImageFormat::Hdr,
];

/// Decodes a PNG, JPEG, BMP, TGA, GIF (first frame) or Radiance HDR image.
///
/// `hint` is the file's extension (`"png"`, `"JPG"`, …). When it names a
/// supported format the bytes are decoded as that format; otherwise (or when
/// it is `None`) the format is recognised from the leading bytes. TGA has no
/// signature, so TGA files need the hint.
///
/// The dimensions are read from the header first and checked against
/// `limits`; the decoder is also given `limits` so that it never allocates
/// more than an image of the allowed size needs.
///
/// Low-dynamic-range images become [`PixelFormat::Rgba8`], 16-bit ones
/// [`PixelFormat::Rgba16`], HDR ones [`PixelFormat::RgbaF32`].
///
/// # Errors
///
/// [`ImageImportError::UnknownFormat`] when the format cannot be told,
/// [`ImageImportError::DimensionsTooLarge`] / [`ImageImportError::TooManyPixels`]
/// when the header exceeds `limits`, [`ImageImportError::Empty`] for a 0-pixel
/// image, and [`ImageImportError::Truncated`], [`ImageImportError::Malformed`],
/// [`ImageImportError::Unsupported`] or [`ImageImportError::LimitExceeded`]
/// when the decoder fails.
pub fn decode_image(
    bytes: &[u8],
    hint: Option<&str>,
    limits: &ImageLimits,
) -> Result<SourceImage, ImageImportError> {
    let format = detect_format(bytes, hint)?;
    let name = format_name(format);

    let (width, height) = match reader(bytes, format, limits, limits.max_pixels).into_dimensions() {
        Ok(dimensions) => dimensions,
        // Some decoders (PNG) check the header against the limits themselves.
        // Read the header again without them, only to say which limit the
        // dimensions break; no pixel is decoded either way.
        Err(ImageError::Limits(e)) => {
            let mut probe = ImageReader::with_format(Cursor::new(bytes), format);
            probe.no_limits();
            let (width, height) = probe.into_dimensions().map_err(|e| map_error(name, e))?;
            check_limits(name, width, height, limits)?;
            return Err(map_error(name, ImageError::Limits(e)));
        }
        Err(e) => return Err(map_error(name, e)),
    };
    check_limits(name, width, height, limits)?;

    let decoder = reader(bytes, format, limits, u64::from(width) * u64::from(height))
        .into_decoder()
        .map_err(|e| map_error(name, e))?;
    let color = decoder.color_type();
    let image = DynamicImage::from_decoder(decoder).map_err(|e| map_error(name, e))?;
    if (image.width(), image.height()) != (width, height) {
        return Err(ImageImportError::Malformed {
            format: name,
            message: format!(
                "header says {width}x{height} but decoded {}x{}",
                image.width(),
                image.height()
            ),
        });
    }

    let source_channels = color.channel_count();
    let (format, has_alpha, data) = match color {
        ColorType::Rgb32F | ColorType::Rgba32F => {
            let pixels = image.into_rgba32f().into_raw();
            let has_alpha = pixels.chunks_exact(4).any(|p| p[3] < 1.0);
            let data = pixels.iter().flat_map(|v| v.to_le_bytes()).collect();
            (PixelFormat::RgbaF32, has_alpha, data)
        }
        ColorType::L16 | ColorType::La16 | ColorType::Rgb16 | ColorType::Rgba16 => {
            let pixels = image.into_rgba16().into_raw();
            let has_alpha = pixels.chunks_exact(4).any(|p| p[3] < u16::MAX);
            let data = pixels.iter().flat_map(|v| v.to_le_bytes()).collect();
            (PixelFormat::Rgba16, has_alpha, data)
        }
        _ => {
            let data = image.into_rgba8().into_raw();
            let has_alpha = data.chunks_exact(4).any(|p| p[3] < u8::MAX);
            (PixelFormat::Rgba8, has_alpha, data)
        }
    };
    Ok(SourceImage { width, height, format, has_alpha, source_channels, data })
}

/// Picks the format from the hint, falling back to the leading bytes.
fn detect_format(bytes: &[u8], hint: Option<&str>) -> Result<ImageFormat, ImageImportError> {
    let from_hint = hint
        .and_then(|h| ImageFormat::from_extension(h.trim_start_matches('.')))
        .filter(|f| SUPPORTED.contains(f));
    if let Some(format) = from_hint {
        return Ok(format);
    }
    image::guess_format(bytes)
        .ok()
        .filter(|f| SUPPORTED.contains(f))
        .ok_or_else(|| ImageImportError::UnknownFormat { hint: hint.map(str::to_owned) })
}

/// Bytes a pixel of the largest decoded form, RGBA `f32`.
const BYTES_PER_PIXEL_CAP: u64 = 16;

/// Allowance beyond the pixels for a decoder's palettes, tables and metadata.
const ALLOC_SLACK: u64 = 16 << 20;

/// A reader over `bytes` for `format`, with the decoder limits set.
///
/// The decoder may allocate [`BYTES_PER_PIXEL_CAP`] bytes a pixel for
/// `pixels` pixels (the limit before the header is read, the image's own
/// size after), plus [`ALLOC_SLACK`] for palettes and metadata.
fn reader<'a>(
    bytes: &'a [u8],
    format: ImageFormat,
    limits: &ImageLimits,
    pixels: u64,
) -> ImageReader<Cursor<&'a [u8]>> {
    let mut decoder_limits = Limits::default();
    decoder_limits.max_image_width = Some(limits.max_dimension);
    decoder_limits.max_image_height = Some(limits.max_dimension);
    decoder_limits.max_alloc =
        Some(pixels.saturating_mul(BYTES_PER_PIXEL_CAP).saturating_add(ALLOC_SLACK));
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decoder_limits);
    reader
}

/// Refuses images above the limits or without pixels.
fn check_limits(
    format: &'static str,
    width: u32,
    height: u32,
    limits: &ImageLimits,
) -> Result<(), ImageImportError> {
    if width > limits.max_dimension || height > limits.max_dimension {
        return Err(ImageImportError::DimensionsTooLarge {
            width,
            height,
            max: limits.max_dimension,
        });
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(ImageImportError::TooManyPixels { width, height, max: limits.max_pixels });
    }
    if width == 0 || height == 0 {
        return Err(ImageImportError::Empty { format, width, height });
    }
    Ok(())
}

/// Turns the decoder's error into ours.
fn map_error(format: &'static str, error: ImageError) -> ImageImportError {
    let message = error.to_string();
    match error {
        ImageError::IoError(e) if e.kind() == ErrorKind::UnexpectedEof => {
            ImageImportError::Truncated { format, message }
        }
        ImageError::Unsupported(_) => ImageImportError::Unsupported { format, message },
        ImageError::Limits(_) => ImageImportError::LimitExceeded { format, message },
        _ if message.contains("EOF")
            || message.contains("eof")
            || message.contains("end of file")
            || message.contains("nexpected end") =>
        {
            ImageImportError::Truncated { format, message }
        }
        _ => ImageImportError::Malformed { format, message },
    }
}

/// The name error messages use for `format`.
fn format_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "PNG",
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Bmp => "BMP",
        ImageFormat::Tga => "TGA",
        ImageFormat::Gif => "GIF",
        ImageFormat::Hdr => "Radiance HDR",
        _ => "image",
    }
}
