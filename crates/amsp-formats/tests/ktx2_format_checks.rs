//! Format-level validation, table-driven over valid files with one field
//! changed: each case says whether the reader must refuse the file (and with
//! which error) or accept it with a warning.

use amsp_formats::texture::ktx2::{
    Ktx2Error, Ktx2Header, Ktx2Texture, Ktx2Warning, Ktx2Writer, TextureLimits, VkFormat,
    WriteSupercompression, prohibited_format,
};

/// A 16×8 file of `format` with two levels, written by AMSP's writer.
fn written(format: VkFormat, zstd: bool) -> Vec<u8> {
    let (bw, bh) = format.block_dimensions();
    let level = |w: u32, h: u32| {
        let blocks = w.div_ceil(bw) * h.div_ceil(bh);
        (0..blocks * format.block_bytes()).map(|i| (i * 7) as u8).collect::<Vec<u8>>()
    };
    let levels = [level(16, 8), level(8, 4)];
    let refs: Vec<&[u8]> = levels.iter().map(Vec::as_slice).collect();
    let sc =
        if zstd { WriteSupercompression::Zstd { level: 3 } } else { WriteSupercompression::None };
    Ktx2Writer::new(format, 16, 8).supercompression(sc).write(&refs).unwrap().into_bytes()
}

/// Offset of the basic DFD block's `colorModel` byte; `bytesPlane0` is 8 on,
/// `transferFunction` 2 on, the texel block dimensions 4 on.
fn dfd_block(bytes: &[u8]) -> usize {
    Ktx2Header::read(bytes).unwrap().dfd_byte_offset as usize + 4 + 8
}

fn edit_header(mut bytes: Vec<u8>, edit: impl FnOnce(&mut Ktx2Header)) -> Vec<u8> {
    let mut header = Ktx2Header::read(&bytes).unwrap();
    edit(&mut header);
    bytes[..80].copy_from_slice(&header.to_bytes());
    bytes
}

fn edit_byte(mut bytes: Vec<u8>, at: impl Fn(&[u8]) -> usize, value: u8) -> Vec<u8> {
    let i = at(&bytes);
    bytes[i] = value;
    bytes
}

/// What the reader must do with a case.
enum Expect {
    /// Refuse it with an error this function accepts.
    Refused(fn(&Ktx2Error) -> bool),
    /// Parse it and list a warning this function accepts.
    Warned(fn(&Ktx2Warning) -> bool),
    /// Parse it without warnings.
    Clean,
}

