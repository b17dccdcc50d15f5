//! Loading a cooked 10,000-vertex mesh (every LOD, one pack chunk each,
//! meshopt codecs; zstd as the default `auto` choice leaves it, and
//! forced) from a pack through the AssetServer, on one core; against
//! parsing the same mesh from its source GLB with AMSP's glTF importer,
//! against reading and decompressing the chunks, and against decoding
//! already-read chunks, in the same run.

use std::sync::Arc;
use std::time::Duration;

use amsp_bench::CookedFiles;
use amsp_bench::models::{Glb, terrain};
use amsp_core::AssetPath;
use amsp_formats::mesh::{LodSelection, Mesh, MeshImporter, MeshLimits, MeshLoader, read_mesh};
use amsp_formats::model::ModelImporter;
use amsp_io::{AssetSource, CookedSource};
use criterion::{Criterion, criterion_group, criterion_main};

/// Grid side: 100 × 100 = 10,000 vertices, 19,602 triangles.
const SIDE: u32 = 100;

/// A rolling terrain as a GLB: positions, normals and UVs (f32), u32
/// indices.
fn terrain_glb() -> Vec<u8> {
    let mut glb = Glb::new();
    let mesh = glb.mesh(&terrain(SIDE), None);
    glb.node(serde_json::json!({"mesh": mesh}), true);
    glb.finish()
}

fn mesh_load(c: &mut Criterion) {
    let glb = terrain_glb();
    // The same mesh with zstd forced on the chunks (the default leaves it
    // off here: it saves too little on this data).
    let meta = r#"(id: "000000000000000000000000000e5401", settings: {"codec": "zstd"})"#;
    let files: [(&str, &[u8]); 3] = [
        ("terrain.glb", &glb),
        ("terrain_zstd.glb", &glb),
        ("terrain_zstd.glb.meta", meta.as_bytes()),
    ];
    let cooked = CookedFiles::new(&files, |_| vec![Arc::new(ModelImporter::default())]);
    let source = &cooked.source;
    let server = cooked.server(1);
    server.register_loader(MeshLoader::default());
    let path = AssetPath::new("terrain.glb").expect("path");
    let id = source.resolve(&path.with_label("mesh0").expect("label")).expect("id");
    let limits = MeshLimits::default();
    let importer = MeshImporter::default();
    let parsed = importer.read(&path, &glb).expect("GLB parses");
    assert_eq!(parsed.vertex_count(), (SIDE * SIDE) as usize);

    let mut group = c.benchmark_group("mesh_10k");
    group.sample_size(30);
    group.bench_function("reference_parse_source_glb", |b| {
        b.iter(|| importer.read(&path, &glb).expect("GLB parses"))
    });
    // The floor: read and decompress every LOD chunk, decode nothing.
    let chunks = mesh_chunks(source, id);
    group.bench_function("reference_read_and_decompress_chunks", |b| {
        let mut stored = Vec::new();
        b.iter(|| {
            (0..chunks)
                .map(|chunk| {
                    source.read_chunk(id, chunk, &mut stored).expect("read");
                    stored.len()
                })
                .sum::<usize>()
        })
    });
    // Decoding alone: the chunks already read and decompressed.
    let decompressed: Vec<Vec<u8>> = (0..chunks)
        .map(|chunk| {
            let mut out = Vec::new();
            source.read_chunk(id, chunk, &mut out).expect("read");
            out
        })
        .collect();
    group.bench_function("decode_only_all_lods", |b| {
        b.iter(|| {
            let read = |chunk: u32, out: &mut Vec<u8>| -> Result<(), String> {
                out.clone_from(&decompressed[chunk as usize]);
                Ok(())
            };
            read_mesh(read, LodSelection::All, &limits).expect("mesh decodes")
        })
    });
    group.bench_function("read_mesh_all_lods", |b| {
        b.iter(|| {
            let read = |chunk, out: &mut Vec<u8>| source.read_chunk(id, chunk, out);
            read_mesh(read, LodSelection::All, &limits).expect("mesh reads")
        })
    });
    let zstd_path = AssetPath::new("terrain_zstd.glb#mesh0").expect("path");
    let zstd_id = source.resolve(&zstd_path).expect("id");
    group.bench_function("read_mesh_all_lods_zstd_forced", |b| {
        b.iter(|| {
            let read = |chunk, out: &mut Vec<u8>| source.read_chunk(zstd_id, chunk, out);
            read_mesh(read, LodSelection::All, &limits).expect("mesh reads")
        })
    });
    group.bench_function("read_mesh_coarsest_lod", |b| {
        b.iter(|| {
            let read = |chunk, out: &mut Vec<u8>| source.read_chunk(id, chunk, out);
            read_mesh(read, LodSelection::Coarsest, &limits).expect("mesh reads")
        })
    });
    group.bench_function("through_asset_server_all_lods", |b| {
        b.iter(|| {
            let handle = server.load::<Mesh>("terrain.glb#mesh0");
            assert!(server.wait_for(&handle, Duration::from_secs(10)).is_loaded());
            let mesh = server.get(&handle).expect("loaded");
            assert_eq!(mesh.resident.start, 0);
            drop(handle);
            server.unload_unused();
            mesh
        })
    });
    group.finish();
    let mesh = {
        let read = |chunk, out: &mut Vec<u8>| source.read_chunk(id, chunk, out);
        read_mesh(read, LodSelection::All, &limits).expect("mesh reads")
    };
    let lods: Vec<_> = mesh.lods.iter().map(|l| (l.vertex_count, l.triangle_count())).collect();
    let cooked: usize = decompressed.iter().map(Vec::len).sum();
    let stored = |id| source.describe(id).map_or(0, |d| d.stored_size);
    eprintln!("terrain: stored {} bytes by default, {} with zstd", stored(id), stored(zstd_id));
    eprintln!(
        "terrain: source {} bytes, cooked chunks {cooked} bytes before zstd, LODs (vertices, triangles) {lods:?}",
        glb.len()
    );
}

/// Number of chunks (LODs) of the cooked mesh `id`.
fn mesh_chunks(source: &CookedSource, id: amsp_core::AssetId) -> u32 {
    let mut chunk = Vec::new();
    source.read_chunk(id, 0, &mut chunk).expect("chunk 0");
    amsp_formats::mesh::layout::read_chunk(&chunk).expect("mesh chunk").header.lod_count
}

criterion_group!(benches, mesh_load);
criterion_main!(benches);
