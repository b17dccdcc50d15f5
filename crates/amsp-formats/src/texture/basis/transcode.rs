//! Transcoding the levels of a Basis Universal KTX2 texture.

use basisu::dispatch;

use super::etc1s::Etc1sGlobalData;
use super::{BasisError, TextureTarget};
use crate::texture::ktx2::dfd::{COLOR_MODEL_ETC1S, COLOR_MODEL_UASTC};
use crate::texture::ktx2::{Ktx2Texture, Supercompression, VkFormat};

/// The largest width or height Basis Universal supports (and the transcoder
/// is written for: its block and texel counts are 32-bit).
pub const MAX_DIMENSION: u32 = 16384;
/// The default bound on the bytes one transcoded level may take (1 GiB).
pub const DEFAULT_MAX_OUTPUT_BYTES: u64 = 1 << 30;

/// UASTC DFD channel ids that carry alpha: RGBA (3) and RRRG (5).
const UASTC_CHANNELS_WITH_ALPHA: [u8; 2] = [3, 5];
const UASTC_BLOCK_BYTES: u64 = 16;

/// One transcoded level: every layer and face of it, in one GPU format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscodedLevel {
    /// The level (0 is the largest).
    pub level: u32,
    /// The format of [`data`](Self::data): sRGB when the texture's DFD says so.
    pub format: VkFormat,
    /// Width of the level in texels.
    pub width: u32,
    /// Height of the level in texels.
    pub height: u32,
    /// Images in [`data`](Self::data): layers × faces.
    pub images: u32,
    /// The images one after another, layer-major then face, as a KTX2 level
    /// of [`format`](Self::format) stores them.
    pub data: Vec<u8>,
}

impl TranscodedLevel {
    /// Bytes of one image (one layer and face).
    pub fn image_size(&self) -> usize {
        self.data.len() / self.images.max(1) as usize
    }
}

/// The two Basis Universal codecs.
enum Codec {
    /// UASTC LDR 4×4: 16 bytes per block, stored as is or zstd-compressed.
    Uastc,
    /// ETC1S with BasisLZ: codebooks in the global data, slices per image.
    Etc1s(Box<Etc1sGlobalData>),
}

/// A Basis Universal texture prepared for transcoding: the container checked
/// and, for ETC1S, the codebooks decoded once for all levels.
///
/// ```
/// use amsp_formats::texture::basis::{BasisTranscoder, TextureTarget};
/// use amsp_formats::texture::ktx2::{Ktx2Texture, TextureLimits, VkFormat};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/textures/ktx2-valid/rgba-mipmap-reference-basis.ktx2");
/// # let bytes = std::fs::read(path)?;
/// let ktx = Ktx2Texture::parse(&bytes, &TextureLimits::default())?;
/// let transcoder = BasisTranscoder::new(&ktx)?;
/// // Only the three smallest levels, as a streaming loader would.
/// for level in (ktx.levels() - 3)..ktx.levels() {
///     let mip = transcoder.transcode_level(level, TextureTarget::Desktop)?;
///     assert_eq!(mip.format, VkFormat::Bc7Srgb);
/// }
/// # Ok(())
/// # }
/// ```
pub struct BasisTranscoder<'t, 'a> {
    ktx: &'t Ktx2Texture<'a>,
    codec: Codec,
    has_alpha: bool,
    max_output_bytes: u64,
}

impl std::fmt::Debug for BasisTranscoder<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasisTranscoder")
            .field("codec", &self.codec_name())
            .field("has_alpha", &self.has_alpha)
            .field("max_output_bytes", &self.max_output_bytes)
            .finish_non_exhaustive()
    }
}

