//! Writer → parser round trips, cross-checked with the independent `ktx2` crate.

use amsp_formats::texture::ktx2::{
    Ktx2Error, Ktx2Texture, Ktx2Writer, Supercompression, TextureLimits, VkFormat,
    WriteSupercompression,
};

/// Deterministic level data for `format` at `width`×`height`, `images` images.
fn levels_for(format: VkFormat, width: u32, height: u32, images: usize) -> Vec<Vec<u8>> {
    let (bw, bh) = format.block_dimensions();
    let count = 32 - width.max(height).leading_zeros();
    (0..count)
        .map(|i| {
            let w = (width >> i).max(1).div_ceil(bw) as usize;
            let h = (height >> i).max(1).div_ceil(bh) as usize;
            let len = w * h * format.block_bytes() as usize * images;
            (0..len).map(|b| (b * 31 + i as usize * 7) as u8).collect()
        })
        .collect()
}

fn check_roundtrip(
    format: VkFormat,
    srgb: bool,
    sc: WriteSupercompression,
    layers: u32,
    faces: u32,
) {
    let (w, h) = (37, if faces == 6 { 37 } else { 20 });
    let images = layers.max(1) as usize * faces as usize;
    let levels = levels_for(format, w, h, images);
    let refs: Vec<&[u8]> = levels.iter().map(Vec::as_slice).collect();
    let file = Ktx2Writer::new(format, w, h)
        .srgb(srgb)
        .layers(layers)
        .faces(faces)
        .supercompression(sc)
        .write(&refs)
        .unwrap_or_else(|e| panic!("{format:?} srgb={srgb}: {e}"));
    let bytes = file.bytes();

    let tex = Ktx2Texture::parse(bytes, &TextureLimits::default())
        .unwrap_or_else(|e| panic!("{format:?} srgb={srgb} {sc:?}: {e}"));
    let written_format = format.with_srgb(srgb).unwrap();
    assert_eq!(tex.vk_format(), written_format.raw());
    assert_eq!(tex.format(), Some(written_format));
    assert_eq!(tex.dimensions(), (w, h, 1));
    assert_eq!(tex.layers(), layers.max(1));
    assert_eq!(tex.faces(), faces);
    assert_eq!(tex.levels() as usize, levels.len());
    assert_eq!(tex.is_srgb(), srgb);
    assert!(!tex.needs_transcode());
    assert_eq!(tex.key_value("KTXwriter"), Some(&b"AMSP\0"[..]));
    let expected_sc = match sc {
        WriteSupercompression::None => Supercompression::None,
        WriteSupercompression::Zstd { .. } => Supercompression::Zstd,
    };
    assert_eq!(tex.supercompression(), expected_sc);
    let (bw, bh) = format.block_dimensions();
    assert_eq!(tex.dfd().texel_block_dimensions, [bw, bh, 1, 1]);
    assert_eq!(u32::from(tex.dfd().bytes_planes[0]), format.block_bytes());
    for (i, level) in levels.iter().enumerate() {
        assert_eq!(tex.level(i as u32).unwrap().as_ref(), level.as_slice(), "level {i}");
        let range = file.mip_level_ranges()[i].clone();
        assert_eq!(tex.raw_level(i as u32).unwrap(), &bytes[range.clone()]);
        if sc == WriteSupercompression::None {
            let align = match format.block_bytes() {
                4 => 4,
                n => n as usize,
            };
            assert_eq!(range.start % align, 0, "level {i} alignment");
        }
    }
    // Smallest level first in the file.
    let ranges = file.mip_level_ranges();
    assert!(ranges.windows(2).all(|p| p[1].end <= p[0].start));

    // The independent reader agrees.
    let other =
        ktx2::Reader::new(bytes).unwrap_or_else(|e| panic!("ktx2 crate: {format:?}: {e:?}"));
    let oh = other.header();
    assert_eq!(oh.format.map(|f| f.value()), Some(written_format.raw()));
    assert_eq!((oh.pixel_width, oh.pixel_height, oh.pixel_depth), (w, h, 0));
    assert_eq!(oh.layer_count, layers);
    assert_eq!(oh.face_count, faces);
    assert_eq!(oh.level_count as usize, levels.len());
    assert_eq!(oh.supercompression_scheme.map(|s| s.value()).unwrap_or(0), expected_sc.raw());
    // The spec stores the value NUL-terminated; the ktx2 crate keeps the NUL.
    assert_eq!(other.writer().map(|s| s.trim_end_matches('\0')), Some("AMSP"));
    let want_tf = if srgb { ktx2::TransferFunction::SRGB } else { ktx2::TransferFunction::Linear };
    assert_eq!(other.transfer_function(), Some(want_tf));
    for (i, level) in other.levels().enumerate() {
        assert_eq!(level.data, tex.raw_level(i as u32).unwrap());
        assert_eq!(level.uncompressed_byte_length as usize, levels[i].len());
    }
}

