//! Loading a cooked 10,000-vertex mesh (every LOD, one pack chunk each,
//! meshopt codecs; zstd as the default `auto` choice leaves it, and
//! forced) from a pack through the AssetServer, on one core; against
//! parsing the same mesh from its source GLB with AMSP's glTF importer,
//! against reading and decompressing the chunks, and against decoding
//! already-read chunks, in the same run.

use std::sync::Arc;
use std::time::Duration;

use amsp_bench::CookedFiles;
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
    let n = SIDE * SIDE;
    let height =
        |x: f32, z: f32| (x * 0.31).sin() * 2.0 + (z * 0.17).cos() * 3.0 + (x * z * 0.01).sin();
    let mut bin = Vec::new();
    let (mut min, mut max) = ([f32::MAX; 3], [f32::MIN; 3]);
    for z in 0..SIDE {
        for x in 0..SIDE {
            let p = [x as f32, height(x as f32, z as f32), z as f32];
            for k in 0..3 {
                min[k] = min[k].min(p[k]);
                max[k] = max[k].max(p[k]);
            }
            bin.extend(p.iter().flat_map(|c| c.to_le_bytes()));
        }
    }
    for z in 0..SIDE {
        for x in 0..SIDE {
            let (xf, zf) = (x as f32, z as f32);
            let dx = height(xf + 0.5, zf) - height(xf - 0.5, zf);
            let dz = height(xf, zf + 0.5) - height(xf, zf - 0.5);
            let len = (dx * dx + 1.0 + dz * dz).sqrt();
            bin.extend([-dx / len, 1.0 / len, -dz / len].iter().flat_map(|c| c.to_le_bytes()));
        }
    }
    for z in 0..SIDE {
        for x in 0..SIDE {
            let uv = [x as f32 / (SIDE - 1) as f32, z as f32 / (SIDE - 1) as f32];
            bin.extend(uv.iter().flat_map(|c| c.to_le_bytes()));
        }
    }
    let mut indices = 0;
    for z in 0..SIDE - 1 {
        for x in 0..SIDE - 1 {
            let i = z * SIDE + x;
            for v in [i, i + SIDE, i + 1, i + 1, i + SIDE, i + SIDE + 1] {
                bin.extend(v.to_le_bytes());
                indices += 1;
            }
        }
    }
    let (p, nrm, uv) = (0, n * 12, n * 24);
    let idx = n * 32;
    let json = format!(
        r#"{{"asset":{{"version":"2.0"}},"scene":0,"scenes":[{{"nodes":[0]}}],"nodes":[{{"mesh":0}}],
"meshes":[{{"primitives":[{{"attributes":{{"POSITION":0,"NORMAL":1,"TEXCOORD_0":2}},"indices":3}}]}}],
"buffers":[{{"byteLength":{len}}}],
"bufferViews":[{{"buffer":0,"byteOffset":{p},"byteLength":{pl}}},{{"buffer":0,"byteOffset":{nrm},"byteLength":{pl}}},
{{"buffer":0,"byteOffset":{uv},"byteLength":{ul}}},{{"buffer":0,"byteOffset":{idx},"byteLength":{il}}}],
"accessors":[{{"bufferView":0,"componentType":5126,"count":{n},"type":"VEC3","min":{min:?},"max":{max:?}}},
{{"bufferView":1,"componentType":5126,"count":{n},"type":"VEC3"}},
{{"bufferView":2,"componentType":5126,"count":{n},"type":"VEC2"}},
{{"bufferView":3,"componentType":5125,"count":{indices},"type":"SCALAR"}}]}}"#,
        len = bin.len(),
        pl = n * 12,
        ul = n * 8,
        il = indices * 4,
    );
    let mut json = json.into_bytes();
    while json.len() % 4 != 0 {
        json.push(b' ');
    }
    let total = 12 + 8 + json.len() + 8 + bin.len();
    let mut glb = Vec::with_capacity(total);
    glb.extend_from_slice(b"glTF");
    glb.extend(2u32.to_le_bytes());
    glb.extend((total as u32).to_le_bytes());
    glb.extend((json.len() as u32).to_le_bytes());
    glb.extend_from_slice(b"JSON");
    glb.extend_from_slice(&json);
    glb.extend((bin.len() as u32).to_le_bytes());
    glb.extend_from_slice(b"BIN\0");
    glb.extend_from_slice(&bin);
    glb
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
