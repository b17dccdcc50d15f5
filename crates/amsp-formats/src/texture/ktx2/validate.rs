//! Format-level validation: do `vkFormat`, `typeSize`, the header and the
//! DFD describe one consistent, usable format?
//!
//! [`check_format`] runs during parsing and refuses files whose texel data
//! would be read wrongly or cannot be used at all. [`warnings`] finds what the
//! KTX2 specification calls an error but what a loader can still read safely;
//! [`Ktx2Texture::validate`](super::Ktx2Texture::validate) returns it.

use super::dfd::{
    BasicDfd, COLOR_MODEL_ASTC, COLOR_MODEL_BC1A, COLOR_MODEL_ETC1S, COLOR_MODEL_ETC2,
    COLOR_MODEL_RGBSDA, COLOR_MODEL_UASTC, TRANSFER_SRGB,
};
use super::header::{HEADER_LEN, Ktx2Header, LEVEL_INDEX_ENTRY_LEN};
use super::reader::Supercompression;
use super::{Ktx2Error, VkFormat, metadata};

/// `KHR_DF_SAMPLE_DATATYPE_LINEAR`, as stored in `DfdSample::qualifiers`.
const QUALIFIER_LINEAR: u8 = 0x10;
/// `KHR_DF_MODEL_YUVSDA`.
const COLOR_MODEL_YUVSDA: u8 = 2;
/// `KHR_DF_MODEL_ETC1`.
const COLOR_MODEL_ETC1: u8 = 160;
/// `KHR_DF_MODEL_PVRTC` and `KHR_DF_MODEL_PVRTC2`.
const COLOR_MODEL_PVRTC: u8 = 164;
const COLOR_MODEL_PVRTC2: u8 = 165;

/// Something the KTX2 specification does not allow but that leaves the file
/// readable: the texel data is still located and sized correctly.
///
/// [`Ktx2Texture::validate`](super::Ktx2Texture::validate) lists them; parsing
/// accepts such files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Ktx2Warning {
    /// `levelCount` is 0 (generate mips at load), which a block-compressed
    /// format cannot do; the stored level is still usable.
    #[error(
        "levelCount is 0 but vkFormat {vk_format} is block-compressed and cannot have mips generated at load"
    )]
    NoLevelsForBlockFormat {
        /// The raw `vkFormat`.
        vk_format: u32,
    },
    /// `typeSize` is not the component size of an uncompressed format; it
    /// only matters for byte swapping on big-endian machines.
    #[error("typeSize is {type_size} but vkFormat {vk_format} has {expected}-byte components")]
    TypeSize {
        /// The raw `vkFormat`.
        vk_format: u32,
        /// `typeSize` in the file.
        type_size: u32,
        /// The component size of the format.
        expected: u32,
    },
    /// A section is not where the specification places it (the DFD right after
    /// the level index, offset 0 for an empty section); the index still locates it.
    #[error("section placement: {0}")]
    SectionPlacement(String),
    /// The DFD samples disagree with the colour model or the format; AMSP takes
    /// the layout from `vkFormat`, the block dimensions and `bytesPlane0`.
    #[error("DFD samples: {0}")]
    DfdSamples(String),
    /// A key/value entry breaks the metadata rules (a malformed reserved
    /// `KTX…` value, an unknown reserved key, a duplicate, non-zero padding).
    #[error("metadata {key}: {detail}")]
    Metadata {
        /// The key (empty when the problem is not about one key).
        key: String,
        /// What is wrong with its value.
        detail: String,
    },
}

/// Why `vkFormat` may not appear in a KTX2 file at all, or `None` if it may.
///
/// The list is the specification's: scaled formats (integers meant to be
/// converted to floats by the sampler), the `A8B8G8R8_*_PACK32` aliases of
/// `R8G8B8A8_*`, and multi-planar formats.
pub fn prohibited_format(raw: u32) -> Option<&'static str> {
    match raw {
        11 | 12 | 18 | 19 | 25 | 26 | 32 | 33 | 39 | 40 | 46 | 47 | 53 | 54 | 60 | 61 | 66 | 67
        | 72 | 73 | 79 | 80 | 86 | 87 | 93 | 94 => Some("scaled formats are prohibited"),
        51..=57 => Some("A8B8G8R8 packed formats are prohibited; use the R8G8B8A8 equivalent"),
        1_000_156_002..=1_000_156_006
        | 1_000_156_012..=1_000_156_016
        | 1_000_156_022..=1_000_156_026
        | 1_000_156_029..=1_000_156_033 => Some("multi-planar formats are prohibited"),
        _ => None,
    }
}

