//! The DDS header and its DX10 extension, as stored.
//!
//! ```text
//! offset  size  field
//!      0     4  magic "DDS "
//!      4     4  dwSize (124)
//!      8     4  dwFlags              (0x20000 MIPMAPCOUNT, 0x800000 DEPTH)
//!     12     4  dwHeight
//!     16     4  dwWidth
//!     20     4  dwPitchOrLinearSize
//!     24     4  dwDepth
//!     28     4  dwMipMapCount
//!     32    44  dwReserved1[11]
//!     76    32  pixel format: dwSize (32), dwFlags, dwFourCC, dwRGBBitCount,
//!               dwRBitMask, dwGBitMask, dwBBitMask, dwABitMask
//!    108     4  dwCaps               (0x400000 MIPMAP)
//!    112     4  dwCaps2              (0x200 CUBEMAP, 0xFC00 all faces, 0x200000 VOLUME)
//!    116    12  dwCaps3, dwCaps4, dwReserved2
//!    128    20  DX10 extension when dwFourCC is "DX10": dxgiFormat,
//!               resourceDimension (2 1D, 3 2D, 4 3D), miscFlag (0x4 cube),
//!               arraySize, miscFlags2
//! ```
//!
//! All fields are little-endian. The texel data follows the headers: for
//! each array element (each face of each cube), its mip levels largest
//! first, each level holding its depth slices one after another.

use super::DdsError;

/// `"DDS "` as a little-endian `u32`.
pub const MAGIC: [u8; 4] = *b"DDS ";
/// Bytes of the magic number and the header.
pub const HEADER_LEN: usize = 128;
/// Bytes of the DX10 extension.
pub const DX10_HEADER_LEN: usize = 20;

/// `DDSD_MIPMAPCOUNT`.
pub const FLAG_MIPMAPCOUNT: u32 = 0x2_0000;
/// `DDSD_DEPTH`.
pub const FLAG_DEPTH: u32 = 0x80_0000;
/// `DDSCAPS_MIPMAP`.
pub const CAPS_MIPMAP: u32 = 0x40_0000;
/// `DDSCAPS2_CUBEMAP`.
pub const CAPS2_CUBEMAP: u32 = 0x200;
/// All six `DDSCAPS2_CUBEMAP_*` face bits.
pub const CAPS2_ALL_FACES: u32 = 0xFC00;
/// `DDSCAPS2_VOLUME`.
pub const CAPS2_VOLUME: u32 = 0x20_0000;
/// `DDPF_ALPHAPIXELS`.
pub const PF_ALPHAPIXELS: u32 = 0x1;
/// `DDPF_ALPHA`.
pub const PF_ALPHA: u32 = 0x2;
/// `DDPF_FOURCC`.
pub const PF_FOURCC: u32 = 0x4;
/// `DDPF_RGB`.
pub const PF_RGB: u32 = 0x40;
/// `DDPF_LUMINANCE`.
pub const PF_LUMINANCE: u32 = 0x2_0000;
/// `D3D11_RESOURCE_MISC_TEXTURECUBE`.
pub const MISC_TEXTURECUBE: u32 = 0x4;

/// The legacy header's pixel format block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DdsPixelFormat {
    /// `dwFlags` (`PF_*`).
    pub flags: u32,
    /// `dwFourCC` as its four bytes.
    pub four_cc: [u8; 4],
    /// `dwRGBBitCount`.
    pub rgb_bit_count: u32,
    /// Red (or luminance) mask.
    pub r_mask: u32,
    /// Green mask.
    pub g_mask: u32,
    /// Blue mask.
    pub b_mask: u32,
    /// Alpha mask.
    pub a_mask: u32,
}

