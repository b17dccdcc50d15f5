//! The KTX2 reader against real files: the valid corpus (cross-checked with
//! the independent `ktx2` crate) and the invalid corpus (no panics, bounded
//! time, every fatal file refused).

#[path = "common/corpus.rs"]
mod corpus;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use amsp_formats::texture::ktx2::{Ktx2Error, Ktx2Texture, Supercompression, TextureLimits};

fn parse_named<'a>(path: &Path, bytes: &'a [u8]) -> Result<Ktx2Texture<'a>, Ktx2Error> {
    Ktx2Texture::parse(bytes, &TextureLimits::default())
        .map_err(|e| e.with_path(path.display().to_string()))
}

#[test]
fn every_valid_file_parses_and_agrees_with_the_ktx2_crate() {
    let files = corpus::files(&corpus::textures("ktx2-valid"), "ktx2");
    assert!(files.len() >= 40, "only {} valid files found", files.len());
    let mut zstd_levels = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.display();
        let ours = parse_named(path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let theirs =
            ktx2::Reader::new(&bytes[..]).unwrap_or_else(|e| panic!("{name}: ktx2 crate: {e:?}"));
        let h = theirs.header();
        let oh = ours.header();
        assert_eq!(h.format.map(|f| f.value()).unwrap_or(0), ours.vk_format(), "{name}");
        assert_eq!(h.type_size, oh.type_size, "{name}");
        assert_eq!(
            (h.pixel_width, h.pixel_height, h.pixel_depth),
            (oh.pixel_width, oh.pixel_height, oh.pixel_depth),
            "{name}"
        );
        assert_eq!(h.layer_count.max(1), ours.layers(), "{name}");
        assert_eq!(h.face_count, ours.faces(), "{name}");
        assert_eq!(h.level_count.max(1), ours.levels(), "{name}");
        assert_eq!(
            h.supercompression_scheme.map(|s| s.value()).unwrap_or(0),
            ours.supercompression().raw(),
            "{name}"
        );
        let their_srgb = theirs.transfer_function() == Some(ktx2::TransferFunction::SRGB);
        assert_eq!(their_srgb, ours.is_srgb(), "{name}");
        assert_eq!(
            theirs.supercompression_global_data(),
            ours.supercompression_global_data(),
            "{name}"
        );
        assert_eq!(theirs.levels().len() as u32, ours.levels(), "{name}");
        for (i, level) in theirs.levels().enumerate() {
            let i = i as u32;
            let raw = ours.raw_level(i).unwrap();
            assert_eq!(level.data.len(), raw.len(), "{name} level {i} byte length");
            assert_eq!(level.data, raw, "{name} level {i}");
            assert_eq!(
                level.uncompressed_byte_length,
                ours.level_index()[i as usize].uncompressed_byte_length,
                "{name} level {i}"
            );
            if ours.supercompression() == Supercompression::Zstd {
                let data = ours.level(i).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(data.len() as u64, level.uncompressed_byte_length, "{name} level {i}");
                zstd_levels += 1;
            }
        }
        for ((k, v), (tk, tv)) in ours.key_values().iter().zip(theirs.key_value_data()) {
            assert_eq!((*k, *v), (tk, tv), "{name}");
        }
        assert_eq!(ours.key_values().len(), theirs.key_value_data().count(), "{name}");
    }
    eprintln!("{} valid KTX2 files parsed, {zstd_levels} zstd levels decompressed", files.len());
    assert!(zstd_levels > 0, "the corpus should exercise zstd levels");
}