/// Whether a `vkFormat` AMSP has no [`VkFormat`] for is an sRGB format:
/// `B8G8R8_SRGB`, `A8B8G8R8_SRGB_PACK32`, the PVRTC sRGB formats and the 3D
/// ASTC sRGB formats.
fn is_other_srgb_format(raw: u32) -> bool {
    matches!(raw, 36 | 57 | 1_000_054_004..=1_000_054_007)
        || (1_000_288_000..1_000_288_030).contains(&raw) && (raw - 1_000_288_000) % 3 == 1
}

/// The 4:2:2 formats, whose DFD must use the YUVSDA colour model.
fn is_422_format(raw: u32) -> bool {
    matches!(
        raw,
        1_000_156_000
            | 1_000_156_001
            | 1_000_156_010
            | 1_000_156_011
            | 1_000_156_020
            | 1_000_156_021
            | 1_000_156_027
            | 1_000_156_028
    )
}

/// Whether the DFD describes blocks of more than one texel, or a block
/// colour model (BCn, ETC, ASTC, PVRTC, ETC1S, UASTC).
fn dfd_is_block(dfd: &BasicDfd) -> bool {
    dfd.texel_block_dimensions.iter().any(|&d| d > 1) || dfd.color_model >= COLOR_MODEL_BC1A
}

/// The depth and stencil formats (`D16_UNORM` … `D32_SFLOAT_S8_UINT`).
fn is_depth_stencil(raw: u32) -> bool {
    (124..=130).contains(&raw)
}

/// Refuses files whose format description is wrong or unusable.
///
/// Checked: prohibited formats; `typeSize`; block formats with no height;
/// depth formats with depth; for a format AMSP knows, the DFD's colour
/// model, texel block dimensions, `bytesPlane0..7` and transfer function;
/// for `vkFormat` 0, a Basis Universal colour model with a usable block size;
/// BasisLZ only with the ETC1S model.
pub(super) fn check_format(
    h: &Ktx2Header,
    supercompression: Supercompression,
    dfd: &BasicDfd,
) -> Result<(), Ktx2Error> {
    let vk = h.vk_format;
    if let Some(reason) = prohibited_format(vk) {
        return Err(Ktx2Error::ProhibitedFormat { vk_format: vk, reason });
    }
    let known = VkFormat::from_raw(vk);
    // 4:2:2 formats have 2×1 texel blocks but are not compressed.
    let block = match known {
        Some(VkFormat::Undefined) | None => dfd_is_block(dfd) && !is_422_format(vk),
        Some(f) => f.is_block_compressed(),
    };
    // Block data is bytes: typeSize 1. For uncompressed formats a wrong
    // typeSize only misleads big-endian byte swapping, which AMSP never does:
    // that is a warning (see `warnings`).
    if block && h.type_size != 1 {
        return Err(Ktx2Error::TypeSizeMismatch {
            vk_format: vk,
            type_size: h.type_size,
            expected: 1,
        });
    }
    if block && h.pixel_height == 0 {
        return Err(Ktx2Error::InvalidHeader(format!(
            "pixelHeight is 0 but vkFormat {vk} is block-compressed; 1D textures cannot be"
        )));
    }
    if is_depth_stencil(vk) && h.pixel_depth > 0 {
        return Err(Ktx2Error::InvalidHeader(format!(
            "pixelDepth is {} but depth/stencil format {vk} cannot be 3D",
            h.pixel_depth
        )));
    }
    if supercompression == Supercompression::BasisLz && dfd.color_model != COLOR_MODEL_ETC1S {
        return Err(Ktx2Error::InvalidDfd(format!(
            "colorModel is {} but BasisLZ data must use the ETC1S model ({COLOR_MODEL_ETC1S})",
            dfd.color_model
        )));
    }
    // ETC1S keeps its alpha slice size in bytesPlane1; nothing else has planes.
    if dfd.color_model != COLOR_MODEL_ETC1S && dfd.bytes_planes[1..].iter().any(|&b| b != 0) {
        return Err(Ktx2Error::InvalidDfd(format!(
            "bytesPlane1..7 are {:?}; multi-plane data is not supported",
            &dfd.bytes_planes[1..]
        )));
    }
    if supercompression == Supercompression::None && dfd.bytes_planes[0] == 0 {
        return Err(Ktx2Error::InvalidDfd(
            "bytesPlane0 is 0, but data without supercompression must give its block size".into(),
        ));
    }
    if is_other_srgb_format(vk) && dfd.transfer_function != TRANSFER_SRGB {
        return Err(mismatch(
            vk,
            "transferFunction",
            dfd.transfer_function.to_string(),
            format!("{TRANSFER_SRGB} (sRGB)"),
        ));
    }
    if is_422_format(vk) && dfd.color_model != COLOR_MODEL_YUVSDA {
        return Err(mismatch(
            vk,
            "colorModel",
            dfd.color_model.to_string(),
            format!("{COLOR_MODEL_YUVSDA} (YUVSDA, for a 4:2:2 format)"),
        ));
    }
    match known {
        Some(VkFormat::Undefined) => check_undefined(supercompression, dfd),
        Some(format) => check_known(format, supercompression, dfd),
        None => Ok(()),
    }
}