#[test]
fn format_checks_refuse_or_warn_as_documented() {
    use Ktx2Error as E;
    let rgba = || written(VkFormat::R8G8B8A8Unorm, false);
    let srgb = || written(VkFormat::R8G8B8A8Srgb, false);
    let bc7 = || written(VkFormat::Bc7Unorm, false);
    let rgba_zstd = || written(VkFormat::R8G8B8A8Unorm, true);
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("writer output, RGBA8", rgba(), Expect::Clean),
        ("writer output, BC7 zstd", written(VkFormat::Bc7Unorm, true), Expect::Clean),
        (
            "scaled format",
            edit_header(rgba(), |h| h.vk_format = 39),
            Expect::Refused(|e| matches!(e, E::ProhibitedFormat { vk_format: 39, .. })),
        ),
        (
            "typeSize 4 for BC7",
            edit_header(bc7(), |h| h.type_size = 4),
            Expect::Refused(|e| matches!(e, E::TypeSizeMismatch { expected: 1, .. })),
        ),
        (
            "typeSize 2 for RGBA8: only byte swapping would care",
            edit_header(rgba(), |h| h.type_size = 2),
            Expect::Warned(|w| matches!(w, Ktx2Warning::TypeSize { expected: 1, .. })),
        ),
        (
            "BC7 as a 1D texture",
            edit_header(bc7(), |h| h.pixel_height = 0),
            Expect::Refused(|e| matches!(e, E::InvalidHeader(m) if m.contains("block-compressed"))),
        ),
        (
            "vkFormat R8G8B8A8 with the BC7 colour model",
            edit_byte(rgba(), dfd_block, 134),
            Expect::Refused(|e| matches!(e, E::DfdFormatMismatch { field: "colorModel", .. })),
        ),
        (
            "vkFormat BC7 with 8×8 blocks in the DFD",
            edit_byte(bc7(), |b| dfd_block(b) + 4, 7),
            Expect::Refused(|e| {
                matches!(e, E::DfdFormatMismatch { field: "texelBlockDimensions", .. })
            }),
        ),
        (
            "bytesPlane0 8 for 16-byte BC7 blocks",
            edit_byte(bc7(), |b| dfd_block(b) + 8, 8),
            Expect::Refused(|e| matches!(e, E::DfdFormatMismatch { field: "bytesPlane0", .. })),
        ),
        (
            "an sRGB vkFormat with a linear transfer function",
            edit_byte(srgb(), |b| dfd_block(b) + 2, 1),
            Expect::Refused(|e| {
                matches!(e, E::DfdFormatMismatch { field: "transferFunction", .. })
            }),
        ),
        (
            "a UNORM vkFormat with an sRGB transfer function",
            edit_byte(rgba(), |b| dfd_block(b) + 2, 2),
            Expect::Refused(|e| {
                matches!(e, E::DfdFormatMismatch { field: "transferFunction", .. })
            }),
        ),
        (
            "vkFormat 0 with the RGBSDA colour model",
            edit_header(rgba(), |h| h.vk_format = 0),
            Expect::Refused(|e| matches!(e, E::InvalidDfd(m) if m.contains("Basis Universal"))),
        ),
        (
            "cube map with depth",
            edit_header(rgba(), |h| {
                h.face_count = 6;
                h.pixel_depth = 8;
            }),
            Expect::Refused(|e| matches!(e, E::InvalidHeader(_))),
        ),
        (
            "zstd with unsized bytesPlane0, as before KTX 2.0.4",
            edit_byte(rgba_zstd(), |b| dfd_block(b) + 8, 0),
            Expect::Clean,
        ),
        (
            "zstd, unsized bytesPlane0, uncompressedByteLength 4 too long",
            {
                let mut b = edit_byte(rgba_zstd(), |b| dfd_block(b) + 8, 0);
                // Level 0's uncompressedByteLength: 80 + 16.
                let ubl = u64::from_le_bytes(b[96..104].try_into().unwrap()) + 4;
                b[96..104].copy_from_slice(&ubl.to_le_bytes());
                b
            },
            Expect::Refused(|e| matches!(e, E::InvalidLevel { level: 0, .. })),
        ),
        (
            "levelCount 0 for BC7",
            {
                // One level, so the index has a single entry either way.
                let one = Ktx2Writer::new(VkFormat::Bc7Unorm, 16, 8)
                    .write(&[&[0u8; 8 * 16][..]])
                    .unwrap()
                    .into_bytes();
                edit_header(one, |h| h.level_count = 0)
            },
            Expect::Warned(|w| matches!(w, Ktx2Warning::NoLevelsForBlockFormat { .. })),
        ),
    ];
    let mut wrong = Vec::new();
    for (name, bytes, expect) in &cases {
        let result = Ktx2Texture::parse(bytes, &TextureLimits::default());
        let ok = match (expect, &result) {
            (Expect::Refused(check), Err(e)) => check(e),
            (Expect::Warned(check), Ok(t)) => t.validate().iter().any(check),
            (Expect::Clean, Ok(t)) => t.validate().is_empty(),
            _ => false,
        };
        if !ok {
            let warnings = result.as_ref().map(Ktx2Texture::validate);
            wrong.push(format!("{name}: got {:?}, warnings {warnings:?}", result.as_ref().err()));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_prohibited_format_of_the_specification_is_named() {
    // Regression guard for the list itself: the scaled, A8B8G8R8 and
    // multi-planar ranges, and none of their legal neighbours.
    let prohibited: Vec<u32> = (0..200)
        .chain(1_000_156_000..1_000_156_034)
        .filter(|&f| prohibited_format(f).is_some())
        .collect();
    // 24 scaled outside the A8B8G8R8 range, 7 A8B8G8R8 (two of them scaled), 20 multi-planar.
    assert_eq!(prohibited.len(), 24 + 7 + 20, "{prohibited:?}");
    for legal in [9, 37, 43, 50, 58, 64, 131, 145, 1_000_156_000, 1_000_156_007] {
        assert!(prohibited_format(legal).is_none(), "vkFormat {legal} is legal");
    }
    for f in VkFormat::ALL {
        assert!(prohibited_format(f.raw()).is_none(), "{f:?} is in VkFormat but prohibited");
    }
}