/// The DX10 extension header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dx10Header {
    /// `DXGI_FORMAT` value.
    pub dxgi_format: u32,
    /// `D3D10_RESOURCE_DIMENSION`: 2 1D, 3 2D, 4 3D.
    pub resource_dimension: u32,
    /// `miscFlag` ([`MISC_TEXTURECUBE`]).
    pub misc_flag: u32,
    /// `arraySize`: array elements (cubes for a cube map array).
    pub array_size: u32,
}

/// The header fields, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DdsHeader {
    /// `dwFlags`.
    pub flags: u32,
    /// `dwHeight`.
    pub height: u32,
    /// `dwWidth`.
    pub width: u32,
    /// `dwDepth`.
    pub depth: u32,
    /// `dwMipMapCount`.
    pub mip_map_count: u32,
    /// The pixel format block.
    pub pixel_format: DdsPixelFormat,
    /// `dwCaps`.
    pub caps: u32,
    /// `dwCaps2`.
    pub caps2: u32,
    /// The DX10 extension, when the FourCC is `DX10`.
    pub dx10: Option<Dx10Header>,
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

impl DdsHeader {
    /// Reads the magic number, the header and (when the FourCC says so) the
    /// DX10 extension. Returns the header and the offset of the texel data.
    ///
    /// # Errors
    ///
    /// [`DdsError::NotDds`] for a wrong magic number, [`DdsError::Truncated`]
    /// when the headers do not fit, [`DdsError::InvalidHeader`] when
    /// `dwSize` or the pixel format's `dwSize` is wrong.
    pub fn read(bytes: &[u8]) -> Result<(Self, usize), DdsError> {
        let head = &bytes[..bytes.len().min(4)];
        if head.is_empty() || head != &MAGIC[..head.len()] {
            return Err(DdsError::NotDds { found: head.to_vec() });
        }
        let file_len = bytes.len() as u64;
        if bytes.len() < HEADER_LEN {
            return Err(DdsError::Truncated {
                what: "header",
                needed: HEADER_LEN as u64,
                file_len,
            });
        }
        let size = u32_at(bytes, 4);
        if size != 124 {
            return Err(DdsError::InvalidHeader(format!("dwSize is {size}, must be 124")));
        }
        let pf_size = u32_at(bytes, 76);
        if pf_size != 32 {
            return Err(DdsError::InvalidHeader(format!(
                "the pixel format's dwSize is {pf_size}, must be 32"
            )));
        }
        let mut four_cc = [0; 4];
        four_cc.copy_from_slice(&bytes[84..88]);
        let pixel_format = DdsPixelFormat {
            flags: u32_at(bytes, 80),
            four_cc,
            rgb_bit_count: u32_at(bytes, 88),
            r_mask: u32_at(bytes, 92),
            g_mask: u32_at(bytes, 96),
            b_mask: u32_at(bytes, 100),
            a_mask: u32_at(bytes, 104),
        };
        let dx10_present = pixel_format.flags & PF_FOURCC != 0 && &four_cc == b"DX10";
        let (dx10, data_offset) = if dx10_present {
            let end = HEADER_LEN + DX10_HEADER_LEN;
            if bytes.len() < end {
                return Err(DdsError::Truncated {
                    what: "DX10 header",
                    needed: end as u64,
                    file_len,
                });
            }
            let d = &bytes[HEADER_LEN..end];
            let dx10 = Dx10Header {
                dxgi_format: u32_at(d, 0),
                resource_dimension: u32_at(d, 4),
                misc_flag: u32_at(d, 8),
                array_size: u32_at(d, 12),
            };
            (Some(dx10), end)
        } else {
            (None, HEADER_LEN)
        };
        let header = DdsHeader {
            flags: u32_at(bytes, 8),
            height: u32_at(bytes, 12),
            width: u32_at(bytes, 16),
            depth: u32_at(bytes, 24),
            mip_map_count: u32_at(bytes, 28),
            pixel_format,
            caps: u32_at(bytes, 108),
            caps2: u32_at(bytes, 112),
            dx10,
        };
        Ok((header, data_offset))
    }
}