fn mismatch(vk_format: u32, field: &'static str, found: String, expected: String) -> Ktx2Error {
    Ktx2Error::DfdFormatMismatch { vk_format, field, found, expected }
}

/// The DFD of a format AMSP knows must describe that format.
fn check_known(
    format: VkFormat,
    supercompression: Supercompression,
    dfd: &BasicDfd,
) -> Result<(), Ktx2Error> {
    let vk = format.raw();
    let expected_model = BasicDfd::for_format(format).map_or(COLOR_MODEL_RGBSDA, |d| d.color_model);
    if dfd.color_model != expected_model {
        return Err(mismatch(
            vk,
            "colorModel",
            dfd.color_model.to_string(),
            expected_model.to_string(),
        ));
    }
    let (bw, bh) = format.block_dimensions();
    if dfd.texel_block_dimensions != [bw, bh, 1, 1] {
        let [a, b, c, d] = dfd.texel_block_dimensions;
        return Err(mismatch(
            vk,
            "texelBlockDimensions",
            format!("{a}×{b}×{c}×{d}"),
            format!("{bw}×{bh}×1×1"),
        ));
    }
    let bytes = format.block_bytes();
    let plane0 = u32::from(dfd.bytes_planes[0]);
    // Before KTX 2.0.4 supercompressed files wrote bytesPlane0 = 0 (unsized).
    let unsized_ok = supercompression != Supercompression::None && plane0 == 0;
    if plane0 != bytes && !unsized_ok {
        return Err(mismatch(vk, "bytesPlane0", plane0.to_string(), bytes.to_string()));
    }
    let srgb = dfd.transfer_function == TRANSFER_SRGB;
    if format.is_srgb() && !srgb {
        return Err(mismatch(
            vk,
            "transferFunction",
            dfd.transfer_function.to_string(),
            format!("{TRANSFER_SRGB} (sRGB)"),
        ));
    }
    if !format.is_srgb() && srgb && format.with_srgb(true).is_some() {
        return Err(mismatch(
            vk,
            "transferFunction",
            format!("{TRANSFER_SRGB} (sRGB)"),
            "not sRGB: the format has a separate sRGB variant".into(),
        ));
    }
    Ok(())
}

/// `vkFormat` 0: the data must be Basis Universal, described well enough to size it.
fn check_undefined(supercompression: Supercompression, dfd: &BasicDfd) -> Result<(), Ktx2Error> {
    let block_bytes = match dfd.color_model {
        COLOR_MODEL_ETC1S => 8,
        COLOR_MODEL_UASTC => 16,
        model => {
            return Err(Ktx2Error::InvalidDfd(format!(
                "vkFormat is 0 (VK_FORMAT_UNDEFINED) with colorModel {model}; \
                 AMSP reads undefined formats only as Basis Universal (ETC1S {COLOR_MODEL_ETC1S}, UASTC {COLOR_MODEL_UASTC})"
            )));
        }
    };
    if dfd.color_model == COLOR_MODEL_ETC1S && supercompression != Supercompression::BasisLz {
        return Err(Ktx2Error::InvalidDfd(format!(
            "colorModel ETC1S needs BasisLZ supercompression, not scheme {}",
            supercompression.raw()
        )));
    }
    if dfd.texel_block_dimensions != [4, 4, 1, 1] {
        let [a, b, c, d] = dfd.texel_block_dimensions;
        return Err(Ktx2Error::InvalidDfd(format!(
            "texelBlockDimensions are {a}×{b}×{c}×{d} but Basis Universal blocks are 4×4×1×1"
        )));
    }
    let plane0 = u32::from(dfd.bytes_planes[0]);
    let unsized_ok = supercompression != Supercompression::None && plane0 == 0;
    if plane0 != block_bytes && !unsized_ok {
        return Err(Ktx2Error::InvalidDfd(format!(
            "bytesPlane0 is {plane0} but a {} block is {block_bytes} bytes",
            if block_bytes == 8 { "ETC1S" } else { "UASTC" }
        )));
    }
    Ok(())
}

