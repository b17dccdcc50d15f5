//! KTX2 sources through the texture importer: every valid corpus file is
//! passed through with its texels, format, DFD, key/value data and layout
//! unchanged; every invalid one is refused or imported without a panic.
#![cfg(feature = "import")]

#[path = "common/corpus.rs"]
mod corpus;

use amsp_cook::{AssetMeta, ImportError, ImportInput, ImportedAsset, Importer};
use amsp_core::AssetPath;
use amsp_formats::texture::TextureImporter;
use amsp_formats::texture::ktx2::{
    Ktx2Texture, Ktx2Writer, Supercompression, TextureLimits, VkFormat, WriteSupercompression,
};

fn import(name: &str, bytes: &[u8]) -> Result<ImportedAsset, ImportError> {
    import_with(name, bytes, None)
}

/// Imports with the `supercompression` setting, if given.
fn import_with(
    name: &str,
    bytes: &[u8],
    supercompression: Option<&str>,
) -> Result<ImportedAsset, ImportError> {
    let path = AssetPath::new(name).unwrap();
    let mut meta = AssetMeta::new_random();
    if let Some(mode) = supercompression {
        meta.settings.insert("supercompression".into(), ron::Value::String(mode.into()));
    }
    TextureImporter::default().import(&ImportInput { path: &path, bytes, meta: &meta })
}

/// Checks that the cooked asset holds `source` unchanged: header fields,
/// DFD, key/value data, global data and every level with supercompression
/// undone; and that it is laid out one chunk per level, smallest first.
///
/// `mode` is the `supercompression` setting the asset was cooked with.
fn assert_passthrough(name: &str, source_bytes: &[u8], asset: &ImportedAsset, mode: &str) {
    let limits = TextureLimits::default();
    let source = Ktx2Texture::parse(source_bytes, &limits).unwrap();
    let file = asset.chunks.concat();
    let cooked = Ktx2Texture::parse(&file, &limits).unwrap_or_else(|e| panic!("{name}: {e}"));
    let (s, c) = (source.header(), cooked.header());
    assert_eq!(c.vk_format, s.vk_format, "{name}");
    assert_eq!(c.type_size, s.type_size, "{name}");
    assert_eq!(
        (c.pixel_width, c.pixel_height, c.pixel_depth),
        (s.pixel_width, s.pixel_height, s.pixel_depth),
        "{name}"
    );
    assert_eq!(
        (c.layer_count, c.face_count, c.level_count),
        (s.layer_count, s.face_count, s.level_count),
        "{name}"
    );
    let dfd = |t: &Ktx2Texture<'_>, bytes: &[u8]| {
        let h = t.header();
        bytes[h.dfd_byte_offset as usize..(h.dfd_byte_offset + h.dfd_byte_length) as usize].to_vec()
    };
    assert_eq!(dfd(&cooked, &file), dfd(&source, source_bytes), "{name}: DFD bytes");
    assert_eq!(cooked.dfd(), source.dfd(), "{name}");
    assert_eq!(cooked.key_values(), source.key_values(), "{name}: key/value data");
    assert_eq!(
        cooked.supercompression_global_data(),
        source.supercompression_global_data(),
        "{name}"
    );
    let stored: u64 = cooked.level_index().iter().map(|e| e.byte_length).sum();
    let raw: u64 = cooked.level_index().iter().map(|e| e.uncompressed_byte_length).sum();
    let expected_scheme = match (source.supercompression(), mode) {
        (Supercompression::BasisLz, _) => Supercompression::BasisLz,
        (_, "zstd") => Supercompression::Zstd,
        (_, "none") => Supercompression::None,
        // Auto keeps zstd only where it saves at least a quarter.
        _ if cooked.supercompression() == Supercompression::Zstd => {
            assert!(stored * 4 <= raw * 3, "{name}: zstd kept saving only {stored} of {raw}");
            Supercompression::Zstd
        }
        _ => Supercompression::None,
    };
    assert_eq!(cooked.supercompression(), expected_scheme, "{name} ({mode})");
    if source.supercompression() != Supercompression::None
        && cooked.supercompression() == source.supercompression()
    {
        for level in 0..source.levels() {
            assert_eq!(cooked.raw_level(level).unwrap(), source.raw_level(level).unwrap());
        }
    }
    for level in 0..source.levels() {
        let (a, b) = (source.level(level).unwrap(), cooked.level(level).unwrap());
        assert!(a == b, "{name}: level {level} differs");
    }
    // One chunk for the header sections, then one per level, smallest first.
    let levels = source.levels() as usize;
    assert_eq!(asset.chunks.len(), levels + 1, "{name}");
    for level in 0..levels {
        let chunk = &asset.chunks[levels - level];
        let raw = cooked.raw_level(level as u32).unwrap();
        assert_eq!(&chunk[..raw.len()], raw, "{name}: chunk of level {level}");
    }
    let m = &asset.metadata;
    assert_eq!(m["source_format"], "ktx2", "{name}");
    assert_eq!(m["encoding"], "passthrough", "{name}");
    assert_eq!(m["mip_count"], source.levels(), "{name}");
    assert_eq!(m["width"], s.pixel_width, "{name}");
    assert_eq!(m["layers"], source.layers(), "{name}");
    assert_eq!(m["faces"], source.faces(), "{name}");
    assert_eq!(m["srgb"], source.is_srgb(), "{name}");
    assert_eq!(m["transcode"].as_bool().unwrap_or(false), source.needs_transcode(), "{name}");
    assert_eq!(m["mip_stored_bytes"].as_array().unwrap().len(), levels, "{name}");
}

