//! The basic data format descriptor block (Khronos Data Format 1.3, §5).
//!
//! ```text
//! dfdTotalSize u32 (includes itself)
//! block header: vendorId u17 | descriptorType u15, versionNumber u16 | descriptorBlockSize u16
//! colorModel u8, colorPrimaries u8, transferFunction u8, flags u8
//! texelBlockDimension0..3 u8 (value − 1)
//! bytesPlane0..7 u8
//! samples, 16 bytes each:
//!   bitOffset u16, bitLength u8 (value − 1), channelType u8 (id | qualifier bits),
//!   samplePosition0..3 u8, sampleLower u32, sampleUpper u32
//! ```

use super::header::read_u32;
use super::{Ktx2Error, VkFormat};

/// `KHR_DF_MODEL_RGBSDA`.
pub const COLOR_MODEL_RGBSDA: u8 = 1;
/// `KHR_DF_MODEL_BC1A`; BC2 to BC7 follow as 129..=134.
pub const COLOR_MODEL_BC1A: u8 = 128;
/// `KHR_DF_MODEL_ETC2`.
pub const COLOR_MODEL_ETC2: u8 = 161;
/// `KHR_DF_MODEL_ASTC`.
pub const COLOR_MODEL_ASTC: u8 = 162;
/// `KHR_DF_MODEL_ETC1S` (BasisLZ).
pub const COLOR_MODEL_ETC1S: u8 = 163;
/// `KHR_DF_MODEL_UASTC`.
pub const COLOR_MODEL_UASTC: u8 = 166;
/// `KHR_DF_TRANSFER_LINEAR`.
pub const TRANSFER_LINEAR: u8 = 1;
/// `KHR_DF_TRANSFER_SRGB`.
pub const TRANSFER_SRGB: u8 = 2;
/// `KHR_DF_PRIMARIES_BT709`.
pub const PRIMARIES_BT709: u8 = 1;

const BLOCK_HEADER_LEN: usize = 24;
const SAMPLE_LEN: usize = 16;
const QUALIFIER_LINEAR: u8 = 0x10;
const QUALIFIER_SIGNED: u8 = 0x40;
const QUALIFIER_FLOAT: u8 = 0x80;

/// One sample of a basic descriptor block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DfdSample {
    /// First bit of the sample within the texel block.
    pub bit_offset: u16,
    /// Number of bits (the stored value plus one).
    pub bit_length: u16,
    /// Channel id (low 4 bits of `channelType`).
    pub channel_id: u8,
    /// Qualifier bits (high 4 bits of `channelType`): linear, exponent, signed, float.
    pub qualifiers: u8,
    /// `sampleLower`.
    pub lower: u32,
    /// `sampleUpper`.
    pub upper: u32,
}

/// The fields of the first (basic) descriptor block that AMSP uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicDfd {
    /// `colorModel` (see the `COLOR_MODEL_*` constants).
    pub color_model: u8,
    /// `colorPrimaries`.
    pub color_primaries: u8,
    /// `transferFunction` ([`TRANSFER_SRGB`] or [`TRANSFER_LINEAR`] mostly).
    pub transfer_function: u8,
    /// `flags` (bit 0: premultiplied alpha).
    pub flags: u8,
    /// Texel block width, height, depth and fourth dimension (already plus one).
    pub texel_block_dimensions: [u32; 4],
    /// `bytesPlane0..7`; plane 0 is the texel block size, 0 when supercompressed.
    pub bytes_planes: [u8; 8],
    /// The samples.
    pub samples: Vec<DfdSample>,
}

impl BasicDfd {
    /// Parses the DFD section (starting at `dfdTotalSize`) and its first block.
    ///
    /// # Errors
    ///
    /// [`Ktx2Error::InvalidDfd`] if the sizes disagree with each other or the
    /// section, or the first block is not a basic descriptor block.
    pub fn parse(dfd: &[u8]) -> Result<Self, Ktx2Error> {
        let bad = |m: String| Err(Ktx2Error::InvalidDfd(m));
        if dfd.len() < 4 + BLOCK_HEADER_LEN {
            return bad(format!(
                "the DFD is {} bytes, too short for a basic block ({} bytes)",
                dfd.len(),
                4 + BLOCK_HEADER_LEN
            ));
        }
        let total = read_u32(dfd, 0);
        if total as usize != dfd.len() {
            return bad(format!("dfdTotalSize is {total} but dfdByteLength is {}", dfd.len()));
        }
        let word0 = read_u32(dfd, 4);
        let (vendor, descriptor_type) = (word0 & 0x1_FFFF, word0 >> 17);
        let word1 = read_u32(dfd, 8);
        let (version, block_size) = (word1 & 0xFFFF, (word1 >> 16) as usize);
        if vendor != 0 || descriptor_type != 0 {
            return bad(format!(
                "the first block has vendorId {vendor} and descriptorType {descriptor_type}, not a basic block (0, 0)"
            ));
        }
        if version != 2 {
            return bad(format!("basic block versionNumber is {version}, expected 2"));
        }
        if block_size < BLOCK_HEADER_LEN
            || !(block_size - BLOCK_HEADER_LEN).is_multiple_of(SAMPLE_LEN)
            || block_size > dfd.len() - 4
        {
            return bad(format!(
                "descriptorBlockSize {block_size} is not 24 + 16 × samples within the {}-byte DFD",
                dfd.len()
            ));
        }
        let b = &dfd[4..4 + block_size];
        let mut bytes_planes = [0u8; 8];
        bytes_planes.copy_from_slice(&b[16..24]);
        let samples = b[BLOCK_HEADER_LEN..]
            .chunks_exact(SAMPLE_LEN)
            .map(|s| DfdSample {
                bit_offset: u16::from_le_bytes([s[0], s[1]]),
                bit_length: u16::from(s[2]) + 1,
                channel_id: s[3] & 0x0F,
                qualifiers: s[3] & 0xF0,
                lower: read_u32(s, 8),
                upper: read_u32(s, 12),
            })
            .collect();
        Ok(BasicDfd {
            color_model: b[8],
            color_primaries: b[9],
            transfer_function: b[10],
            flags: b[11],
            texel_block_dimensions: [
                u32::from(b[12]) + 1,
                u32::from(b[13]) + 1,
                u32::from(b[14]) + 1,
                u32::from(b[15]) + 1,
            ],
            bytes_planes,
            samples,
        })
    }

