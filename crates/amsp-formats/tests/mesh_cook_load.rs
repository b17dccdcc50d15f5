//! Cooking meshes into LOD chains and loading them back: chunk order,
//! LOD properties, catalog records, the AssetServer path and upgrades.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use amsp_catalog::Catalog;
use amsp_cook::{AssetMeta, Cooker, ImportInput, ImportedAsset, Importer};
use amsp_core::{AssetId, AssetPath};
use amsp_formats::mesh::{
    LodSelection, Mesh, MeshData, MeshImporter, MeshLimits, MeshLoader, MeshReadError, read_mesh,
};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::{Asset, AssetServer};

const MESHES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/meshes");

fn corpus(rel: &str) -> PathBuf {
    let path = Path::new(MESHES).join(rel);
    assert!(path.is_file(), "the mesh corpus is missing {}", path.display());
    path
}

fn cook(rel: &str, settings: &str) -> (MeshData, ImportedAsset) {
    let path = AssetPath::new(rel).expect("path");
    let bytes = std::fs::read(corpus(rel)).expect("corpus file");
    let meta = AssetMeta::parse(
        Path::new("x.meta"),
        &format!("(id: \"{}\", settings: {{{settings}}})", AssetId::from_u128(7)),
    )
    .expect("sidecar");
    let importer = MeshImporter::with_source_root(MESHES);
    let source = importer.read(&path, &bytes).expect("source reads");
    let cooked =
        importer.import(&ImportInput { path: &path, bytes: &bytes, meta: &meta }).expect("cooks");
    (source, cooked)
}

fn read_all(cooked: &ImportedAsset, selection: LodSelection) -> (Mesh, Vec<u32>) {
    let mut reads = Vec::new();
    let read = |chunk: u32, out: &mut Vec<u8>| -> Result<(), String> {
        reads.push(chunk);
        let data = cooked.chunks.get(chunk as usize).ok_or("no such chunk")?;
        out.clear();
        out.extend_from_slice(data);
        Ok(())
    };
    let mesh = read_mesh(read, selection, &MeshLimits::default()).expect("mesh reads");
    (mesh, reads)
}

#[test]
fn the_lod_chain_is_stored_coarse_first_and_decodes() {
    let (source, cooked) = cook("draco-testdata/KhronosSampleModels/Duck/glTF_Binary/Duck.glb", "");
    let lods = &cooked.lods;
    assert!(lods.len() >= 3, "{} LODs", lods.len());
    assert_eq!(cooked.chunks.len(), lods.len());
    assert_eq!(lods[0].triangles as usize, source.triangle_count());
    for (level, lod) in lods.iter().enumerate() {
        assert_eq!(lod.level as usize, level);
        assert_eq!(lod.chunk as usize, lods.len() - 1 - level, "coarsest LOD first");
        assert_eq!(lod.bytes as usize, cooked.chunks[lod.chunk as usize].len());
        if level > 0 {
            assert!(lod.triangles * 10 <= lods[level - 1].triangles * 9, "{lods:?}");
            assert!(lod.screen_error >= lods[level - 1].screen_error, "{lods:?}");
        }
    }
    let (mesh, reads) = read_all(&cooked, LodSelection::All);
    assert_eq!(reads.first(), Some(&0), "chunk 0 is read first");
    // zstd only where it saves a quarter of the bytes.
    let raw: usize = cooked.chunks.iter().map(Vec::len).sum();
    let packed: usize =
        cooked.chunks.iter().map(|c| zstd::bulk::compress(c, 3).expect("zstd").len()).sum();
    let pays = packed as f64 <= raw as f64 * (1.0 - amsp_formats::mesh::ZSTD_MIN_SAVING);
    let expected = if pays { amsp_core::Codec::Zstd } else { amsp_core::Codec::None };
    assert_eq!(cooked.codec, Some(expected), "{packed} of {raw} bytes");
    assert_eq!(mesh.resident, 0..lods.len() as u32);
    assert!(mesh.layout.normal && mesh.layout.uv);
    let b = source.bounds();
    assert_eq!(mesh.bounds, b);
    for (lod, variant) in mesh.lods.iter().zip(lods) {
        assert_eq!(lod.triangle_count() as u64, variant.triangles);
        assert_eq!(lod.vertices.len(), lod.vertex_count as usize * mesh.layout.stride());
        for i in 0..lod.vertex_count as usize {
            let p = lod.position(i).expect("position");
            assert!((0..3).all(|k| p[k] >= b.min[k] && p[k] <= b.max[k]), "{p:?} outside {b:?}");
        }
    }
    // LOD 0 holds the source's triangles, as sets of corner positions.
    let key = |p: [f32; 3]| p.map(f32::to_bits);
    let mut expected: Vec<_> = source
        .indices
        .chunks_exact(3)
        .map(|t| {
            let mut c = [0, 1, 2].map(|k| key(source.positions[t[k] as usize]));
            c.sort();
            c
        })
        .collect();
    let lod0 = mesh.finest();
    let mut got: Vec<_> = lod0
        .indices
        .chunks_exact(3)
        .map(|t| {
            let mut c = [0, 1, 2].map(|k| key(lod0.position(t[k] as usize).expect("p")));
            c.sort();
            c
        })
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "LOD 0 is the source mesh, reordered");
}