/// The block layout the level sizes follow: texel block width, height and
/// depth and bytes per block, from `vkFormat` where AMSP knows it, else from
/// the DFD; `None` when neither gives a size.
pub(super) fn block_layout(h: &Ktx2Header, dfd: &BasicDfd) -> Option<([u32; 3], u64)> {
    match VkFormat::from_raw(h.vk_format) {
        Some(f) if f != VkFormat::Undefined => {
            let (bw, bh) = f.block_dimensions();
            Some(([bw, bh, 1], u64::from(f.block_bytes())))
        }
        _ if dfd.bytes_planes[0] == 0 => None,
        _ => {
            let [bw, bh, bd, _] = dfd.texel_block_dimensions;
            Some(([bw, bh, bd], u64::from(dfd.bytes_planes[0])))
        }
    }
}

/// The channel ids a colour model allows, or `None` for models not checked.
fn allowed_channels(model: u8) -> Option<&'static [u8]> {
    Some(match model {
        COLOR_MODEL_RGBSDA | COLOR_MODEL_YUVSDA => &[0, 1, 2, 13, 14, 15],
        COLOR_MODEL_BC1A => &[0, 1],
        129 | 130 => &[0, 15],
        132 => &[0, 1],
        131 | 133 | 134 | COLOR_MODEL_ETC1 | COLOR_MODEL_ASTC | COLOR_MODEL_PVRTC
        | COLOR_MODEL_PVRTC2 => &[0],
        COLOR_MODEL_ETC2 => &[0, 1, 2, 15],
        COLOR_MODEL_ETC1S => &[0, 3, 4, 15],
        COLOR_MODEL_UASTC => &[0, 3, 4, 5, 6],
        _ => return None,
    })
}

/// What the specification forbids but a loader can live with (see [`Ktx2Warning`]).
///
/// `dfd_bytes` and `kvd_bytes` are the whole DFD and key/value sections.
pub(super) fn warnings(
    h: &Ktx2Header,
    dfd: &BasicDfd,
    dfd_bytes: &[u8],
    key_values: &[(&str, &[u8])],
    kvd_bytes: &[u8],
) -> Vec<Ktx2Warning> {
    let mut out = Vec::new();
    if let Some(expected) = VkFormat::from_raw(h.vk_format).map(VkFormat::type_size)
        && h.type_size != expected
    {
        out.push(Ktx2Warning::TypeSize {
            vk_format: h.vk_format,
            type_size: h.type_size,
            expected,
        });
    }
    if h.level_count == 0 && dfd_is_block(dfd) {
        out.push(Ktx2Warning::NoLevelsForBlockFormat { vk_format: h.vk_format });
    }
    section_warnings(h, &mut out);
    sample_warnings(h, dfd, &mut out);
    dfd_block_warnings(dfd, dfd_bytes, &mut out);
    metadata::warnings(h, key_values, kvd_bytes, &mut out);
    out
}

fn section_warnings(h: &Ktx2Header, out: &mut Vec<Ktx2Warning>) {
    let index_end =
        HEADER_LEN as u64 + LEVEL_INDEX_ENTRY_LEN as u64 * u64::from(h.level_count.max(1));
    if u64::from(h.dfd_byte_offset) != index_end.next_multiple_of(4) {
        out.push(Ktx2Warning::SectionPlacement(format!(
            "dfdByteOffset is {} but the DFD must directly follow the level index at {}",
            h.dfd_byte_offset,
            index_end.next_multiple_of(4)
        )));
    }
    if h.kvd_byte_length == 0 && h.kvd_byte_offset != 0 {
        out.push(Ktx2Warning::SectionPlacement(format!(
            "kvdByteOffset is {} but must be 0 when kvdByteLength is 0",
            h.kvd_byte_offset
        )));
    }
    if h.sgd_byte_length == 0 && h.sgd_byte_offset != 0 {
        out.push(Ktx2Warning::SectionPlacement(format!(
            "sgdByteOffset is {} but must be 0 when sgdByteLength is 0",
            h.sgd_byte_offset
        )));
    }
}

