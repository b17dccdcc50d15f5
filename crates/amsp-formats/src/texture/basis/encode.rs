//! UASTC encoding of mip levels for the cook, with Binomial's encoder.
//!
//! The encoder is C++ behind `basis-universal`, whose `Compressor::init` and
//! `Compressor::process` are `unsafe fn`s: this module is the one place in
//! the crate that calls them, and says why each call is sound.
#![expect(unsafe_code, reason = "calls the C++ UASTC encoder's two unsafe entry points")]

use basis_universal::sys;
use basis_universal::{BasisTextureFormat, ColorSpace, Compressor, CompressorParams};

use super::basis_file::single_uastc_slice;
use super::{BasisError, MAX_DIMENSION};
use crate::texture::source::MipLevel;

/// How hard the UASTC encoder searches, from fastest to best
/// (Binomial's `cPackUASTCLevel*`; their average PSNR on Binomial's test set
/// runs from about 43.5 dB for `Fastest` to 47.5 dB for `Default`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UastcPackLevel {
    /// 5 modes, no 2- or 3-subset blocks.
    Fastest,
    /// 9 modes, about 3× the time of `Fastest`.
    Faster,
    /// 14 modes, about 5.5× the time of `Fastest`: the usual choice.
    #[default]
    Default,
    /// All modes, about 14.5× the time of `Fastest`.
    Slower,
    /// All modes with exhaustive searches: much slower, marginally better.
    VerySlow,
}

impl UastcPackLevel {
    fn flags(self) -> sys::UastcPackFlags {
        match self {
            UastcPackLevel::Fastest => sys::UastcPackFlags_PackUASTCLevelFastest,
            UastcPackLevel::Faster => sys::UastcPackFlags_PackUASTCLevelFaster,
            UastcPackLevel::Default => sys::UastcPackFlags_PackUASTCLevelDefault,
            UastcPackLevel::Slower => sys::UastcPackFlags_PackUASTCLevelSlower,
            UastcPackLevel::VerySlow => sys::UastcPackFlags_PackUASTCLevelVerySlow,
        }
    }
}

/// The settings of [`encode_uastc_level`]: the search effort and, optionally,
/// rate-distortion optimisation.
///
/// RDO trades quality for blocks that zstd compresses better: `lambda` is
/// Binomial's quality scalar (0.001 to 10; 0.5 to 2 is typical, lower keeps
/// more quality).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct UastcQuality {
    /// The encoder's search effort.
    pub pack_level: UastcPackLevel,
    /// The RDO quality scalar, or `None` for no RDO.
    pub rdo_lambda: Option<f32>,
}

impl UastcQuality {
    /// Settings with this search effort and no RDO.
    pub fn new(pack_level: UastcPackLevel) -> Self {
        UastcQuality { pack_level, rdo_lambda: None }
    }

    /// The same settings with RDO at this quality scalar.
    #[must_use]
    pub fn with_rdo(mut self, lambda: f32) -> Self {
        self.rdo_lambda = Some(lambda);
        self
    }
}

/// Encodes one 8-bit RGBA mip level to UASTC 4×4: the bytes a KTX2 UASTC
/// level holds for one image, 16 per block, blocks row by row,
/// `ceil(w / 4) * ceil(h / 4)` of them.
///
/// `level.data` must hold `width * height` RGBA8 texels (4 bytes each, as
/// [`PixelFormat::Rgba8`](crate::texture::source::PixelFormat::Rgba8)).
/// `srgb` chooses the encoder's perceptual error metric for sRGB colour;
/// pass `false` for linear data such as normal maps. The level is encoded on
/// the calling thread only.
///
/// # Errors
///
/// [`BasisError::EncodeInput`] for an empty level, one larger than
/// [`MAX_DIMENSION`], or data of the wrong size; [`BasisError::Encode`] for an
/// RDO scalar outside 0.001..=10 or an encoder failure.
pub fn encode_uastc_level(
    level: &MipLevel,
    srgb: bool,
    quality: UastcQuality,
) -> Result<Vec<u8>, BasisError> {
    let (width, height) = (level.width, level.height);
    let input_error = |detail: String| {
        Err(BasisError::EncodeInput { width, height, actual: level.data.len(), detail })
    };
    if width == 0 || height == 0 {
        return input_error("the level is empty".into());
    }
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return input_error(format!(
            "Basis Universal encodes at most {MAX_DIMENSION}×{MAX_DIMENSION}"
        ));
    }
    let expected = width as usize * height as usize * 4;
    if level.data.len() != expected {
        return input_error(format!("{expected} bytes of RGBA8 texels are needed"));
    }
    if let Some(lambda) = quality.rdo_lambda
        && !(0.001..=10.0).contains(&lambda)
    {
        return Err(BasisError::Encode(format!(
            "the RDO quality scalar {lambda} is outside 0.001..=10"
        )));
    }

    let mut params = CompressorParams::new();
    params.set_basis_format(BasisTextureFormat::UASTC4x4);
    params.set_color_space(if srgb { ColorSpace::Srgb } else { ColorSpace::Linear });
    params.set_generate_mipmaps(false);
    params.set_rdo_uastc(quality.rdo_lambda);
    params.source_image_mut(0).init(&level.data, width, height, 4);
    // `CompressorParams::set_uastc_quality_level` ORs the level into flags
    // that already hold the default level, so the flags are set here whole.
    // SAFETY: `params.0` is the live parameter object `CompressorParams::new`
    // created; these two calls read and write one integer field of it.
    unsafe {
        let flags = sys::compressor_params_get_pack_uastc_flags(params.0);
        let flags = (flags & !sys::UastcPackFlags_PackUASTCLevelMask) | quality.pack_level.flags();
        sys::compressor_params_set_pack_uastc_flags(params.0, flags);
    }

    let mut compressor = Compressor::new(1);
    // SAFETY: the parameters are complete and valid: one source image whose
    // data is exactly width × height × 4 bytes with both sides in
    // 1..=16384, the UASTC format, a pack level from Binomial's own
    // constants, an RDO scalar in its documented range and no mipmap
    // generation. `init` copies them; `params` outlives the call anyway.
    if !unsafe { compressor.init(&params) } {
        return Err(BasisError::Encode("the encoder refused its parameters".into()));
    }
    // SAFETY: `init` succeeded with the parameters above.
    unsafe { compressor.process() }
        .map_err(|code| BasisError::Encode(format!("the encoder failed: {code:?}")))?;
    let blocks =
        single_uastc_slice(compressor.basis_file(), width.div_ceil(4), height.div_ceil(4))?;
    Ok(blocks.to_vec())
}