#[test]
fn invalid_files_never_panic_are_fast_and_fatal_ones_are_refused() {
    let files = corpus::files(&corpus::textures("ktx2-invalid"), "ktx2");
    assert!(files.len() >= 600, "only {} invalid files found", files.len());
    let mut panics = Vec::new();
    let mut slow = Vec::new();
    let mut fatal_accepted = Vec::new();
    // (refused, accepted) per kind
    let mut counts = std::collections::BTreeMap::<&str, (u32, u32)>::new();
    let mut slowest = Duration::ZERO;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
        let kind = ["fatal_", "error_", "warning_"]
            .into_iter()
            .find(|k| file_name.starts_with(k))
            .unwrap_or("other");
        let start = Instant::now();
        let outcome = std::panic::catch_unwind(|| {
            parse_named(path, &bytes).map(|tex| {
                // Reading every level must not panic either.
                for i in 0..tex.levels() {
                    let _ = tex.level(i);
                }
            })
        });
        let took = start.elapsed();
        slowest = slowest.max(took);
        if took > Duration::from_secs(1) {
            slow.push(format!("{} took {took:?}", path.display()));
        }
        let Ok(result) = outcome else {
            panics.push(path.display().to_string());
            continue;
        };
        let entry = counts.entry(kind).or_default();
        match result {
            Err(e) => {
                entry.0 += 1;
                let msg = e.to_string();
                assert!(msg.contains(&file_name), "message does not name the file: {msg}");
                assert!(msg.len() > file_name.len() + 10, "message says nothing: {msg}");
                if kind == "fatal_" {
                    eprintln!("refused {msg}");
                }
            }
            Ok(()) => {
                entry.1 += 1;
                if kind == "fatal_" {
                    fatal_accepted.push(path.display().to_string());
                }
            }
        }
    }
    for (kind, (refused, accepted)) in &counts {
        eprintln!("{kind:9} refused {refused:4}, accepted {accepted:4}");
    }
    eprintln!("{} invalid files, slowest parse {slowest:?}", files.len());
    assert!(panics.is_empty(), "parsing panicked on: {panics:#?}");
    assert!(slow.is_empty(), "too slow: {slow:#?}");
    assert!(fatal_accepted.is_empty(), "fatal files accepted: {fatal_accepted:#?}");
}

#[test]
fn a_key_that_is_not_utf8_is_only_a_warning() {
    // Regression: warning_KeyInvalidUTF8 was refused although the
    // specification only warns about it; the entry is now skipped.
    let path = corpus::textures("ktx2-invalid").join("7007/warning_KeyInvalidUTF8.ktx2");
    let bytes = std::fs::read(&path).unwrap();
    let tex = parse_named(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
    assert!(tex.key_values().iter().all(|(k, _)| !k.is_empty()));
}

/// Validator codes (the `ktx2-invalid/CODE/` directories) whose every
/// `error_*` file AMSP must flag, by refusing it or by a
/// [`Ktx2Texture::validate`] warning.
///
/// Left out on purpose: glTF `KHR_texture_basisu` compatibility (3101, 3103,
/// 6301, 6303, 7201), which is not a KTX2 rule; BasisLZ global data
/// internals (81xx), which only a transcoder reads; 6109 (linear qualifier
/// with a non-linear transfer) and `KTXmapRange` (7137), not checked.
const FLAGGED_CODES: &[&str] = &[
    // Structure, checked while parsing.
    "3009", "3015", "3019", "3027", "4001", "4003", "4005", "4007", "4009", "6001", "6009", "6011",
    "7003", "7005", "7105", "7139", "8201", "8203", "8205", "8209",
    // Format: prohibited formats, typeSize, header against format, DFD against vkFormat.
    "3001", "3005", "3007", "3011", "3013", "6013", "6015", "6017", "6021", "6023", "6027",
    // Warnings: section placement, DFD samples, metadata.
    "3017", "3021", "3023", "3025", "6007", "6019", "6025", "6101", "6103", "6105", "6107", "6203",
    "6205", "7009", "7011", "7013", "7101", "7103", "7107", "7109", "7111", "7113", "7115", "7117",
    "7119", "7121", "7123", "7127", "7129", "7131", "7133",
];

/// How AMSP treats one file of the invalid corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Refused,
    Warned,
    Accepted,
}

fn verdict(path: &Path, bytes: &[u8]) -> Verdict {
    match parse_named(path, bytes) {
        Err(_) => Verdict::Refused,
        Ok(tex) if !tex.validate().is_empty() => Verdict::Warned,
        Ok(_) => Verdict::Accepted,
    }
}