impl<'t, 'a> BasisTranscoder<'t, 'a> {
    /// Checks that `ktx` holds Basis Universal data AMSP can transcode and
    /// decodes the ETC1S codebooks if it is ETC1S.
    ///
    /// # Errors
    ///
    /// [`BasisError::NotBasis`] for other formats, [`BasisError::Unsupported`]
    /// for a 3D texture, one larger than [`MAX_DIMENSION`], ETC1S video or
    /// UASTC with a supercompression other than none or zstd, and
    /// [`BasisError::InvalidGlobalData`] for malformed ETC1S global data.
    pub fn new(ktx: &'t Ktx2Texture<'a>) -> Result<Self, BasisError> {
        let dfd = ktx.dfd();
        let not_basis =
            BasisError::NotBasis { vk_format: ktx.vk_format(), color_model: dfd.color_model };
        if ktx.vk_format() != 0 {
            return Err(not_basis);
        }
        let (width, height, depth) = ktx.dimensions();
        if ktx.header().pixel_depth > 0 || ktx.header().pixel_height == 0 {
            return Err(BasisError::Unsupported(format!(
                "{width}×{height}×{depth}: only 2D textures, arrays and cube maps are transcoded"
            )));
        }
        if width > MAX_DIMENSION || height > MAX_DIMENSION {
            return Err(BasisError::Unsupported(format!(
                "{width}×{height} is larger than Basis Universal's {MAX_DIMENSION}×{MAX_DIMENSION}"
            )));
        }
        if ktx.key_value("KTXanimData").is_some() {
            return Err(BasisError::Unsupported(
                "ETC1S video (KTXanimData) is not supported".into(),
            ));
        }
        let (codec, has_alpha) = match (dfd.color_model, ktx.supercompression()) {
            (COLOR_MODEL_UASTC, Supercompression::None | Supercompression::Zstd) => {
                let channel = dfd.samples.first().map_or(0, |s| s.channel_id);
                (Codec::Uastc, UASTC_CHANNELS_WITH_ALPHA.contains(&channel))
            }
            (COLOR_MODEL_UASTC, other) => {
                return Err(BasisError::Unsupported(format!(
                    "UASTC with supercompression scheme {}; only none (0) and zstd (2) are defined",
                    other.raw()
                )));
            }
            (COLOR_MODEL_ETC1S, Supercompression::BasisLz) => {
                // ETC1S stores a second (alpha) slice when the DFD has two samples.
                let has_alpha = dfd.samples.len() == 2;
                let lengths: Vec<u64> =
                    ktx.level_index().iter().map(|entry| entry.byte_length).collect();
                let global = Etc1sGlobalData::parse(
                    ktx.supercompression_global_data(),
                    &lengths,
                    ktx.layers(),
                    ktx.faces(),
                    has_alpha,
                )?;
                (Codec::Etc1s(Box::new(global)), has_alpha)
            }
            (COLOR_MODEL_ETC1S, other) => {
                return Err(BasisError::Unsupported(format!(
                    "ETC1S must be BasisLZ-supercompressed (scheme 1), not scheme {}",
                    other.raw()
                )));
            }
            _ => return Err(not_basis),
        };
        Ok(BasisTranscoder { ktx, codec, has_alpha, max_output_bytes: DEFAULT_MAX_OUTPUT_BYTES })
    }

    /// Sets the largest number of bytes one transcoded level may take
    /// (default [`DEFAULT_MAX_OUTPUT_BYTES`]). ETC1S is far smaller than
    /// what it transcodes to, so the file's size does not bound the output.
    #[must_use]
    pub fn max_output_bytes(mut self, limit: u64) -> Self {
        self.max_output_bytes = limit;
        self
    }

    /// Whether the texture carries alpha (for UASTC, per its DFD channel; for
    /// ETC1S, whether it stores an alpha slice).
    pub fn has_alpha(&self) -> bool {
        self.has_alpha
    }

