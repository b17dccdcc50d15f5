//! The BasisLZ supercompression global data of an ETC1S texture.
//!
//! ```text
//! offset  size  field (all little-endian)
//!      0     2  endpointCount
//!      2     2  selectorCount
//!      4     4  endpointsByteLength
//!      8     4  selectorsByteLength
//!     12     4  tablesByteLength
//!     16     4  extendedByteLength
//!     20  20×n  image descriptors, n = levels × layers × faces, level 0 first,
//!               then layer, then face:
//!               imageFlags u32, rgbSliceByteOffset u32, rgbSliceByteLength u32,
//!               alphaSliceByteOffset u32, alphaSliceByteLength u32
//!               (slice offsets are relative to the start of the level's data)
//!      …        endpoint codebook, selector codebook, Huffman tables,
//!               extended data, in that order
//! ```

use std::ops::Range;

use basisu::basislz::etc1s::Etc1sTranscoder;

use super::BasisError;

const HEADER_LEN: usize = 20;
const IMAGE_DESC_LEN: usize = 20;
/// `ETC1S_P_FRAME`: the image is a predicted video frame.
const IMAGE_IS_P_FRAME: u32 = 2;

/// Where one image's slices lie within its level's data.
#[derive(Debug, Clone)]
pub(super) struct ImageSlices {
    /// The colour slice.
    pub rgb: Range<usize>,
    /// The alpha slice, when the texture has one.
    pub alpha: Option<Range<usize>>,
}

/// The decoded codebooks plus every image's slice ranges.
pub(super) struct Etc1sGlobalData {
    /// The decoded endpoint and selector codebooks and Huffman models.
    pub decoder: Etc1sTranscoder,
    /// One entry per image, in SGD order.
    images: Vec<ImageSlices>,
    layers: u32,
    faces: u32,
}

fn bad<T>(message: String) -> Result<T, BasisError> {
    Err(BasisError::InvalidGlobalData(message))
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

impl Etc1sGlobalData {
    /// Parses and decodes the global data of a texture with `levels` levels
    /// whose stored lengths are `level_lengths`, `layers` layers and `faces`
    /// faces, with an alpha slice per image when `has_alpha`.
    ///
    /// Every image's slices are checked to lie inside their level.
    pub fn parse(
        sgd: &[u8],
        level_lengths: &[u64],
        layers: u32,
        faces: u32,
        has_alpha: bool,
    ) -> Result<Self, BasisError> {
        if sgd.len() < HEADER_LEN {
            return bad(format!("{} bytes, shorter than its {HEADER_LEN}-byte header", sgd.len()));
        }
        let endpoint_count = u16_at(sgd, 0);
        let selector_count = u16_at(sgd, 2);
        let lengths = [u32_at(sgd, 4), u32_at(sgd, 8), u32_at(sgd, 12), u32_at(sgd, 16)];
        // Bounded by the KTX2 limits: at most 15 levels × 2048 layers × 6 faces.
        let image_count = level_lengths.len() * layers as usize * faces as usize;
        let descs_end = HEADER_LEN + IMAGE_DESC_LEN * image_count;
        let total = lengths.iter().fold(descs_end as u64, |sum, &l| sum + u64::from(l));
        if total != sgd.len() as u64 {
            return bad(format!(
                "{} bytes, but the header, {image_count} image descriptors and codebooks of {}+{}+{}+{} bytes make {total}",
                sgd.len(),
                lengths[0],
                lengths[1],
                lengths[2],
                lengths[3]
            ));
        }
        if endpoint_count == 0 || selector_count == 0 {
            return bad(format!(
                "{endpoint_count} endpoints and {selector_count} selectors; both must be at least 1"
            ));
        }

        let mut images = Vec::with_capacity(image_count);
        for i in 0..image_count {
            let at = HEADER_LEN + IMAGE_DESC_LEN * i;
            let level = i / (layers as usize * faces as usize);
            let level_len = level_lengths[level];
            let flags = u32_at(sgd, at);
            if flags & IMAGE_IS_P_FRAME != 0 {
                return Err(BasisError::Unsupported(format!(
                    "image {i} is a predicted video frame; ETC1S video is not supported"
                )));
            }
            let slice = |offset_at: usize, what: &str| -> Result<Range<usize>, BasisError> {
                let offset = u64::from(u32_at(sgd, offset_at));
                let len = u64::from(u32_at(sgd, offset_at + 4));
                if len == 0 || offset + len > level_len {
                    return bad(format!(
                        "image {i}: the {what} slice {offset}..{} is empty or past the end of level {level} ({level_len} bytes)",
                        offset + len
                    ));
                }
                // Both fit in the level, which fits in memory.
                Ok(offset as usize..(offset + len) as usize)
            };
            let rgb = slice(at + 4, "colour")?;
            let alpha = if has_alpha { Some(slice(at + 12, "alpha")?) } else { None };
            images.push(ImageSlices { rgb, alpha });
        }

        let mut at = descs_end;
        let mut section = |len: u32| {
            let range = at..at + len as usize;
            at = range.end;
            &sgd[range]
        };
        let endpoints = section(lengths[0]);
        let selectors = section(lengths[1]);
        let tables = section(lengths[2]);
        let mut decoder = Etc1sTranscoder::new();
        if !decoder.decode_palettes(
            u32::from(endpoint_count),
            endpoints,
            u32::from(selector_count),
            selectors,
        ) {
            return bad(format!(
                "the codebooks ({endpoint_count} endpoints in {} bytes, {selector_count} selectors in {} bytes) do not decode",
                lengths[0], lengths[1]
            ));
        }
        if !decoder.decode_tables(tables) {
            return bad(format!("the {}-byte Huffman tables do not decode", lengths[2]));
        }
        Ok(Etc1sGlobalData { decoder, images, layers, faces })
    }

    /// The slices of image (`level`, `layer`, `face`).
    pub fn image(&self, level: u32, layer: u32, face: u32) -> Option<&ImageSlices> {
        let index = (level as usize * self.layers as usize + layer as usize) * self.faces as usize
            + face as usize;
        self.images.get(index)
    }
}