#[test]
fn error_files_are_flagged_per_validator_code() {
    let root = corpus::textures("ktx2-invalid");
    let mut codes: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    codes.sort();
    assert!(codes.len() >= 80, "only {} code directories in {}", codes.len(), root.display());
    let mut missed = Vec::new();
    let mut slow = Vec::new();
    let (mut total, mut flagged_total) = (0, 0);
    eprintln!("code  files refused warned accepted");
    for dir in &codes {
        let code = dir.file_name().unwrap().to_string_lossy().into_owned();
        let files: Vec<PathBuf> = corpus::files(dir, "ktx2")
            .into_iter()
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("error_"))
            .collect();
        if files.is_empty() {
            continue;
        }
        let mut counts = [0u32; 3];
        for path in &files {
            let bytes = std::fs::read(path).unwrap();
            let start = Instant::now();
            let v = verdict(path, &bytes);
            let took = start.elapsed();
            if took > Duration::from_secs(1) {
                slow.push(format!("{} took {took:?}", path.display()));
            }
            counts[v as usize] += 1;
            if v == Verdict::Accepted && FLAGGED_CODES.contains(&code.as_str()) {
                missed.push(path.display().to_string());
            }
        }
        total += files.len();
        flagged_total += (counts[0] + counts[1]) as usize;
        let mark = if FLAGGED_CODES.contains(&code.as_str()) { "*" } else { " " };
        eprintln!("{code}{mark} {:5} {:7} {:6} {:8}", files.len(), counts[0], counts[1], counts[2]);
    }
    eprintln!("{flagged_total} of {total} error_ files flagged (* = code AMSP checks)");
    assert!(slow.is_empty(), "too slow: {slow:#?}");
    assert!(missed.is_empty(), "files of checked codes neither refused nor warned: {missed:#?}");
}

#[test]
fn valid_files_have_no_warnings() {
    let mut warned = Vec::new();
    for path in corpus::files(&corpus::textures("ktx2-valid"), "ktx2") {
        let bytes = std::fs::read(&path).unwrap();
        let tex = parse_named(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        for w in tex.validate() {
            warned.push(format!("{}: {w}", path.display()));
        }
    }
    assert!(warned.is_empty(), "conforming files got warnings: {warned:#?}");
}

/// Which typed error a format-level code must produce.
type ErrorCheck = fn(&Ktx2Error) -> bool;

#[test]
fn format_errors_are_refused_with_their_typed_error() {
    use Ktx2Error as E;
    let cases: &[(&str, &str, ErrorCheck)] = &[
        ("3001", "ProhibitedFormat", |e| matches!(e, E::ProhibitedFormat { .. })),
        // UASTC_HDR_6x6i also uses supercompression scheme 4, unknown to AMSP.
        ("3005", "TypeSizeMismatch", |e| {
            matches!(e, E::TypeSizeMismatch { .. } | E::UnknownSupercompression(4))
        }),
        (
            "3007",
            "InvalidHeader (pixelHeight 0)",
            |e| matches!(e, E::InvalidHeader(m) if m.contains("pixelHeight is 0")),
        ),
        (
            "3011",
            "InvalidHeader (3D depth format)",
            |e| matches!(e, E::InvalidHeader(m) if m.contains("depth/stencil")),
        ),
        ("6013", "DfdFormatMismatch transferFunction", |e| {
            matches!(e, E::DfdFormatMismatch { field: "transferFunction", .. })
        }),
        ("6015", "DfdFormatMismatch colorModel", |e| {
            matches!(e, E::DfdFormatMismatch { field: "colorModel", .. })
        }),
        ("6017", "DfdFormatMismatch colorModel", |e| {
            matches!(e, E::DfdFormatMismatch { field: "colorModel", .. })
        }),
        // For formats AMSP does not know, the level layout follows the DFD's
        // bytesPlane0, which then misaligns the levels.
        ("6021", "bytesPlane mismatch", |e| match e {
            E::DfdFormatMismatch { field, .. } => *field == "bytesPlane0",
            E::InvalidDfd(m) => m.contains("bytesPlane"),
            E::InvalidLevel { detail, .. } => detail.contains("not a multiple of"),
            _ => false,
        }),
        ("6023", "InvalidDfd", |e| matches!(e, E::InvalidDfd(_))),
    ];
    let root = corpus::textures("ktx2-invalid");
    let mut wrong = Vec::new();
    for (code, expected, check) in cases {
        let files = corpus::files(&root.join(code), "ktx2");
        assert!(!files.is_empty(), "no files for code {code}");
        for path in files {
            let bytes = std::fs::read(&path).unwrap();
            match Ktx2Texture::parse(&bytes, &TextureLimits::default()) {
                Err(e) if check(&e) => {}
                other => {
                    wrong.push(format!("{}: expected {expected}, got {other:?}", path.display()))
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} files refused for another reason: {wrong:#?}", wrong.len());
}