    /// Whether colour is encoded with the sRGB transfer function.
    pub fn is_srgb(&self) -> bool {
        self.transfer_function == TRANSFER_SRGB
    }

    /// The basic block the writer stores for `format`, or `None` for formats it
    /// cannot describe ([`VkFormat::Undefined`]).
    pub fn for_format(format: VkFormat) -> Option<BasicDfd> {
        use VkFormat as F;
        let srgb = format.is_srgb();
        let bytes = format.block_bytes();
        let (bw, bh) = format.block_dimensions();
        // (bit offset, bit length, channel id, qualifiers)
        let full = |id: u8, q: u8, off: u16, len: u16| (off, len, id, q);
        let alpha_q = if srgb { QUALIFIER_LINEAR } else { 0 };
        let signed = QUALIFIER_SIGNED;
        let float = QUALIFIER_FLOAT | QUALIFIER_SIGNED;
        let (model, samples): (u8, Vec<(u16, u16, u8, u8)>) = match format {
            F::Undefined => return None,
            F::R8Unorm | F::R8Srgb => (COLOR_MODEL_RGBSDA, vec![full(0, 0, 0, 8)]),
            F::R8G8Unorm | F::R8G8Srgb => {
                (COLOR_MODEL_RGBSDA, vec![full(0, 0, 0, 8), full(1, 0, 8, 8)])
            }
            F::R8G8B8Unorm | F::R8G8B8Srgb => {
                (COLOR_MODEL_RGBSDA, vec![full(0, 0, 0, 8), full(1, 0, 8, 8), full(2, 0, 16, 8)])
            }
            F::R8G8B8A8Unorm | F::R8G8B8A8Srgb => (
                COLOR_MODEL_RGBSDA,
                vec![
                    full(0, 0, 0, 8),
                    full(1, 0, 8, 8),
                    full(2, 0, 16, 8),
                    full(15, alpha_q, 24, 8),
                ],
            ),
            F::B8G8R8A8Unorm | F::B8G8R8A8Srgb => (
                COLOR_MODEL_RGBSDA,
                vec![
                    full(2, 0, 0, 8),
                    full(1, 0, 8, 8),
                    full(0, 0, 16, 8),
                    full(15, alpha_q, 24, 8),
                ],
            ),
            F::R16G16B16A16Unorm => (
                COLOR_MODEL_RGBSDA,
                vec![
                    full(0, 0, 0, 16),
                    full(1, 0, 16, 16),
                    full(2, 0, 32, 16),
                    full(15, 0, 48, 16),
                ],
            ),
            F::R16G16B16A16Sfloat => (
                COLOR_MODEL_RGBSDA,
                vec![
                    full(0, float, 0, 16),
                    full(1, float, 16, 16),
                    full(2, float, 32, 16),
                    full(15, float, 48, 16),
                ],
            ),
            F::R32G32B32A32Sfloat => (
                COLOR_MODEL_RGBSDA,
                vec![
                    full(0, float, 0, 32),
                    full(1, float, 32, 32),
                    full(2, float, 64, 32),
                    full(15, float, 96, 32),
                ],
            ),
            F::Bc1RgbUnorm | F::Bc1RgbSrgb => (COLOR_MODEL_BC1A, vec![full(0, 0, 0, 64)]),
            F::Bc1RgbaUnorm | F::Bc1RgbaSrgb => (COLOR_MODEL_BC1A, vec![full(1, 0, 0, 64)]),
            F::Bc2Unorm | F::Bc2Srgb => {
                (COLOR_MODEL_BC1A + 1, vec![full(15, alpha_q, 0, 64), full(0, 0, 64, 64)])
            }
            F::Bc3Unorm | F::Bc3Srgb => {
                (COLOR_MODEL_BC1A + 2, vec![full(15, alpha_q, 0, 64), full(0, 0, 64, 64)])
            }
            F::Bc4Unorm => (COLOR_MODEL_BC1A + 3, vec![full(0, 0, 0, 64)]),
            F::Bc4Snorm => (COLOR_MODEL_BC1A + 3, vec![full(0, signed, 0, 64)]),
            F::Bc5Unorm => (COLOR_MODEL_BC1A + 4, vec![full(0, 0, 0, 64), full(1, 0, 64, 64)]),
            F::Bc5Snorm => {
                (COLOR_MODEL_BC1A + 4, vec![full(0, signed, 0, 64), full(1, signed, 64, 64)])
            }
            F::Bc6hUfloat => (COLOR_MODEL_BC1A + 5, vec![full(0, QUALIFIER_FLOAT, 0, 128)]),
            F::Bc6hSfloat => (COLOR_MODEL_BC1A + 5, vec![full(0, float, 0, 128)]),
            F::Bc7Unorm | F::Bc7Srgb => (COLOR_MODEL_BC1A + 6, vec![full(0, 0, 0, 128)]),
            F::Etc2R8G8B8Unorm | F::Etc2R8G8B8Srgb => (COLOR_MODEL_ETC2, vec![full(2, 0, 0, 64)]),
            F::Etc2R8G8B8A1Unorm | F::Etc2R8G8B8A1Srgb => {
                (COLOR_MODEL_ETC2, vec![full(2, 0, 0, 64), full(15, alpha_q, 0, 64)])
            }
            F::Etc2R8G8B8A8Unorm | F::Etc2R8G8B8A8Srgb => {
                (COLOR_MODEL_ETC2, vec![full(15, alpha_q, 0, 64), full(2, 0, 64, 64)])
            }
            F::EacR11Unorm => (COLOR_MODEL_ETC2, vec![full(0, 0, 0, 64)]),
            F::EacR11Snorm => (COLOR_MODEL_ETC2, vec![full(0, signed, 0, 64)]),
            F::EacR11G11Unorm => (COLOR_MODEL_ETC2, vec![full(0, 0, 0, 64), full(1, 0, 64, 64)]),
            F::EacR11G11Snorm => {
                (COLOR_MODEL_ETC2, vec![full(0, signed, 0, 64), full(1, signed, 64, 64)])
            }
            // Every ASTC block size: one 128-bit sample.
            _ => (COLOR_MODEL_ASTC, vec![full(0, 0, 0, 128)]),
        };
        let samples = samples
            .into_iter()
            .map(|(bit_offset, bit_length, channel_id, qualifiers)| {
                let (lower, upper) = if qualifiers & QUALIFIER_FLOAT != 0 {
                    // -1.0 / 1.0 for signed floats, 0.0 / 1.0 for unsigned.
                    let lower = if qualifiers & QUALIFIER_SIGNED != 0 { 0xBF80_0000 } else { 0 };
                    (lower, 0x3F80_0000)
                } else if bit_length >= 32 {
                    (0, u32::MAX)
                } else {
                    (0, (1u32 << bit_length) - 1)
                };
                DfdSample { bit_offset, bit_length, channel_id, qualifiers, lower, upper }
            })
            .collect();
        let mut bytes_planes = [0u8; 8];
        bytes_planes[0] = u8::try_from(bytes).unwrap_or(0);
        Some(BasicDfd {
            color_model: model,
            color_primaries: PRIMARIES_BT709,
            transfer_function: if srgb { TRANSFER_SRGB } else { TRANSFER_LINEAR },
            flags: 0,
            texel_block_dimensions: [bw, bh, 1, 1],
            bytes_planes,
            samples,
        })
    }

    /// The whole DFD section (`dfdTotalSize` plus this one block) as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let block_size = BLOCK_HEADER_LEN + SAMPLE_LEN * self.samples.len();
        let total = 4 + block_size;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&(total as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes()); // vendorId 0, descriptorType 0
        out.extend_from_slice(&(2u32 | ((block_size as u32) << 16)).to_le_bytes());
        out.extend_from_slice(&[
            self.color_model,
            self.color_primaries,
            self.transfer_function,
            self.flags,
        ]);
        for d in self.texel_block_dimensions {
            out.push(d.saturating_sub(1).min(255) as u8);
        }
        out.extend_from_slice(&self.bytes_planes);
        for s in &self.samples {
            out.extend_from_slice(&s.bit_offset.to_le_bytes());
            out.push(s.bit_length.saturating_sub(1).min(255) as u8);
            out.push(s.channel_id | s.qualifiers);
            out.extend_from_slice(&[0, 0, 0, 0]);
            out.extend_from_slice(&s.lower.to_le_bytes());
            out.extend_from_slice(&s.upper.to_le_bytes());
        }
        out
    }
}
