//! The DDS reader on hand-built headers: what it accepts, and the typed
//! error each kind of bad header gets.

use amsp_formats::texture::dds::{DdsError, DdsFormat, DdsTexture, PixelLayout};
use amsp_formats::texture::ktx2::{TextureLimits, VkFormat};

/// A 2D DX10 header (`dxgi` format, `misc` flags, `array` elements)
/// followed by `data_len` bytes.
fn dx10(
    width: u32,
    height: u32,
    mips: u32,
    dxgi: u32,
    array: u32,
    misc: u32,
    data_len: usize,
) -> Vec<u8> {
    let mut h = vec![0u8; 148];
    let mut put = |at: usize, v: u32| h[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put(0, u32::from_le_bytes(*b"DDS "));
    put(4, 124);
    put(8, 0x2_1007);
    put(12, height);
    put(16, width);
    put(28, mips);
    put(76, 32);
    put(80, 0x4);
    put(84, u32::from_le_bytes(*b"DX10"));
    put(108, 0x40_1008);
    put(128, dxgi);
    put(132, 3);
    put(136, misc);
    put(140, array);
    h.resize(148 + data_len, 0xAB);
    h
}

fn parse(bytes: &[u8]) -> Result<DdsTexture<'_>, DdsError> {
    DdsTexture::parse(bytes, &TextureLimits::default())
}

#[test]
fn valid_headers_give_formats_dimensions_and_image_slices() {
    // BC7 sRGB cube map array of 2 cubes, 8×8, 4 levels: 64+16+16+16 bytes a face.
    let bytes = dx10(8, 8, 4, 99, 2, 0x4, 12 * 112);
    let dds = parse(&bytes).unwrap();
    assert_eq!(dds.format(), DdsFormat::Block(VkFormat::Bc7Srgb));
    assert_eq!((dds.layers(), dds.faces(), dds.levels()), (2, 6, 4));
    assert_eq!(dds.image_level(0, 0).unwrap().len(), 64);
    assert_eq!(dds.image_level(11, 3).unwrap().len(), 16);
    assert!(dds.image_level(12, 0).is_none() && dds.image_level(0, 4).is_none());
    // Trailing bytes are ignored.
    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0; 9]);
    assert_eq!(parse(&longer).unwrap().levels(), 4);

    // Uncompressed formats and their texel sizes.
    for (dxgi, layout, texel) in [
        (28, PixelLayout::Rgba8 { srgb: false }, 4),
        (91, PixelLayout::Bgra8 { srgb: true, opaque: false }, 4),
        (10, PixelLayout::Rgba16f, 8),
        (2, PixelLayout::Rgba32f, 16),
        (61, PixelLayout::R8, 1),
        (49, PixelLayout::Rg8, 2),
    ] {
        let bytes = dx10(5, 3, 1, dxgi, 1, 0, 15 * texel);
        let dds = parse(&bytes).unwrap_or_else(|e| panic!("DXGI {dxgi}: {e}"));
        assert_eq!(dds.format(), DdsFormat::Uncompressed(layout));
        assert_eq!(dds.image_level(0, 0).unwrap().len(), 15 * texel);
    }
}

#[test]
fn each_bad_header_gets_its_typed_error() {
    type Check = fn(&DdsError) -> bool;
    let valid = dx10(16, 16, 5, 71, 1, 0, 128 + 32 + 8 + 8 + 8);
    parse(&valid).unwrap();
    let set = |at: usize, v: u32| {
        let mut b = valid.clone();
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        b
    };
    let rows: Vec<(&str, Vec<u8>, Check)> = vec![
        ("empty", Vec::new(), |e| matches!(e, DdsError::NotDds { .. })),
        ("wrong magic", set(0, 0x2053_4443), |e| matches!(e, DdsError::NotDds { .. })),
        ("header cut", valid[..100].to_vec(), |e| {
            matches!(e, DdsError::Truncated { what: "header", .. })
        }),
        ("DX10 header cut", valid[..140].to_vec(), |e| {
            matches!(e, DdsError::Truncated { what: "DX10 header", .. })
        }),
        ("data cut", valid[..valid.len() - 1].to_vec(), |e| {
            matches!(e, DdsError::Truncated { what: "texel data", .. })
        }),
        ("dwSize", set(4, 123), |e| matches!(e, DdsError::InvalidHeader(_))),
        ("huge width", set(16, 100_000), |e| {
            matches!(e, DdsError::LimitExceeded { what: "width", value: 100_000, .. })
        }),
        ("huge array", set(140, u32::MAX), |e| {
            matches!(e, DdsError::LimitExceeded { what: "array size", .. })
        }),
        ("too many mips", set(28, 6), |e| matches!(e, DdsError::InvalidHeader(_))),
        ("zero height", set(12, 0), |e| matches!(e, DdsError::InvalidHeader(_))),
        ("unknown DXGI", set(128, 1000), |e| matches!(e, DdsError::UnsupportedFormat(_))),
        ("resource dimension", set(132, 9), |e| matches!(e, DdsError::InvalidHeader(_))),
        (
            "non-square cube",
            {
                let mut b = set(136, 4);
                b[12..16].copy_from_slice(&8u32.to_le_bytes());
                b
            },
            |e| matches!(e, DdsError::InvalidHeader(_)),
        ),
    ];
    for (name, bytes, check) in rows {
        let e = parse(&bytes).expect_err(name);
        assert!(check(&e), "{name}: {e:?}");
        assert!(e.to_string().len() > 20, "{name}: {e}");
    }

    // A header whose sizes overflow u64 arithmetic is refused, not wrapped:
    // the largest limits let every field through to the size computation.
    let limits = TextureLimits {
        max_dimension: u32::MAX,
        max_layers: u32::MAX,
        max_levels: 32,
        max_total_bytes: u64::MAX,
    };
    let mut huge = dx10(u32::MAX, u32::MAX, 1, 2, u32::MAX, 0, 0);
    huge[132..136].copy_from_slice(&4u32.to_le_bytes());
    huge[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = DdsTexture::parse(&huge, &limits).unwrap_err();
    assert!(matches!(e, DdsError::LimitExceeded { .. } | DdsError::Truncated { .. }), "{e:?}");
}