    /// `"UASTC"` or `"ETC1S"`.
    pub fn codec_name(&self) -> &'static str {
        match self.codec {
            Codec::Uastc => "UASTC",
            Codec::Etc1s(_) => "ETC1S",
        }
    }

    /// The `VkFormat` every level transcodes to for `target`.
    pub fn format(&self, target: TextureTarget) -> VkFormat {
        target.vk_format(self.has_alpha, self.ktx.is_srgb())
    }

    /// Transcodes every layer and face of `level` to `target`.
    ///
    /// # Errors
    ///
    /// [`BasisError::Ktx2`] if the level does not exist or its zstd data is
    /// corrupt, [`BasisError::InvalidLevel`] if a UASTC level has the wrong
    /// size, [`BasisError::OutputTooLarge`] above the output limit, and
    /// [`BasisError::Transcode`] for a block or slice the transcoder rejects.
    pub fn transcode_level(
        &self,
        level: u32,
        target: TextureTarget,
    ) -> Result<TranscodedLevel, BasisError> {
        self.transcode_stored_level(level, self.ktx.raw_level(level)?, target)
    }

    /// Transcodes every layer and face of `level` to `target`, taking the
    /// level's data from `stored` (the bytes that start at its `byteOffset`,
    /// as a cooked texture's level chunk holds them) instead of the parsed
    /// buffer: for textures parsed with
    /// [`Ktx2Texture::parse_header`], whose levels are read one by one.
    ///
    /// # Errors
    ///
    /// As [`transcode_level`](Self::transcode_level), and
    /// [`BasisError::Ktx2`] when `stored` is shorter than the level.
    pub fn transcode_stored_level(
        &self,
        level: u32,
        stored: &[u8],
        target: TextureTarget,
    ) -> Result<TranscodedLevel, BasisError> {
        let raw = self.ktx.stored_level(level, stored)?;
        let (width, height, _) = self.ktx.dimensions();
        let (lw, lh) = ((width >> level).max(1), (height >> level).max(1));
        let (bx, by) = (lw.div_ceil(4), lh.div_ceil(4));
        let (images, image_size, bytes) = self.output_size(level, target)?;
        let faces = self.ktx.faces();
        let image_size = image_size as usize;
        let mut data = vec![0u8; bytes as usize];
        let fmt = target.transcoder_format(self.has_alpha).as_i32();
        let fail = |layer: u32, face: u32| BasisError::Transcode {
            level,
            layer,
            face,
            source_codec: self.codec_name(),
            target: target.name(self.has_alpha),
        };

        match &self.codec {
            Codec::Uastc => {
                let blocks = self.ktx.decode_stored_level(level, raw)?;
                let block_bytes = u64::from(bx) * u64::from(by) * UASTC_BLOCK_BYTES;
                let expected = block_bytes * u64::from(images);
                if blocks.len() as u64 != expected {
                    return Err(BasisError::InvalidLevel {
                        level,
                        detail: format!(
                            "{} bytes of UASTC data, but {images} images of {bx}×{by} blocks need {expected}",
                            blocks.len()
                        ),
                    });
                }
                let inputs = blocks.chunks_exact(block_bytes as usize);
                for (i, (input, out)) in inputs.zip(data.chunks_exact_mut(image_size)).enumerate() {
                    let i = i as u32;
                    dispatch::transcode_uastc(input, self.has_alpha, bx, by, lw, lh, fmt, 0, out)
                        .ok_or_else(|| fail(i / faces, i % faces))?;
                }
            }
            Codec::Etc1s(global) => {
                for (i, out) in data.chunks_exact_mut(image_size).enumerate() {
                    let (layer, face) = (i as u32 / faces, i as u32 % faces);
                    let slices = global.image(level, layer, face).ok_or_else(|| {
                        BasisError::InvalidGlobalData(format!(
                            "no image descriptor for level {level}, layer {layer}, face {face}"
                        ))
                    })?;
                    let rgb = &raw[slices.rgb.clone()];
                    let alpha = slices.alpha.clone().map(|range| &raw[range]);
                    dispatch::transcode_etc1s(
                        &global.decoder,
                        rgb,
                        alpha,
                        bx,
                        by,
                        lw,
                        lh,
                        fmt,
                        0,
                        None,
                        out,
                    )
                    .ok_or_else(|| fail(layer, face))?;
                }
            }
        }
        Ok(TranscodedLevel {
            level,
            format: self.format(target),
            width: lw,
            height: lh,
            images,
            data,
        })
    }

    /// The bytes `level` takes transcoded for `target` (every layer and
    /// face), checked against the output limit.
    ///
    /// # Errors
    ///
    /// [`BasisError::Unsupported`] when layers × faces overflow,
    /// [`BasisError::OutputTooLarge`] above the output limit.
    pub fn output_len(&self, level: u32, target: TextureTarget) -> Result<u64, BasisError> {
        Ok(self.output_size(level, target)?.2)
    }

    /// The level's bytes as stored, cut from `stored` (its chunk) by the
    /// level index.
    pub(crate) fn stored_level<'b>(
        &self,
        level: u32,
        stored: &'b [u8],
    ) -> Result<&'b [u8], BasisError> {
        Ok(self.ktx.stored_level(level, stored)?)
    }

    /// Images (layers × faces), bytes of one image and bytes in all of
    /// `level` transcoded for `target`.
    fn output_size(
        &self,
        level: u32,
        target: TextureTarget,
    ) -> Result<(u32, u64, u64), BasisError> {
        let (width, height, _) = self.ktx.dimensions();
        let (lw, lh) = ((width >> level).max(1), (height >> level).max(1));
        let (layers, faces) = (self.ktx.layers(), self.ktx.faces());
        // Bounded by `TextureLimits::max_layers`, which a caller may raise.
        let images = layers.checked_mul(faces).ok_or_else(|| {
            BasisError::Unsupported(format!(
                "{layers} layers × {faces} faces do not fit in 32 bits"
            ))
        })?;
        let image_size = target.image_size(self.has_alpha, lw, lh);
        let bytes = image_size.saturating_mul(u64::from(images));
        if bytes > self.max_output_bytes {
            return Err(BasisError::OutputTooLarge { level, bytes, limit: self.max_output_bytes });
        }
        Ok((images, image_size, bytes))
    }

    /// Transcodes every level, level 0 first.
    ///
    /// # Errors
    ///
    /// As [`transcode_level`](Self::transcode_level), for the first level
    /// that fails.
    pub fn transcode_all(&self, target: TextureTarget) -> Result<Vec<TranscodedLevel>, BasisError> {
        (0..self.ktx.levels()).map(|level| self.transcode_level(level, target)).collect()
    }
}

/// Transcodes every layer and face of one level of a Basis Universal texture.
///
/// For several levels of one ETC1S texture, a [`BasisTranscoder`] decodes the
/// codebooks once instead of once per call.
///
/// # Errors
///
/// As [`BasisTranscoder::new`] and [`BasisTranscoder::transcode_level`].
pub fn transcode_level(
    ktx: &Ktx2Texture<'_>,
    level: u32,
    target: TextureTarget,
) -> Result<TranscodedLevel, BasisError> {
    BasisTranscoder::new(ktx)?.transcode_level(level, target)
}

/// Transcodes every level of a Basis Universal texture, level 0 first.
///
/// # Errors
///
/// As [`BasisTranscoder::new`] and [`BasisTranscoder::transcode_level`].
pub fn transcode_texture(
    ktx: &Ktx2Texture<'_>,
    target: TextureTarget,
) -> Result<Vec<TranscodedLevel>, BasisError> {
    BasisTranscoder::new(ktx)?.transcode_all(target)
}