#[test]
fn every_valid_corpus_file_imports_unchanged() {
    let files = corpus::files(&corpus::textures("ktx2-valid"), "ktx2");
    assert!(files.len() >= 50, "only {} valid files found", files.len());
    let (mut basis, mut zstd_added, mut source_bytes, mut cooked_bytes) = (0, 0, 0, 0);
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        for mode in ["auto", "none"] {
            let asset =
                import_with(&name, &bytes, Some(mode)).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_passthrough(&name, &bytes, &asset, mode);
        }
        let asset =
            import_with(&name, &bytes, Some("zstd")).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_passthrough(&name, &bytes, &asset, "zstd");
        let source = Ktx2Texture::parse(&bytes, &TextureLimits::default()).unwrap();
        basis += usize::from(source.needs_transcode());
        zstd_added += usize::from(source.supercompression() == Supercompression::None);
        source_bytes += bytes.len();
        cooked_bytes += asset.chunks.iter().map(Vec::len).sum::<usize>();
    }
    eprintln!(
        "{} KTX2 files imported ({basis} Basis Universal, {zstd_added} given zstd): {source_bytes} → {cooked_bytes} bytes",
        files.len()
    );
    assert!(basis > 0 && zstd_added > 0);
}

#[test]
fn cube_maps_arrays_and_volumes_keep_their_layout() {
    let cases: [(&str, u32, u32, u32, u32, usize); 3] = [
        // (name, size, depth, layers, faces, levels)
        ("cube.ktx2", 8, 0, 0, 6, 4),
        ("cube_array.ktx2", 8, 0, 2, 6, 2),
        ("volume.ktx2", 8, 4, 0, 1, 3),
    ];
    for (name, size, depth, layers, faces, level_count) in cases {
        let images = (layers.max(1) * faces) as usize;
        let levels: Vec<Vec<u8>> = (0..level_count)
            .map(|i| {
                let side = (size >> i).max(1) as usize;
                let slices = (depth >> i).max(1) as usize;
                (0..side * side * slices * images * 4).map(|b| (b * 7 + i) as u8).collect()
            })
            .collect();
        let slices: Vec<&[u8]> = levels.iter().map(Vec::as_slice).collect();
        let file = Ktx2Writer::new(VkFormat::R8G8B8A8Srgb, size, size)
            .depth(depth)
            .layers(layers)
            .faces(faces)
            .key_value("KTXorientation", b"rd\0".to_vec())
            .write(&slices)
            .unwrap();
        let asset = import(name, file.bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_passthrough(name, file.bytes(), &asset, "auto");
        // And a second pass over an already zstd-supercompressed file copies it.
        let zstd = Ktx2Writer::new(VkFormat::R8G8B8A8Srgb, size, size)
            .depth(depth)
            .layers(layers)
            .faces(faces)
            .supercompression(WriteSupercompression::Zstd { level: 3 })
            .write(&slices)
            .unwrap();
        let asset = import_with(name, zstd.bytes(), Some("zstd")).unwrap();
        assert_passthrough(name, zstd.bytes(), &asset, "zstd");
    }
}

#[test]
fn invalid_corpus_files_never_panic_and_fatal_ones_are_refused() {
    let files = corpus::files(&corpus::textures("ktx2-invalid"), "ktx2");
    assert!(files.len() >= 600, "only {} invalid files found", files.len());
    let (mut refused, mut imported) = (0, 0);
    let mut fatal_accepted = Vec::new();
    let mut panics = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        match std::panic::catch_unwind(|| import(&name, &bytes)) {
            Err(_) => panics.push(path.display().to_string()),
            Ok(Err(e)) => {
                refused += 1;
                assert!(e.to_string().starts_with("KTX2: "), "{name}: {e}");
            }
            Ok(Ok(asset)) => {
                imported += 1;
                if name.starts_with("fatal_") {
                    fatal_accepted.push(path.display().to_string());
                }
                // What was accepted must read back.
                let file = asset.chunks.concat();
                Ktx2Texture::parse(&file, &TextureLimits::default())
                    .unwrap_or_else(|e| panic!("{name}: cooked file does not parse: {e}"));
            }
        }
    }
    eprintln!("{} invalid files: {refused} refused, {imported} imported", files.len());
    assert!(panics.is_empty(), "import panicked on {panics:#?}");
    assert!(fatal_accepted.is_empty(), "fatal files imported: {fatal_accepted:#?}");
}
