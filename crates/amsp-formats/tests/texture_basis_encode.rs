//! UASTC encoding at cook: corpus PNGs encoded, written as KTX2 (vkFormat 0,
//! UASTC DFD, zstd), parsed back, transcoded and compared with the source.
#![cfg(feature = "basis-encode")]

mod basis_common;

use amsp_formats::texture::basis::{
    BasisError, BasisTranscoder, TextureTarget, UastcPackLevel, UastcQuality, encode_uastc_level,
    transcode_level, transcode_texture, uastc_dfd,
};
use amsp_formats::texture::encode::{EncodeQuality, TextureEncoding, encode_level};
use amsp_formats::texture::ktx2::dfd::{BasicDfd, COLOR_MODEL_UASTC};
use amsp_formats::texture::ktx2::{
    Ktx2Texture, Ktx2Writer, TextureLimits, VkFormat, WriteSupercompression,
};
use amsp_formats::texture::source::{
    ImageLimits, MipLevel, PixelFormat, TextureRole, build_mips, decode_image,
};
use basis_common::{corpus, decode, psnr};

/// Every 8-bit PNG at the top of the image corpus, as RGBA8.
fn corpus_pngs() -> Vec<(String, MipLevel, bool)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(corpus("images")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "png") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let image = decode_image(&bytes, Some("png"), &ImageLimits::default()).unwrap();
        if image.format != PixelFormat::Rgba8 {
            continue; // 16-bit sources: the importer reduces them first
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let level = MipLevel { width: image.width, height: image.height, data: image.data };
        out.push((name, level, image.has_alpha));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 15, "only {} 8-bit PNGs in the corpus", out.len());
    out
}

/// A KTX2 UASTC file of `levels` (level 0 first), zstd level 9.
fn write_uastc(width: u32, height: u32, srgb: bool, alpha: bool, levels: &[Vec<u8>]) -> Vec<u8> {
    let levels: Vec<&[u8]> = levels.iter().map(Vec::as_slice).collect();
    Ktx2Writer::new(VkFormat::Undefined, width, height)
        .dfd(uastc_dfd(srgb, alpha))
        .supercompression(WriteSupercompression::Zstd { level: 9 })
        .write(&levels)
        .unwrap()
        .into_bytes()
}

/// PSNR of a direct BC7 encode (the desktop path without Basis), for scale.
fn bc7_psnr(level: &MipLevel, channels: usize) -> f64 {
    let blocks =
        encode_level(level, PixelFormat::Rgba8, TextureEncoding::Bc7, EncodeQuality::Basic)
            .unwrap();
    psnr(&decode(VkFormat::Bc7Unorm, &blocks, level.width, level.height), &level.data, channels).0
}

/// The round trip must reach [`FLOOR`] over RGB (and alpha where there is
/// some), and stay within [`BC7_MARGIN`] of a direct BC7 encode of the same
/// level, or of 45 dB where BC7 is better than that (BC7 is nearly exact on
/// some flat-coloured images, where UASTC stays above 45 dB). UASTC is
/// encoded with the perceptual metric for sRGB, which favours luma over the
/// plain RGB error measured here, and then transcoded to BC7: two lossy steps
/// against one, hence the margin.
const FLOOR: f64 = 30.0;
const BC7_MARGIN: f64 = 7.0;

fn acceptable(db: f64, bc7: f64) -> bool {
    db >= FLOOR && db >= bc7.min(45.0) - BC7_MARGIN
}

