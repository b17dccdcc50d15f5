//! The mesh corpus, and a minimal glTF document built in memory for the
//! malformed-input tests.

#![allow(dead_code, reason = "each test file uses a part")]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The mesh corpus folder; fails loudly when it is missing.
pub const MESHES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/meshes");

/// Every file under the mesh corpus whose extension is one of `exts`,
/// sorted; fails loudly when the corpus is missing.
pub fn mesh_corpus_files(exts: &[&str]) -> Vec<PathBuf> {
    fn walk(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("corpus folder readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, exts, out);
            } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| exts.contains(&e)) {
                out.push(path);
            }
        }
    }
    assert!(Path::new(MESHES).is_dir(), "the mesh corpus is missing at {MESHES}");
    let mut out = Vec::new();
    walk(Path::new(MESHES), exts, &mut out);
    out.sort();
    out
}

/// One triangle: three float positions (36 bytes) then three u16 indices
/// (6 bytes, padded to 8), as a base64 data URI.
pub fn triangle_gltf() -> Value {
    triangle_gltf_with([0, 1, 2])
}

/// The triangle with the given indices.
pub fn triangle_gltf_with(indices: [u16; 3]) -> Value {
    let mut bin = Vec::new();
    for p in [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]] {
        for c in p {
            bin.extend_from_slice(&c.to_le_bytes());
        }
    }
    for i in indices.into_iter().chain([0]) {
        bin.extend_from_slice(&i.to_le_bytes());
    }
    json!({
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "translation": [10.0, 0.0, 0.0]}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
        "buffers": [{"byteLength": bin.len(), "uri": format!("data:application/octet-stream;base64,{}", base64(&bin))}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": 36},
            {"buffer": 0, "byteOffset": 36, "byteLength": 6}
        ],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
             "min": [0.0, 0.0, 0.0], "max": [1.0, 1.0, 0.0]},
            {"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"}
        ]
    })
}

pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}
