//! Loading a cooked 2048×2048 BC7 texture (all mips, one pack chunk per
//! mip) from a pack onto the CPU, ready for upload, on one core: stored as
//! the default `auto` supercompression leaves it (no zstd: it saves too
//! little on this data) and with zstd forced; against decoding the same
//! image from PNG with the `image` crate, and against reading and
//! decompressing the same level bytes with nothing around it, in the same
//! run.

use std::sync::Arc;
use std::time::Duration;

use amsp_bench::CookedFiles;
use amsp_formats::texture::basis::TextureTarget;
use amsp_formats::texture::ktx2::{Ktx2Texture, Supercompression, TextureLimits};
use amsp_formats::texture::layout::chunk_of_level;
use amsp_formats::texture::{MipSelection, Texture, TextureImporter, TextureLoader, read_texture};
use amsp_io::AssetSource;
use criterion::{Criterion, criterion_group, criterion_main};

const SIZE: u32 = 2048;

/// A 2048×2048 RGBA image with gradients and noise, as PNG bytes.
fn source_png() -> Vec<u8> {
    amsp_bench::textures::gradient_noise_png(SIZE, 0).expect("PNG encodes")
}

fn texture_load(c: &mut Criterion) {
    let png = source_png();
    // The same image twice: with the default supercompression (auto: zstd
    // saves too little on this BC7 data, so the levels are stored as they
    // are) and with zstd forced.
    let meta =
        r#"(id: "000000000000000000000000000a2d57", settings: {"supercompression": "zstd"})"#;
    let files: [(&str, &[u8]); 3] = [
        ("albedo.png", &png),
        ("albedo_zstd.png", &png),
        ("albedo_zstd.png.meta", meta.as_bytes()),
    ];
    let cooked = CookedFiles::new(&files, |_| vec![Arc::new(TextureImporter::default())]);
    let source = &cooked.source;
    let server = cooked.server(1);
    server.register_loader(TextureLoader::default());
    let limits = TextureLimits::default();

    let mut group = c.benchmark_group("texture_2k");
    group.sample_size(20);
    group.bench_function("reference_png_decode_image_crate", |b| {
        b.iter(|| image::load_from_memory(&png).expect("PNG decodes").into_rgba8())
    });
    for (name, path, scheme) in [
        ("auto", "albedo.png", Supercompression::None),
        ("zstd", "albedo_zstd.png", Supercompression::Zstd),
    ] {
        let id = source.resolve(&amsp_core::AssetPath::new(path).expect("path")).expect("id");
        let mut header = Vec::new();
        source.read_chunk(id, 0, &mut header).expect("header chunk");
        let ktx = Ktx2Texture::parse_header(&header, &limits).expect("header parses");
        assert_eq!(ktx.supercompression(), scheme, "{path}");
        let levels = ktx.levels();
        // The floor for this texture: read every level chunk and undo its
        // supercompression, with nothing else.
        group.bench_function(format!("{name}/reference_read_and_decompress_levels"), |b| {
            let mut stored = Vec::new();
            b.iter(|| {
                let mut total = 0;
                for level in 0..levels {
                    let chunk = chunk_of_level(level, levels);
                    source.read_chunk(id, chunk, &mut stored).expect("read");
                    total += ktx.decode_stored_level(level, &stored).expect("decodes").len();
                }
                total
            })
        });
        group.bench_function(format!("{name}/read_texture_all_mips"), |b| {
            b.iter(|| {
                let read = |chunk, out: &mut Vec<u8>| source.read_chunk(id, chunk, out);
                read_texture(read, MipSelection::All, TextureTarget::Desktop, &limits)
                    .expect("texture reads")
            })
        });
        group.bench_function(format!("{name}/read_texture_mip_tail_256"), |b| {
            b.iter(|| {
                let read = |chunk, out: &mut Vec<u8>| source.read_chunk(id, chunk, out);
                read_texture(read, MipSelection::MaxSize(256), TextureTarget::Desktop, &limits)
                    .expect("texture reads")
            })
        });
        group.bench_function(format!("{name}/through_asset_server"), |b| {
            b.iter(|| {
                let handle = server.load::<Texture>(path);
                assert!(server.wait_for(&handle, Duration::from_secs(10)).is_loaded());
                let texture = server.get(&handle).expect("loaded");
                assert_eq!(texture.width, SIZE);
                drop(handle);
                server.unload_unused();
                texture
            })
        });
    }
    group.finish();
}

criterion_group!(benches, texture_load);
criterion_main!(benches);
