//! The mesh importer against the corpus: every valid model imports, the
//! Draco box matches the plain one, edge-case files give an error or a
//! correct mesh, and truncated files never panic.

mod gltf_common;

use std::path::{Path, PathBuf};

use amsp_core::AssetPath;
use amsp_formats::mesh::{MeshData, MeshError, MeshImporter};
use gltf_common::{MESHES, mesh_corpus_files};

fn corpus() -> PathBuf {
    let dir = PathBuf::from(MESHES);
    assert!(dir.is_dir(), "the mesh corpus is missing at {}", dir.display());
    dir
}

/// Every mesh source under the corpus, sorted.
fn sources() -> Vec<PathBuf> {
    mesh_corpus_files(&["gltf", "glb", "drc", "obj"])
}

fn relative(path: &Path) -> AssetPath {
    let rel = path.strip_prefix(corpus()).expect("inside the corpus");
    AssetPath::new(rel.to_str().expect("UTF-8 path")).expect("asset path")
}

fn import(path: &Path, bytes: &[u8]) -> Result<MeshData, MeshError> {
    MeshImporter::with_source_root(corpus()).read(&relative(path), bytes)
}

/// Valid models with their vertex and triangle counts after import.
const VALID: &[(&str, usize, usize)] = &[
    ("draco-testdata/Box/glTF/Box.gltf", 24, 12),
    ("draco-testdata/Box/glTF_Binary/Box.glb", 24, 12),
    ("draco-testdata/Box/glTF_Binary/Box_Draco.glb", 24, 12),
    ("draco-testdata/BoxMetaDraco/glTF/BoxMetaDraco.gltf", 36, 12),
    ("draco-testdata/CesiumMan/glTF_Binary/CesiumMan.glb", 3273, 4672),
    ("draco-testdata/CesiumMilkTruck/glTF/CesiumMilkTruck.gltf", 3564, 3624),
    ("draco-testdata/Fox/glTF/Fox.gltf", 1728, 576),
    ("draco-testdata/KhronosSampleModels/Duck/glTF/Duck.gltf", 2399, 4212),
    ("draco-testdata/KhronosSampleModels/Duck/glTF_Binary/Duck.glb", 2399, 4212),
    ("draco-testdata/bunny_gltf.drc", 35924, 69451),
    ("draco-testdata/car.drc", 1856, 1744),
    ("draco-testdata/cube_att.obj", 24, 12),
    ("draco-testdata/cube_quads.obj", 24, 12),
    ("draco-testdata/octagon_preserved.drc", 16, 6),
    ("draco-testdata/sphere.obj", 114, 224),
    ("draco-testdata/test_nm.obj", 97, 170),
    ("draco-testdata/test_nm.obj.edgebreaker.cl10.2.2.drc", 116, 170),
    ("draco-testdata/test_nm.obj.sequential.cl3.2.2.drc", 97, 170),
    ("meshoptimizer/pirate.glb", 2887, 5010),
];

/// Edge-case files: what each must give (`Ok` with its triangle count
/// after degenerate faces are dropped, or an error).
const EDGE_CASES: &[(&str, Option<usize>)] = &[
    // Degenerate faces (a repeated vertex) are dropped, the rest kept.
    ("draco-testdata/deg_faces.obj", Some(3)),
    ("draco-testdata/degenerate_mesh.obj", Some(1)),
    ("draco-testdata/empty_name.obj", Some(1)),
    ("draco-testdata/eof_test.obj", Some(1)),
    ("draco-testdata/extra_vertex.obj", Some(3)),
    // NaN and infinite positions are refused.
    ("draco-testdata/inf_nan.obj", None),
    ("draco-testdata/test_wrong_attribute_mapping.obj", Some(1)),
    ("draco-testdata/triangle_with_degenerate_tex_coords.obj", Some(1)),
    // Draco bitstream 1.1: the decoder reads 2.2 only.
    ("draco-testdata/cube_att.drc", None),
];

fn read(rel: &str) -> (PathBuf, Vec<u8>) {
    let path = corpus().join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, bytes)
}

