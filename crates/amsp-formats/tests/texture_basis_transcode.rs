//! Basis Universal transcoding against the real files of the corpus: every
//! UASTC and ETC1S file to every target, checked by decoding the GPU formats
//! on the CPU; against the source PNGs where the corpus has them; per-level
//! transcoding; and corrupt data, which must give errors, never panics.

mod basis_common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use amsp_formats::texture::basis::{
    BasisError, BasisTranscoder, TextureTarget, transcode_level, transcode_texture,
};
use amsp_formats::texture::ktx2::{Ktx2Texture, Ktx2Writer, TextureLimits, VkFormat};
use basis_common::{basis_files, decode, image_rgba8, psnr};

fn parse<'a>(name: &str, bytes: &'a [u8]) -> Ktx2Texture<'a> {
    Ktx2Texture::parse(bytes, &TextureLimits::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The PSNR level 0 must reach in each target against the RGBA8 transcode
/// of the same level (UASTC's own decode, or ETC1S's ETC1 colours), over
/// RGBA. Smaller mips, down to 1×1, where a single texel weighs heavily,
/// must reach [`MIP_FLOOR`] unless the transcode is exact.
const MIP_FLOOR: f64 = 25.0;

fn floor(codec: &str, target: TextureTarget, alpha: bool) -> f64 {
    match (codec, target) {
        // UASTC is a subset of ASTC 4×4: the transcode is a repacking.
        ("UASTC", TextureTarget::Mobile) => 55.0,
        // UASTC blocks carry BC7 hints; most map exactly.
        ("UASTC", TextureTarget::Desktop) => 45.0,
        // ETC1 re-encoding of UASTC blocks is the lossy path.
        ("UASTC", TextureTarget::MobileEtc2) => 30.0,
        // ETC1S is ETC1: its opaque ETC2 transcode is exact; the alpha
        // slice is re-encoded as EAC.
        ("ETC1S", TextureTarget::MobileEtc2) if !alpha => f64::INFINITY,
        ("ETC1S", TextureTarget::MobileEtc2) => 45.0,
        // ETC1S to BC7 and ASTC re-encode ETC1 blocks.
        _ => 35.0,
    }
}

#[test]
fn every_basis_file_transcodes_to_every_target() {
    let (mut uastc, mut etc1s, mut levels_checked) = (0, 0, 0);
    // The lowest PSNR seen per (codec, target), for the summary.
    let mut lowest: std::collections::BTreeMap<(&str, String), f64> = Default::default();
    for (name, bytes) in basis_files() {
        let ktx = parse(&name, &bytes);
        let transcoder = BasisTranscoder::new(&ktx).unwrap_or_else(|e| panic!("{name}: {e}"));
        let codec = transcoder.codec_name();
        match codec {
            "UASTC" => uastc += 1,
            _ => etc1s += 1,
        }
        let alpha = transcoder.has_alpha();
        let images = ktx.layers() * ktx.faces();
        for level in 0..ktx.levels() {
            let (w, h) =
                ((ktx.dimensions().0 >> level).max(1), (ktx.dimensions().1 >> level).max(1));
            let reference = transcoder.transcode_level(level, TextureTarget::Uncompressed).unwrap();
            for target in TextureTarget::ALL {
                let what = format!("{name} ({codec}) level {level} to {target:?}");
                let out = transcoder
                    .transcode_level(level, target)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                let expected_format = match (target, alpha, ktx.is_srgb()) {
                    (TextureTarget::Desktop, _, true) => VkFormat::Bc7Srgb,
                    (TextureTarget::Desktop, _, false) => VkFormat::Bc7Unorm,
                    (TextureTarget::Mobile, _, true) => VkFormat::Astc4x4Srgb,
                    (TextureTarget::Mobile, _, false) => VkFormat::Astc4x4Unorm,
                    (TextureTarget::MobileEtc2, false, true) => VkFormat::Etc2R8G8B8Srgb,
                    (TextureTarget::MobileEtc2, false, false) => VkFormat::Etc2R8G8B8Unorm,
                    (TextureTarget::MobileEtc2, true, true) => VkFormat::Etc2R8G8B8A8Srgb,
                    (TextureTarget::MobileEtc2, true, false) => VkFormat::Etc2R8G8B8A8Unorm,
                    (TextureTarget::Uncompressed, _, true) => VkFormat::R8G8B8A8Srgb,
                    (_, _, false) => VkFormat::R8G8B8A8Unorm,
                    _ => unreachable!(),
                };
                assert_eq!(out.format, expected_format, "{what}");
                assert_eq!(
                    (out.level, out.width, out.height, out.images),
                    (level, w, h, images),
                    "{what}"
                );
                let blocks = (w.div_ceil(4) * h.div_ceil(4)) as usize;
                let image_size = match expected_format.block_bytes() {
                    4 => (w * h * 4) as usize,
                    bytes => blocks * bytes as usize,
                };
                assert_eq!(out.data.len(), image_size * images as usize, "{what}");

                for image in 0..images as usize {
                    let range = image * image_size..(image + 1) * image_size;
                    let decoded = decode(out.format, &out.data[range.clone()], w, h);
                    let reference =
                        &reference.data[image * (w * h * 4) as usize..][..(w * h * 4) as usize];
                    let (db, max) = psnr(&decoded, reference, 4);
                    let floor = match floor(codec, target, alpha) {
                        exact if exact.is_infinite() => exact,
                        floor if level == 0 => floor,
                        floor => floor.min(MIP_FLOOR),
                    };
                    assert!(
                        db >= floor,
                        "{what}, image {image}: {db:.1} dB (max error {max}) against the RGBA8 transcode, below {floor}"
                    );
                    let low = lowest.entry((codec, format!("{target:?}"))).or_insert(f64::INFINITY);
                    *low = low.min(db);
                    if codec == "UASTC" && target == TextureTarget::Mobile {
                        assert!(
                            max <= 1,
                            "{what}: ASTC decodes {max} away from UASTC's own decode"
                        );
                    }
                }
                levels_checked += 1;
            }
        }
    }
    assert!(uastc >= 7 && etc1s >= 12, "{uastc} UASTC and {etc1s} ETC1S files");
    println!("{uastc} UASTC and {etc1s} ETC1S files, {levels_checked} level transcodes checked");
    for ((codec, target), db) in lowest {
        println!("lowest PSNR against the RGBA8 transcode: {codec} to {target}: {db:.1} dB");
    }
}

/// basisu's own whole-file API (its KTX2 reader, its zstd) must give the
/// same bytes as AMSP's per-level path over AMSP's reader.
#[test]
fn transcodes_match_basisus_own_container_reader() {
    use basisu::{DecodeFlags, TargetFormat, Transcoder};
    for (name, bytes) in basis_files() {
        let ktx = parse(&name, &bytes);
        let ours = BasisTranscoder::new(&ktx).unwrap();
        let theirs = Transcoder::new(&bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(theirs.has_alpha(), ours.has_alpha(), "{name}");
        for level in 0..ktx.levels() {
            for (target, format) in [
                (TextureTarget::Desktop, TargetFormat::Bc7Rgba),
                (TextureTarget::Mobile, TargetFormat::Astc4x4Rgba),
                (
                    TextureTarget::MobileEtc2,
                    if ours.has_alpha() { TargetFormat::Etc2Rgba } else { TargetFormat::Etc1Rgb },
                ),
                (TextureTarget::Uncompressed, TargetFormat::Rgba32),
            ] {
                let mut expected = Vec::new();
                for layer in 0..ktx.layers() {
                    for face in 0..ktx.faces() {
                        expected.extend(
                            theirs
                                .transcode_image(level, layer, face, format, DecodeFlags::NONE)
                                .unwrap(),
                        );
                    }
                }
                let got = ours.transcode_level(level, target).unwrap();
                assert!(got.data == expected, "{name} level {level} {target:?} differs");
            }
        }
    }
}

/// Where the corpus has the PNG a Basis file was made from, the RGBA8
/// transcode must be close to it.
#[test]
fn transcodes_match_the_source_png() {
    let files = basis_files();
    // (KTX2 file, source image, channels compared, PSNR floor in dB)
    let pairs = [
        ("color_grid_uastc_zstd.ktx2", "color_grid.png", 3, 40.0),
        ("color_grid_basis.ktx2", "color_grid.png", 3, 25.0),
        ("alpha_simple_basis.ktx2", "alpha_simple.png", 4, 30.0),
        ("CesiumLogoFlat.ktx2", "CesiumLogoFlat_palette.png", 3, 25.0),
    ];
    for (ktx_name, png, channels, floor) in pairs {
        let (_, bytes) = files
            .iter()
            .find(|(n, _)| n == ktx_name)
            .unwrap_or_else(|| panic!("{ktx_name} missing"));
        let ktx = parse(ktx_name, bytes);
        let level = transcode_level(&ktx, 0, TextureTarget::Uncompressed).unwrap();
        let (w, h, source) = image_rgba8(png);
        assert_eq!((level.width, level.height), (w, h), "{ktx_name} vs {png}");
        let (db, max) = psnr(&level.data, &source, channels);
        println!("{ktx_name} vs {png}: {db:.2} dB, max error {max}");
        assert!(db >= floor, "{ktx_name} vs {png}: {db:.2} dB, below {floor}");
    }
}

#[test]
fn a_mip_range_transcodes_alone_and_matches_the_whole_texture() {
    for name in [
        "ktx_document_basis.ktx2",
        "ktx_document_uastc_rdo4_zstd5.ktx2",
        "rgba-mipmap-reference-basis.ktx2",
    ] {
        let files = basis_files();
        let (_, bytes) = files.iter().find(|(n, _)| n == name).unwrap();
        let ktx = parse(name, bytes);
        assert!(ktx.levels() >= 7, "{name} has {} levels", ktx.levels());
        let whole = transcode_texture(&ktx, TextureTarget::Desktop).unwrap();
        assert_eq!(whole.len() as u32, ktx.levels());
        for level in ktx.levels() - 3..ktx.levels() {
            let alone = transcode_level(&ktx, level, TextureTarget::Desktop).unwrap();
            assert_eq!(alone, whole[level as usize], "{name} level {level}");
        }
        let missing = transcode_level(&ktx, ktx.levels(), TextureTarget::Desktop).unwrap_err();
        assert!(matches!(missing, BasisError::Ktx2(_)), "{name}: {missing}");
    }
}

#[test]
fn other_textures_and_oversized_outputs_are_refused() {
    let bc7 = Ktx2Writer::new(VkFormat::Bc7Unorm, 4, 4).write(&[&[0u8; 16]]).unwrap();
    let ktx = Ktx2Texture::parse(bc7.bytes(), &TextureLimits::default()).unwrap();
    let err = transcode_level(&ktx, 0, TextureTarget::Desktop).unwrap_err();
    assert!(matches!(err, BasisError::NotBasis { vk_format: 145, .. }), "{err}");

    let files = basis_files();
    let (name, bytes) = files.iter().find(|(n, _)| n == "color_grid_uastc_zstd.ktx2").unwrap();
    let ktx = parse(name, bytes);
    let transcoder = BasisTranscoder::new(&ktx).unwrap().max_output_bytes(1 << 20);
    let err = transcoder.transcode_level(0, TextureTarget::Uncompressed).unwrap_err();
    assert!(
        matches!(err, BasisError::OutputTooLarge { level: 0, bytes: 4194304, limit: 1048576 }),
        "{err}"
    );
    // BC7 of 1024×1024 is exactly 1 MiB: allowed.
    assert!(transcoder.transcode_level(0, TextureTarget::Desktop).is_ok());
}

/// A small deterministic generator for corruptions.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Parses and transcodes every level to every target; the outcome, or the
/// panic message if anything panicked.
fn transcode_everything(bytes: &[u8]) -> Result<Result<(), String>, String> {
    catch_unwind(AssertUnwindSafe(|| {
        let ktx =
            Ktx2Texture::parse(bytes, &TextureLimits::default()).map_err(|e| e.to_string())?;
        let transcoder = BasisTranscoder::new(&ktx).map_err(|e| e.to_string())?;
        let mut result = Ok(());
        for level in 0..ktx.levels() {
            for target in TextureTarget::ALL {
                if let Err(e) = transcoder.transcode_level(level, target) {
                    result = Err(e.to_string());
                }
            }
        }
        result
    }))
    .map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

/// Byte range of the level data and global data: everything after the DFD
/// and key/value data.
fn payload_start(bytes: &[u8]) -> usize {
    let ktx = Ktx2Texture::parse(bytes, &TextureLimits::default()).unwrap();
    let h = ktx.header();
    let sgd = if h.sgd_byte_length > 0 { h.sgd_byte_offset as usize } else { usize::MAX };
    let first_level = ktx.level_index().iter().map(|l| l.byte_offset as usize).min().unwrap();
    sgd.min(first_level)
}

#[test]
fn corrupt_level_and_global_data_gives_errors_not_panics() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let (mut errors, mut runs) = (0, 0);
    for (name, bytes) in basis_files() {
        if bytes.len() > 100_000 {
            continue; // the large files take long in debug builds; the small ones cover both codecs
        }
        let start = payload_start(&bytes);
        for round in 0..40 {
            let mut corrupt = bytes.clone();
            // 1 to 16 random bytes of the level or global data replaced.
            for _ in 0..1 + rng.next() % 16 {
                let at = start + (rng.next() as usize) % (corrupt.len() - start);
                corrupt[at] = rng.next() as u8;
            }
            runs += 1;
            match transcode_everything(&corrupt) {
                Err(panic) => panic!("{name}, corruption round {round}: panicked: {panic}"),
                Ok(Err(_)) => errors += 1,
                Ok(Ok(())) => {}
            }
        }
        // Every truncation of the file is refused by the container or the transcoder.
        for cut in [start + 1, (start + bytes.len()) / 2, bytes.len() - 1] {
            match transcode_everything(&bytes[..cut]) {
                Err(panic) => panic!("{name} cut to {cut} bytes: panicked: {panic}"),
                Ok(result) => assert!(result.is_err(), "{name} cut to {cut} bytes was accepted"),
            }
        }
    }
    println!("{runs} corrupted files, {errors} refused, none panicked");
    assert!(errors > runs / 10, "only {errors} of {runs} corruptions were detected");
}

#[test]
fn invalid_uastc_blocks_and_etc1s_slices_are_transcode_errors() {
    let files = basis_files();
    // UASTC without supercompression: blocks whose first byte is 0x45, the
    // one 7-bit prefix that names no UASTC mode (it would be mode 19).
    let (name, bytes) = files.iter().find(|(n, _)| n == "cyan_rgb_reference_uastc.ktx2").unwrap();
    let mut corrupt = bytes.clone();
    let level = parse(name, bytes).level_index()[0];
    let range = level.byte_offset as usize..(level.byte_offset + level.byte_length) as usize;
    for block in corrupt[range].chunks_exact_mut(16) {
        block[0] = 0x45;
    }
    let ktx = parse(name, &corrupt);
    for target in TextureTarget::ALL {
        let err = transcode_level(&ktx, 0, target).unwrap_err();
        assert!(
            matches!(
                err,
                BasisError::Transcode { level: 0, layer: 0, face: 0, source_codec: "UASTC", .. }
            ),
            "{target:?}: {err}"
        );
    }

    // ETC1S: a colour slice that points past its level.
    let (name, bytes) = files.iter().find(|(n, _)| n == "cyan_rgb_reference_basis.ktx2").unwrap();
    let mut corrupt = bytes.clone();
    let h = *parse(name, bytes).header();
    let rgb_len_at = h.sgd_byte_offset as usize + 20 + 8;
    corrupt[rgb_len_at..rgb_len_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let ktx = parse(name, &corrupt);
    let err = BasisTranscoder::new(&ktx).unwrap_err();
    assert!(matches!(err, BasisError::InvalidGlobalData(_)), "{err}");
    assert!(err.to_string().contains("past the end of level 0"), "{err}");
}

/// The writer's explicit DFD: UASTC blocks from corpus files, rewritten by
/// `Ktx2Writer` with `uastc_dfd` and zstd, transcode to the same bytes as the
/// originals.
#[test]
fn uastc_rewritten_by_the_writer_transcodes_like_the_original() {
    use amsp_formats::texture::basis::uastc_dfd;
    use amsp_formats::texture::ktx2::WriteSupercompression;
    let files = basis_files();
    let mut rewritten = 0;
    for (name, bytes) in &files {
        let original = parse(name, bytes);
        let Ok(transcoder) = BasisTranscoder::new(&original) else { continue };
        if transcoder.codec_name() != "UASTC" {
            continue;
        }
        let levels: Vec<Vec<u8>> =
            (0..original.levels()).map(|l| original.level(l).unwrap().into_owned()).collect();
        let level_refs: Vec<&[u8]> = levels.iter().map(Vec::as_slice).collect();
        let (w, h, _) = original.dimensions();
        let file = Ktx2Writer::new(VkFormat::Undefined, w, h)
            .dfd(uastc_dfd(original.is_srgb(), transcoder.has_alpha()))
            .supercompression(WriteSupercompression::Zstd { level: 3 })
            .write(&level_refs)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let copy = parse(name, file.bytes());
        assert_eq!(copy.dfd().color_model, original.dfd().color_model, "{name}");
        for target in TextureTarget::ALL {
            assert_eq!(
                transcode_texture(&copy, target).unwrap(),
                transcode_texture(&original, target).unwrap(),
                "{name} {target:?}"
            );
        }
        rewritten += 1;
    }
    assert!(rewritten >= 7, "only {rewritten} UASTC files rewritten");
}
