//! Header validation and configurable limits, table-driven over crafted headers.

use amsp_formats::texture::ktx2::{
    Ktx2Error, Ktx2Header, Ktx2Texture, Ktx2Writer, TextureLimits, VkFormat,
};

/// A valid 8×8 RGBA8 file with its full mip chain.
fn small_file() -> Vec<u8> {
    let levels: Vec<Vec<u8>> = (0..4).map(|i| vec![i as u8; (8usize >> i).pow(2) * 4]).collect();
    let refs: Vec<&[u8]> = levels.iter().map(Vec::as_slice).collect();
    Ktx2Writer::new(VkFormat::R8G8B8A8Srgb, 8, 8).write(&refs).unwrap().into_bytes()
}

/// `small_file` with its header edited.
fn with_header(edit: impl FnOnce(&mut Ktx2Header)) -> Vec<u8> {
    let mut bytes = small_file();
    let mut header = Ktx2Header::read(&bytes).unwrap();
    edit(&mut header);
    bytes[..80].copy_from_slice(&header.to_bytes());
    bytes
}

fn parse_err(bytes: &[u8]) -> String {
    Ktx2Texture::parse(bytes, &TextureLimits::default())
        .map(|_| ())
        .unwrap_err()
        .with_path("crafted.ktx2")
        .to_string()
}

#[test]
fn a_100000_square_header_is_refused_by_the_limits() {
    // Only the 80-byte header: nothing beyond it exists, so the refusal must
    // come from the limits, before any level or allocation is considered.
    let header = Ktx2Header {
        vk_format: 37,
        type_size: 1,
        pixel_width: 100_000,
        pixel_height: 100_000,
        face_count: 1,
        level_count: 1,
        ..Ktx2Header::default()
    };
    let err = Ktx2Texture::parse(&header.to_bytes(), &TextureLimits::default()).unwrap_err();
    assert_eq!(err, Ktx2Error::LimitExceeded { what: "pixelWidth", value: 100_000, limit: 16384 });
    let msg = err.with_path("huge.ktx2").to_string();
    assert_eq!(msg, "huge.ktx2: pixelWidth is 100000, above the limit of 16384");
}

#[test]
fn limits_are_configurable() {
    let bytes = small_file();
    let tight = TextureLimits { max_dimension: 4, ..TextureLimits::default() };
    let err = Ktx2Texture::parse(&bytes, &tight).unwrap_err();
    assert!(
        matches!(err, Ktx2Error::LimitExceeded { what: "pixelWidth", value: 8, limit: 4 }),
        "{err}"
    );
    let roomy = TextureLimits { max_dimension: 8, ..TextureLimits::default() };
    assert!(Ktx2Texture::parse(&bytes, &roomy).is_ok());

    let few_bytes = TextureLimits { max_total_bytes: 256, ..TextureLimits::default() };
    let err = Ktx2Texture::parse(&bytes, &few_bytes).unwrap_err().to_string();
    assert!(err.contains("above the limit of 256"), "{err}");
    let few_levels = TextureLimits { max_levels: 2, ..TextureLimits::default() };
    let err = Ktx2Texture::parse(&bytes, &few_levels).unwrap_err().to_string();
    assert_eq!(err, "levelCount is 4, above the limit of 2");
}

#[test]
fn inconsistent_headers_are_refused_with_numbers() {
    // (edit, words the message must contain)
    type Edit = fn(&mut Ktx2Header);
    let cases: &[(Edit, &str)] = &[
        (|h| h.pixel_width = 0, "pixelWidth is 0"),
        (|h| h.face_count = 3, "faceCount is 3, must be 1 or 6"),
        (
            |h| {
                h.face_count = 6;
                h.pixel_height = 4;
            },
            "must be square and 2D, not 8×4×0",
        ),
        (|h| h.level_count = 5, "levelCount is 5 but a 8×8×0 texture has at most 4 levels"),
        (|h| h.supercompression_scheme = 9, "unknown supercompression scheme 9"),
        (|h| h.pixel_width = 16, "level 0: 256 bytes of texel data"),
        (|h| h.dfd_byte_length = 0, "dfdByteLength is 0"),
        (|h| h.dfd_byte_offset = 8, "overlaps the header and level index"),
        (|h| h.kvd_byte_length += 1000, "is past the end of the file"),
        (|h| h.kvd_byte_offset = h.dfd_byte_offset, "overlaps key/value data (176..196)"),
        (|h| h.sgd_byte_length = u64::MAX, "sgdByteLength is 18446744073709551615"),
        (|h| h.pixel_depth = 8, "level 0: 256 bytes"),
    ];
    for (edit, needle) in cases {
        let msg = parse_err(&with_header(*edit));
        assert!(msg.starts_with("crafted.ktx2: "), "{msg}");
        assert!(msg.contains(needle), "expected {needle:?} in {msg:?}");
    }
}

#[test]
fn truncation_and_bad_identifier_are_named() {
    let bytes = small_file();
    assert!(parse_err(&bytes[..40]).contains("too short for the header"));
    assert!(parse_err(&bytes[..100]).contains("too short for the level index"));
    let msg = parse_err(&bytes[..bytes.len() - 1]);
    assert!(
        msg.contains("level 0 byte range") && msg.contains("past the end of the file"),
        "{msg}"
    );
    assert!(parse_err(b"PNG\r\n not a ktx2 file at all").contains("not a KTX2 file"));
}

#[test]
fn level_byte_range_message_has_the_numbers() {
    // Point level 0 past the end and check the message shape.
    let mut bytes = small_file();
    let len = bytes.len() as u64;
    bytes[80..88].copy_from_slice(&4096u64.to_le_bytes());
    bytes[88..96].copy_from_slice(&4904u64.to_le_bytes());
    let msg = parse_err(&bytes);
    assert_eq!(
        msg,
        format!(
            "crafted.ktx2: level 0 byte range 4096..9000 is past the end of the file ({len} bytes)"
        )
    );
}