#[test]
fn the_coarsest_lod_reads_from_one_chunk_and_upgrades() {
    let (_, cooked) = cook("meshoptimizer/pirate.glb", "");
    let (coarse, reads) = read_all(&cooked, LodSelection::Coarsest);
    assert_eq!(reads, [0], "the coarsest LOD needs chunk 0 only, read once");
    let count = coarse.lod_count;
    assert_eq!(coarse.resident, count - 1..count);
    let read = |chunk: u32, out: &mut Vec<u8>| -> Result<(), String> {
        out.clear();
        out.extend_from_slice(&cooked.chunks[chunk as usize]);
        Ok(())
    };
    let full = coarse.upgrade(read, 0, &MeshLimits::default()).expect("upgrades");
    assert_eq!(full, read_all(&cooked, LodSelection::All).0);
}

#[test]
fn lod_settings_are_applied_and_checked() {
    let (_, one) = cook("draco-testdata/bunny_gltf.drc", "\"lods\": 1");
    assert_eq!((one.lods.len(), one.chunks.len()), (1, 1));
    let (_, two) = cook(
        "draco-testdata/bunny_gltf.drc",
        "\"lods\": 2, \"lod_error\": [0.05], \"lod_ratio\": 0.1",
    );
    assert_eq!(two.lods.len(), 2);
    assert!(two.lods[1].triangles * 5 < two.lods[0].triangles, "{:?}", two.lods);
    let path = AssetPath::new("a.obj").expect("path");
    let bytes = std::fs::read(corpus("draco-testdata/cube_att.obj")).expect("corpus");
    for bad in ["\"lods\": 0", "\"lods\": \"many\"", "\"lod_error\": [2.0]", "\"lod_ratio\": 1.5"] {
        let meta = AssetMeta::parse(
            Path::new("x.meta"),
            &format!("(id: \"{}\", settings: {{{bad}}})", AssetId::from_u128(7)),
        )
        .expect("sidecar");
        let result = MeshImporter::default().import(&ImportInput {
            path: &path,
            bytes: &bytes,
            meta: &meta,
        });
        assert!(result.is_err(), "{bad} accepted");
    }
}

#[test]
fn corrupt_chunks_are_errors() {
    let (_, cooked) = cook("draco-testdata/car.drc", "");
    for cut in [0, 10, 84, 100] {
        let read = |chunk: u32, out: &mut Vec<u8>| -> Result<(), String> {
            let data = &cooked.chunks[chunk as usize];
            out.clear();
            out.extend_from_slice(&data[..cut.min(data.len())]);
            Ok(())
        };
        assert!(read_mesh(read, LodSelection::All, &MeshLimits::default()).is_err(), "cut {cut}");
    }
    let read = |chunk: u32, out: &mut Vec<u8>| -> Result<(), String> {
        out.clear();
        out.extend_from_slice(&cooked.chunks[chunk as usize]);
        let last = out.len() - 1;
        out[last] ^= 0xff;
        out[last / 2] ^= 0x55;
        Ok(())
    };
    // Flipped bytes in the encoded data: an error or a mesh whose indices
    // are in range (checked by the reader), never a panic.
    let _ = read_mesh(read, LodSelection::All, &MeshLimits::default());
    let limits = MeshLimits { max_vertices: 10, ..MeshLimits::default() };
    let read = |chunk: u32, out: &mut Vec<u8>| -> Result<(), String> {
        out.clone_from(&cooked.chunks[chunk as usize]);
        Ok(())
    };
    assert!(matches!(
        read_mesh(read, LodSelection::All, &limits),
        Err(MeshReadError::TooLarge { .. })
    ));
}