#[test]
fn every_valid_model_imports_with_its_counts() {
    for &(rel, vertices, triangles) in VALID {
        let (path, bytes) = read(rel);
        let mesh = import(&path, &bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
        mesh.validate().unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!((mesh.vertex_count(), mesh.triangle_count()), (vertices, triangles), "{rel}");
        let b = mesh.bounds();
        assert!(b.radius > 0.0 && b.radius.is_finite(), "{rel}: bounds {b:?}");
        for n in &mesh.normals {
            let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
            assert!(len.is_finite(), "{rel}: normal {n:?}");
        }
    }
}

#[test]
fn every_corpus_source_is_listed() {
    let listed: Vec<&str> =
        VALID.iter().map(|v| v.0).chain(EDGE_CASES.iter().map(|e| e.0)).collect();
    for path in sources() {
        let rel = relative(&path);
        assert!(listed.contains(&rel.as_str()), "{} is not covered by a test", rel.as_str());
    }
}

#[test]
fn edge_case_files_give_an_error_or_a_correct_mesh() {
    for &(rel, expected) in EDGE_CASES {
        let (path, bytes) = read(rel);
        match (import(&path, &bytes), expected) {
            (Ok(mesh), Some(triangles)) => {
                mesh.validate().unwrap_or_else(|e| panic!("{rel}: {e}"));
                assert_eq!(mesh.triangle_count(), triangles, "{rel}");
                for t in mesh.indices.chunks_exact(3) {
                    assert!(
                        t[0] != t[1] && t[1] != t[2] && t[0] != t[2],
                        "{rel}: degenerate {t:?}"
                    );
                }
            }
            (Err(_), None) => {}
            (result, expected) => panic!("{rel}: expected {expected:?}, got {result:?}"),
        }
    }
}

/// Positions of the three corners of every triangle.
fn triangles(mesh: &MeshData) -> Vec<[[f32; 3]; 3]> {
    mesh.indices.chunks_exact(3).map(|t| [0, 1, 2].map(|k| mesh.positions[t[k] as usize])).collect()
}

fn near(a: [f32; 3], b: [f32; 3], tolerance: f32) -> bool {
    (0..3).all(|k| (a[k] - b[k]).abs() <= tolerance)
}

#[test]
fn draco_box_matches_the_plain_box_within_quantisation() {
    let (plain_path, plain_bytes) = read("draco-testdata/Box/glTF_Binary/Box.glb");
    let (draco_path, draco_bytes) = read("draco-testdata/Box/glTF_Binary/Box_Draco.glb");
    let plain = import(&plain_path, &plain_bytes).expect("Box.glb");
    let draco = import(&draco_path, &draco_bytes).expect("Box_Draco.glb");
    assert_eq!(plain.triangle_count(), draco.triangle_count());
    // The box spans 1 unit; Draco's default 11-bit position quantisation
    // is within 1/2047 of it.
    let tolerance = 1.0 / 2047.0;
    let draco_triangles = triangles(&draco);
    for t in triangles(&plain) {
        let found = draco_triangles
            .iter()
            .any(|d| (0..3).any(|r| (0..3).all(|k| near(t[k], d[(k + r) % 3], tolerance))));
        assert!(found, "triangle {t:?} of Box.glb is not in Box_Draco.glb");
    }
    let (a, b) = (plain.bounds(), draco.bounds());
    assert!(near(a.min, b.min, tolerance) && near(a.max, b.max, tolerance), "{a:?} vs {b:?}");
}

#[test]
fn truncated_models_give_an_error_or_a_valid_mesh() {
    for path in sources() {
        let bytes = std::fs::read(&path).expect("corpus file");
        for k in 0..20 {
            let len = bytes.len() * k / 20;
            if let Ok(mesh) = import(&path, &bytes[..len]) {
                mesh.validate().unwrap_or_else(|e| {
                    panic!("{} cut at {len}: invalid mesh: {e}", relative(&path).as_str())
                });
            }
        }
    }
}

#[test]
fn malformed_obj_text_gives_an_error_or_a_valid_mesh() {
    // (source, triangles if it imports)
    let cases: &[(&str, Option<usize>)] = &[
        ("f 1 2 3\n", None),
        ("v 0 0 0\nv 1 0 0\nf 1 2 3\n", None),
        ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 99999999999\n", None),
        ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf -1 -2 -3\n", Some(1)),
        ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf -1 -2 -9\n", None),
        ("v 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", None),
        ("v nan 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", None),
        ("v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0.5 nan\nf 1/1 2/1 3/1\n", Some(1)),
        ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2\n", None),
        ("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nf 1 2 4 3\nusemtl missing\n", Some(2)),
        ("mtllib ../../outside.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", Some(1)),
        ("\u{0}\u{1}binary", None),
    ];
    let path = AssetPath::new("edge/case.obj").expect("path");
    for &(text, expected) in cases {
        let result = MeshImporter::with_source_root(corpus()).read(&path, text.as_bytes());
        match (result, expected) {
            (Ok(mesh), Some(triangles)) => {
                mesh.validate().unwrap_or_else(|e| panic!("{text:?}: {e}"));
                assert_eq!(mesh.triangle_count(), triangles, "{text:?}");
                assert!(mesh.uvs.iter().flatten().all(|c| c.is_finite()), "{text:?}");
            }
            (Err(_), None) => {}
            (result, expected) => panic!("{text:?}: expected {expected:?}, got {result:?}"),
        }
    }
}