#[test]
fn every_format_round_trips_uncompressed_and_zstd() {
    for &format in VkFormat::ALL {
        if format == VkFormat::Undefined {
            continue;
        }
        for srgb in [false, true] {
            if format.with_srgb(srgb).is_none() {
                continue;
            }
            check_roundtrip(format, srgb, WriteSupercompression::None, 0, 1);
            check_roundtrip(format, srgb, WriteSupercompression::Zstd { level: 3 }, 0, 1);
        }
    }
}

#[test]
fn arrays_and_cube_maps_round_trip() {
    check_roundtrip(VkFormat::Bc7Unorm, true, WriteSupercompression::None, 3, 1);
    check_roundtrip(VkFormat::R8G8B8A8Unorm, false, WriteSupercompression::Zstd { level: 1 }, 0, 6);
    check_roundtrip(VkFormat::Bc1RgbUnorm, false, WriteSupercompression::None, 2, 6);
}

#[test]
fn dfd_matches_the_ktx2_crate_for_block_layout() {
    for &format in VkFormat::ALL {
        let Some(theirs) = ktx2::Format::new(format.raw()) else {
            continue;
        };
        let Ok((basic, _)) = ktx2::dfd::Basic::from_format(theirs) else {
            continue;
        };
        let ours = amsp_formats::texture::ktx2::dfd::BasicDfd::for_format(format).unwrap();
        let their_dims = basic.texel_block_dimensions.map(|d| u32::from(d.get()));
        assert_eq!(ours.texel_block_dimensions, their_dims, "{format:?}");
        assert_eq!(ours.bytes_planes, basic.bytes_planes, "{format:?}");
        assert_eq!(
            ours.color_model,
            basic.color_model.map(|m| m.value()).unwrap_or(0),
            "{format:?}"
        );
        assert_eq!(ours.samples.len(), basic.sample_information.len(), "{format:?}");
    }
}

#[test]
fn writer_refuses_wrong_level_sizes() {
    let err = Ktx2Writer::new(VkFormat::Bc1RgbUnorm, 8, 8).write(&[&[0u8; 31]]).unwrap_err();
    assert!(matches!(err, Ktx2Error::InvalidWrite(_)));
    assert!(err.to_string().contains("31 bytes"), "{err}");
    let err = Ktx2Writer::new(VkFormat::Bc4Unorm, 4, 4).srgb(true).write(&[&[0u8; 8]]).unwrap_err();
    assert!(err.to_string().contains("sRGB"), "{err}");
    let err =
        Ktx2Writer::new(VkFormat::R8G8B8A8Unorm, 4, 2).faces(6).write(&[&[0u8; 192]]).unwrap_err();
    assert!(err.to_string().contains("faceCount 6"), "{err}");
}

#[test]
fn corrupt_zstd_level_is_reported_with_its_expected_length() {
    let level0 = vec![7u8; 16 * 16 * 4];
    let file = Ktx2Writer::new(VkFormat::R8G8B8A8Unorm, 16, 16)
        .supercompression(WriteSupercompression::Zstd { level: 3 })
        .write(&[&level0])
        .unwrap();
    let mut bytes = file.bytes().to_vec();
    let range = file.mip_level_ranges()[0].clone();
    for b in &mut bytes[range.start + 4..range.end] {
        *b ^= 0x5A;
    }
    let tex = Ktx2Texture::parse(&bytes, &TextureLimits::default()).unwrap();
    let err = tex.level(0).unwrap_err().with_path("rock.ktx2");
    let msg = err.to_string();
    assert!(msg.starts_with("rock.ktx2: level 0"), "{msg}");
    assert!(msg.contains("1024"), "{msg}");
}