#[test]
fn cooked_meshes_load_through_the_asset_server_with_catalog_lods() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    std::fs::create_dir_all(src.join("box")).expect("source folder");
    for (from, to) in [
        ("draco-testdata/Box/glTF/Box.gltf", "box/Box.gltf"),
        ("draco-testdata/Box/glTF/Box0.bin", "box/Box0.bin"),
        ("draco-testdata/KhronosSampleModels/Duck/glTF_Binary/Duck.glb", "duck.glb"),
        ("meshoptimizer/pirate.glb", "pirate.glb"),
        ("draco-testdata/test_nm.obj.edgebreaker.cl10.2.2.drc", "nm.drc"),
        ("draco-testdata/sphere.obj", "sphere.obj"),
    ] {
        std::fs::copy(corpus(from), src.join(to)).expect("copied");
    }
    let mut cooker = Cooker::new(&src, &out);
    cooker.registry_mut().register(Arc::new(MeshImporter::with_source_root(&src)));
    cooker.registry_mut().register(Arc::new(amsp_formats::model::ModelImporter::default()));
    let report = cooker.run().expect("cook");
    assert_eq!(report.failed, 0, "{:?}", report.errors);

    let catalog = Catalog::open_read_only(out.join("catalog.db")).expect("catalog");
    let duck = catalog
        .get_by_path(&AssetPath::new("duck.glb#mesh0").expect("path"))
        .expect("query")
        .expect("duck in the catalog");
    assert_eq!(duck.asset_type, "mesh");
    assert_eq!(duck.chunk_count as usize, duck.lods.len());
    assert_eq!(duck.lods[0].triangles, 4212);
    assert_eq!(duck.metadata["vertex_count"], 2399);
    assert_eq!(duck.metadata["lod_count"], duck.lods.len());
    assert_eq!(duck.metadata["aabb_min"].as_array().map(Vec::len), Some(3));
    assert!(duck.metadata["sphere_radius"].as_f64().is_some_and(|r| r > 0.0));

    let source = Arc::new(CookedSource::open(&out).expect("cooked output opens"));
    let server = AssetServer::builder()
        .source(Arc::clone(&source) as Arc<dyn AssetSource>)
        .worker_threads(1)
        .build()
        .expect("server");
    server.register_loader(MeshLoader::default());
    for (path, triangles) in [
        ("box/Box.gltf#mesh0", 12),
        ("duck.glb#mesh0", 4212),
        ("pirate.glb#mesh0", 5010),
        ("nm.drc", 170),
        ("sphere.obj#mesh0", 224),
    ] {
        let handle = server.load::<Mesh>(path);
        assert!(server.wait_for(&handle, Duration::from_secs(20)).is_loaded(), "{path}");
        let mesh = server.get(&handle).expect("loaded");
        assert_eq!(mesh.finest().triangle_count(), triangles, "{path}");
        assert_eq!(mesh.resident.start, 0, "{path}");
    }
}

#[test]
fn placeholders_are_cubes_told_apart_by_colour() {
    let loading = Mesh::placeholder().expect("placeholder");
    let failed = Mesh::error_placeholder().expect("error placeholder");
    for cube in [&loading, &failed] {
        assert_eq!(cube.finest().triangle_count(), 12);
        assert_eq!(cube.finest().vertices.len(), 24 * cube.layout.stride());
        assert!(cube.finest().indices.iter().all(|&i| i < 24));
        for i in 0..24 {
            let p = cube.finest().position(i).expect("position");
            assert!(p.iter().all(|c| c.abs() == 0.5), "{p:?}");
        }
    }
    assert_ne!(loading, failed);
}