/// The colour primaries and the blocks after the basic one.
fn dfd_block_warnings(dfd: &BasicDfd, dfd_bytes: &[u8], out: &mut Vec<Ktx2Warning>) {
    // KHR_DF_PRIMARIES_UNSPECIFIED (0) to KHR_DF_PRIMARIES_ADOBERGB (11).
    if dfd.color_primaries > 11 {
        out.push(Ktx2Warning::DfdSamples(format!(
            "colorPrimaries {} is not defined by the Khronos Data Format",
            dfd.color_primaries
        )));
    }
    // Parsing checked the basic block; the blocks after it are skipped, but
    // their sizes must still chain to the end of the DFD.
    let mut at = 4 + 24 + 16 * dfd.samples.len();
    while at < dfd_bytes.len() {
        let left = dfd_bytes.len() - at;
        if left < 8 {
            out.push(Ktx2Warning::DfdSamples(format!(
                "{left} bytes after the last DFD block, too few for a block header"
            )));
            break;
        }
        let size = usize::from(u16::from_le_bytes([dfd_bytes[at + 6], dfd_bytes[at + 7]]));
        if size < 8 || size > left {
            out.push(Ktx2Warning::DfdSamples(format!(
                "the DFD block at byte {at} has descriptorBlockSize {size} but {left} bytes are left"
            )));
            break;
        }
        at += size;
    }
}

fn sample_warnings(h: &Ktx2Header, dfd: &BasicDfd, out: &mut Vec<Ktx2Warning>) {
    let known = VkFormat::from_raw(h.vk_format).filter(|f| *f != VkFormat::Undefined);
    if let Some(expected) = known.and_then(BasicDfd::for_format) {
        // Channel, bit range and signed/float qualifiers; the linear
        // qualifier is left out (it only says how alpha is encoded).
        let layout = |d: &BasicDfd| {
            d.samples
                .iter()
                .map(|s| {
                    (s.channel_id, s.bit_offset, s.bit_length, s.qualifiers & !QUALIFIER_LINEAR)
                })
                .collect::<Vec<_>>()
        };
        if expected.samples.len() != dfd.samples.len() {
            out.push(Ktx2Warning::DfdSamples(format!(
                "{} samples but vkFormat {} has {}",
                dfd.samples.len(),
                h.vk_format,
                expected.samples.len()
            )));
        } else if layout(&expected) != layout(dfd) {
            out.push(Ktx2Warning::DfdSamples(format!(
                "samples (channel, bitOffset, bitLength, qualifiers) {:?} but vkFormat {} has {:?}",
                layout(dfd),
                h.vk_format,
                layout(&expected)
            )));
        }
    }
    if dfd.samples.is_empty() && h.supercompression_scheme == 0 && h.vk_format == 0 {
        out.push(Ktx2Warning::DfdSamples(
            "no samples, but unsupercompressed VK_FORMAT_UNDEFINED data must describe them".into(),
        ));
    }
    if let Some(allowed) = allowed_channels(dfd.color_model) {
        for (i, s) in dfd.samples.iter().enumerate() {
            if !allowed.contains(&s.channel_id) {
                out.push(Ktx2Warning::DfdSamples(format!(
                    "sample {i} has channel {} which colorModel {} does not define",
                    s.channel_id, dfd.color_model
                )));
            }
        }
    }
    let basis = match dfd.color_model {
        COLOR_MODEL_ETC1S => Some(64u16),
        COLOR_MODEL_UASTC => Some(128u16),
        _ => None,
    };
    if let Some(bits) = basis {
        for (i, s) in dfd.samples.iter().enumerate() {
            let offset = if bits == 64 { 64 * i } else { 0 };
            if usize::from(s.bit_offset) != offset || s.bit_length != bits || s.upper != u32::MAX {
                out.push(Ktx2Warning::DfdSamples(format!(
                    "sample {i} has bitOffset {}, bitLength {}, upper {:#x}; Basis Universal needs {offset}, {bits}, 0xffffffff",
                    s.bit_offset, s.bit_length, s.upper
                )));
            }
        }
    }
}