#[test]
fn corpus_pngs_survive_a_uastc_round_trip() {
    let (mut total, mut total_bc7, mut failures) = (0.0, 0.0, Vec::new());
    let pngs = corpus_pngs();
    for (name, level, alpha) in &pngs {
        let blocks = encode_uastc_level(level, true, UastcQuality::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let block_count = level.width.div_ceil(4) * level.height.div_ceil(4);
        assert_eq!(blocks.len(), block_count as usize * 16, "{name}");

        let file = write_uastc(level.width, level.height, true, *alpha, &[blocks]);
        let ktx = Ktx2Texture::parse(&file, &TextureLimits::default())
            .unwrap_or_else(|e| panic!("{name}: the written file does not parse: {e}"));
        assert_eq!((ktx.vk_format(), ktx.dfd().color_model), (0, COLOR_MODEL_UASTC), "{name}");
        assert!(ktx.needs_transcode() && ktx.is_srgb(), "{name}");
        let rgba = transcode_level(&ktx, 0, TextureTarget::Uncompressed).unwrap();
        assert_eq!(rgba.format, VkFormat::R8G8B8A8Srgb, "{name}");
        let channels = if *alpha { 4 } else { 3 };
        let (db, max) = psnr(&rgba.data, &level.data, channels);
        let bc7 = bc7_psnr(level, channels);
        println!(
            "{name}: {}x{}{}: UASTC {db:.2} dB (max error {max}), direct BC7 {bc7:.2} dB, KTX2 {} bytes",
            level.width,
            level.height,
            if *alpha { " RGBA" } else { "" },
            file.len()
        );
        if !acceptable(db, bc7) {
            failures.push(format!("{name}: {db:.2} dB (direct BC7 {bc7:.2} dB)"));
        }
        total += db.min(60.0);
        total_bc7 += bc7.min(60.0);
    }
    let n = pngs.len() as f64;
    println!(
        "mean PSNR over {} PNGs (each capped at 60 dB): UASTC {:.2} dB, direct BC7 {:.2} dB",
        pngs.len(),
        total / n,
        total_bc7 / n
    );
    assert!(failures.is_empty(), "below {FLOOR} dB or {BC7_MARGIN} dB under BC7: {failures:#?}");
}

#[test]
fn a_cooked_mip_chain_transcodes_level_by_level() {
    let (name, level, _) = corpus_pngs().into_iter().find(|(n, ..)| n == "color_grid.png").unwrap();
    let image = amsp_formats::texture::source::SourceImage {
        width: level.width,
        height: level.height,
        format: PixelFormat::Rgba8,
        has_alpha: false,
        source_channels: 4,
        data: level.data,
    };
    let mips = build_mips(&image, TextureRole::Color).unwrap();
    let quality = UastcQuality::default();
    let encoded: Vec<Vec<u8>> =
        mips.iter().map(|mip| encode_uastc_level(mip, true, quality).unwrap()).collect();
    let file = write_uastc(image.width, image.height, true, false, &encoded);

    // The independent readers accept the file: the ktx2 crate, and the
    // transcoder's own KTX2 reader, which gives the same bytes as AMSP's.
    let reader = ktx2::Reader::new(&file[..]).unwrap();
    assert_eq!(reader.header().level_count as usize, mips.len());
    let reference = basisu::Transcoder::new(&file).unwrap();
    let ktx = Ktx2Texture::parse(&file, &TextureLimits::default()).unwrap();
    let levels = transcode_texture(&ktx, TextureTarget::Desktop).unwrap();
    for (i, (mip, out)) in mips.iter().zip(&levels).enumerate() {
        assert_eq!((out.width, out.height, out.format), (mip.width, mip.height, VkFormat::Bc7Srgb));
        let theirs = reference
            .transcode(i as u32, basisu::TargetFormat::Bc7Rgba, basisu::DecodeFlags::NONE)
            .unwrap();
        assert!(theirs == out.data, "{name} level {i}: the transcoder's own reader differs");
        let (db, max) = psnr(&decode(out.format, &out.data, out.width, out.height), &mip.data, 3);
        let bc7 = bc7_psnr(mip, 3);
        println!(
            "{name} level {i} ({}x{}): BC7 from UASTC {db:.2} dB (max error {max}), direct BC7 {bc7:.2} dB",
            mip.width, mip.height
        );
        // The last levels are a handful of texels: there only the margin to
        // BC7 holds (at 8×8 both are near 30 dB), and not at all below 4×4.
        let ok = match mip.width {
            16.. => acceptable(db, bc7),
            4..16 => db >= bc7.min(45.0) - BC7_MARGIN,
            _ => true,
        };
        assert!(ok, "{name} level {i}: {db:.2} dB, direct BC7 {bc7:.2} dB");
    }
}

#[test]
fn pack_level_and_rdo_change_the_encoding() {
    let (name, level, _) = corpus_pngs().into_iter().find(|(n, ..)| n == "fist.png").unwrap();
    let mut results = Vec::new();
    for quality in [
        UastcQuality::new(UastcPackLevel::Fastest),
        UastcQuality::new(UastcPackLevel::Default),
        UastcQuality::new(UastcPackLevel::Slower),
        UastcQuality::new(UastcPackLevel::Default).with_rdo(2.0),
    ] {
        let blocks = encode_uastc_level(&level, true, quality).unwrap();
        let file =
            write_uastc(level.width, level.height, true, false, std::slice::from_ref(&blocks));
        let ktx = Ktx2Texture::parse(&file, &TextureLimits::default()).unwrap();
        let rgba = transcode_level(&ktx, 0, TextureTarget::Uncompressed).unwrap();
        let (db, _) = psnr(&rgba.data, &level.data, 3);
        println!("{name} {quality:?}: {db:.2} dB, {} bytes after zstd", file.len());
        results.push((blocks, db, file.len()));
    }
    let [fastest, default, slower, rdo] = &results[..] else { unreachable!() };
    assert!(fastest.0 != default.0 && default.0 != slower.0, "the pack level has no effect");
    assert!(
        default.1 > fastest.1 && slower.1 >= default.1 - 0.05,
        "quality does not follow the pack level"
    );
    assert!(
        rdo.2 < default.2,
        "RDO did not make the zstd output smaller ({} vs {})",
        rdo.2,
        default.2
    );
    assert!(rdo.1 >= 30.0 && rdo.1 < default.1, "RDO at 2.0 gave {:.2} dB", rdo.1);
}

#[test]
fn linear_data_and_odd_sizes_round_trip() {
    // Not multiples of 4, down to 1×1: the encoder pads, the transcoder crops.
    for (w, h) in [(1, 1), (2, 3), (5, 7), (13, 4)] {
        // Smooth ramps, as texture data mostly is.
        let data: Vec<u8> = (0..h)
            .flat_map(|y| (0..w).flat_map(move |x| [(x * 16) as u8, (y * 16) as u8, 200, 255]))
            .collect();
        let level = MipLevel { width: w, height: h, data };
        let blocks = encode_uastc_level(&level, false, UastcQuality::default()).unwrap();
        assert_eq!(blocks.len(), (w.div_ceil(4) * h.div_ceil(4) * 16) as usize);
        let file = write_uastc(w, h, false, false, &[blocks]);
        let ktx = Ktx2Texture::parse(&file, &TextureLimits::default()).unwrap();
        assert!(!ktx.is_srgb());
        let t = BasisTranscoder::new(&ktx).unwrap();
        assert_eq!(t.format(TextureTarget::Mobile), VkFormat::Astc4x4Unorm);
        let rgba = t.transcode_level(0, TextureTarget::Uncompressed).unwrap();
        assert_eq!(rgba.data.len(), (w * h * 4) as usize);
        let (db, max) = psnr(&rgba.data, &level.data, 4);
        assert!(db >= 35.0, "{w}x{h}: {db:.2} dB, max error {max}");
    }
}

#[test]
fn the_uastc_dfd_is_what_libktx_writes() {
    for (srgb, alpha) in [(true, false), (true, true), (false, false), (false, true)] {
        let dfd = uastc_dfd(srgb, alpha);
        assert_eq!(BasicDfd::parse(&dfd.to_bytes()).unwrap(), dfd);
        assert_eq!(dfd.to_bytes().len(), 44, "libktx and basisu expect a 44-byte UASTC DFD");
        assert_eq!(dfd.is_srgb(), srgb);
    }
    // Byte for byte the DFD of a corpus file written by toktx (UASTC, sRGB, RGB).
    let bytes = std::fs::read(corpus("ktx2-valid").join("cyan_rgb_reference_uastc.ktx2")).unwrap();
    let ktx = Ktx2Texture::parse(&bytes, &TextureLimits::default()).unwrap();
    assert_eq!(ktx.dfd(), &uastc_dfd(true, false));
}

#[test]
fn bad_levels_and_settings_are_refused() {
    let ok = MipLevel { width: 4, height: 4, data: vec![128; 64] };
    let cases = [
        (MipLevel { width: 0, height: 4, data: vec![] }, UastcQuality::default()),
        (MipLevel { width: 4, height: 4, data: vec![0; 63] }, UastcQuality::default()),
        (MipLevel { width: 16385, height: 1, data: vec![0; 16385 * 4] }, UastcQuality::default()),
        (ok.clone(), UastcQuality::default().with_rdo(0.0)),
        (ok.clone(), UastcQuality::default().with_rdo(f32::NAN)),
        (ok.clone(), UastcQuality::default().with_rdo(11.0)),
    ];
    for (level, quality) in cases {
        let err = encode_uastc_level(&level, true, quality).unwrap_err();
        assert!(
            matches!(err, BasisError::EncodeInput { .. } | BasisError::Encode(_)),
            "{}x{} with {quality:?}: {err}",
            level.width,
            level.height
        );
    }
    assert!(encode_uastc_level(&ok, true, UastcQuality::default().with_rdo(1.0)).is_ok());

    // The writer checks UASTC level sizes against the DFD's 4×4 blocks of 16 bytes.
    let err = Ktx2Writer::new(VkFormat::Undefined, 8, 8)
        .dfd(uastc_dfd(true, false))
        .write(&[&[0u8; 48]])
        .unwrap_err();
    assert!(err.to_string().contains("needs 64"), "{err}");
    // Without a DFD, an undefined format cannot be written.
    assert!(Ktx2Writer::new(VkFormat::Undefined, 4, 4).write(&[&[0u8; 16]]).is_err());
}
