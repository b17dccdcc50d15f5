//! Malformed models: every corpus glTF/GLB cut short, documents with bad
//! nodes, materials, textures and image URIs, and damaged cooked model and
//! material bytes. Each is a clear error or a valid result, never a panic.

mod gltf_common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use amsp_cook::{AssetMeta, ImportInput, ImportedAsset, Importer};
use amsp_core::{AssetId, AssetPath};
use amsp_formats::mesh::MeshImporter;
use amsp_formats::model::{
    AlphaMode, Filter, MaterialData, ModelData, ModelImporter, NodeData, Sampler, TextureRef,
    Transform, Wrap, decode_material, decode_model, encode_material, encode_model,
};
use gltf_common::{MESHES, base64, mesh_corpus_files, triangle_gltf};
use serde_json::{Value, json};

fn models() -> Vec<PathBuf> {
    mesh_corpus_files(&["gltf", "glb", "obj"])
}

fn import_file(path: &Path, bytes: &[u8]) -> Result<ImportedAsset, String> {
    let rel = path.strip_prefix(MESHES).unwrap().to_str().unwrap();
    let asset_path = AssetPath::new(rel).unwrap();
    let meta = AssetMeta::with_id(AssetId::from_u128(1));
    ModelImporter::with_source_root(MESHES)
        .import(&ImportInput { path: &asset_path, bytes, meta: &meta })
        .map_err(|e| e.to_string())
}

/// A model's parts all decode, and its sub-assets are what it names.
fn check(asset: &ImportedAsset) {
    let model = decode_model(&asset.chunks[0]).expect("cooked model decodes");
    let labels: Vec<&str> = asset.sub_assets.iter().map(|s| s.label.as_str()).collect();
    for path in model.meshes.iter().chain(&model.materials) {
        assert!(labels.contains(&path.label().unwrap()), "{path} is a sub-asset");
    }
    for sub in asset.sub_assets.iter().filter(|s| s.asset.asset_type == "material") {
        decode_material(&sub.asset.chunks[0]).expect("cooked material decodes");
    }
}

#[test]
fn every_corpus_model_imports_and_truncations_never_panic() {
    let mut imported = 0;
    for path in models() {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.display().to_string();
        // BoxMetaDraco needs EXT_mesh_features, which is not supported; an
        // OBJ imports as a model exactly when it imports as a mesh.
        let rel = AssetPath::new(path.strip_prefix(MESHES).unwrap().to_str().unwrap()).unwrap();
        let as_mesh = MeshImporter::with_source_root(MESHES).read(&rel, &bytes);
        match import_file(&path, &bytes) {
            Ok(asset) => {
                check(&asset);
                assert!(as_mesh.is_ok() || !name.ends_with(".obj"), "{name}");
                imported += 1;
            }
            Err(e) if name.ends_with(".obj") => assert!(as_mesh.is_err(), "{name}: {e}"),
            Err(e) => assert!(name.contains("BoxMetaDraco"), "{name}: {e}"),
        }
        for k in 0..20 {
            let len = bytes.len() * k / 20;
            if let Ok(asset) = import_file(&path, &bytes[..len]) {
                check(&asset);
            }
        }
    }
    assert!(imported >= 15, "{imported} models imported");
}

fn import_doc(doc: &Value, sources: &[&str]) -> Result<ImportedAsset, String> {
    let path = AssetPath::new("models/test.gltf").unwrap();
    let meta = AssetMeta::with_id(AssetId::from_u128(1));
    let set: HashMap<AssetPath, Vec<u8>> =
        sources.iter().map(|s| (AssetPath::new(s).unwrap(), Vec::new())).collect();
    ModelImporter::default()
        .import_with_sources(
            &ImportInput { path: &path, bytes: doc.to_string().as_bytes(), meta: &meta },
            &set,
        )
        .map_err(|e| e.to_string())
}

fn expect_error(doc: &Value, contains: &str) {
    match import_doc(doc, &["models/wood.png"]) {
        Ok(_) => panic!("expected an error containing {contains:?}"),
        Err(e) => assert!(e.contains(contains), "{e} does not mention {contains:?}"),
    }
}

/// The triangle with one material whose base colour is image `uri`.
fn textured(uri: &str) -> Value {
    let mut doc = triangle_gltf();
    doc["meshes"][0]["primitives"][0]["material"] = json!(0);
    doc["materials"] = json!([{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}]);
    doc["textures"] = json!([{"source": 0}]);
    doc["images"] = json!([{"uri": uri}]);
    doc
}

#[test]
fn a_well_formed_textured_model_names_its_external_image() {
    let asset = import_doc(&textured("../models/wood.png"), &["models/wood.png"]).unwrap();
    let material = asset.sub_assets.iter().find(|s| s.label == "material0").unwrap();
    assert_eq!(material.asset.dependencies, [AssetPath::new("models/wood.png").unwrap()]);
    let data = decode_material(&material.asset.chunks[0]).unwrap();
    assert_eq!(data.base_color_texture.unwrap().path.as_str(), "models/wood.png");
    let model = decode_model(&asset.chunks[0]).unwrap();
    assert_eq!(model.nodes[0].transform.translation, [10.0, 0.0, 0.0]);
    assert_eq!(asset.metadata["aabb_min"], json!([10.0, 0.0, 0.0]));
}

#[test]
fn bad_nodes_materials_textures_and_images_are_errors() {
    let mut cycle = triangle_gltf();
    cycle["nodes"] = json!([{"mesh": 0, "children": [1]}, {"children": [0]}]);
    expect_error(&cycle, "root node 0 has a parent");
    let mut orbit = triangle_gltf();
    orbit["nodes"] = json!([{"mesh": 0}, {"children": [2]}, {"children": [1]}]);
    expect_error(&orbit, "lies on a cycle");
    let mut child = triangle_gltf();
    child["nodes"][0]["children"] = json!([7]);
    expect_error(&child, "child 7 does not exist");
    let mut mesh = triangle_gltf();
    mesh["nodes"][0]["mesh"] = json!(3);
    expect_error(&mesh, "mesh 3 does not exist");

    let mut texture = textured("wood.png");
    texture["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]["index"] = json!(4);
    expect_error(&texture, "texture 4 does not exist");
    let mut image = textured("wood.png");
    image["textures"][0]["source"] = json!(9);
    expect_error(&image, "image 9 does not exist");
    expect_error(&textured("../../outside.png"), "leaves the source folder");
    expect_error(&textured("/etc/passwd"), "absolute");
    expect_error(&textured("missing.png"), "models/missing.png is not a source of this cook");
    expect_error(&textured("data:image/webp;base64,AAAA"), "not supported");
    expect_error(&textured("data:image/png;base64,%%%"), "malformed data URI");
    let png_magic = base64(b"\x89PNG\r\n\x1a\nnot really a png");
    expect_error(&textured(&format!("data:image/png;base64,{png_magic}")), "image 0");
    let mut view = textured("x");
    view["images"] = json!([{"bufferView": 42, "mimeType": "image/png"}]);
    expect_error(&view, "image 0");
}

#[test]
fn cooked_forms_round_trip_and_damaged_bytes_are_errors() {
    let model = ModelData {
        nodes: vec![
            NodeData {
                name: "root".into(),
                transform: Transform::default(),
                mesh: None,
                children: vec![1],
            },
            NodeData {
                name: "wheel".into(),
                transform: Transform { translation: [1.0, 2.0, 3.0], ..Transform::default() },
                mesh: Some(0),
                children: vec![],
            },
        ],
        roots: vec![0],
        meshes: vec![AssetPath::new("car.glb#mesh0").unwrap()],
        materials: vec![AssetPath::new("car.glb#material0").unwrap()],
        bounds: Default::default(),
    };
    let material = MaterialData {
        name: "paint".into(),
        base_color_texture: Some(TextureRef {
            path: AssetPath::new("car.glb#texture0").unwrap(),
            uv_set: 1,
            sampler: Sampler {
                mag: Filter::Nearest,
                mipmap: None,
                wrap_u: Wrap::ClampToEdge,
                ..Sampler::default()
            },
        }),
        alpha_mode: AlphaMode::Mask,
        double_sided: true,
        ..MaterialData::default()
    };
    let (m, t) = (encode_model(&model), encode_material(&material));
    assert_eq!(decode_model(&m).unwrap(), model);
    assert_eq!(decode_material(&t).unwrap(), material);
    for (bytes, decode) in [
        (
            &m,
            (|b: &[u8]| decode_model(b).map(|_| ()).map_err(|e| e.to_string()))
                as fn(&[u8]) -> Result<(), String>,
        ),
        (&t, |b: &[u8]| decode_material(b).map(|_| ()).map_err(|e| e.to_string())),
    ] {
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err(), "cut at {len}");
        }
        let mut state = 0x9e37_79b9_u32;
        for i in 0..2000 {
            let mut damaged = bytes.clone();
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let at = 8 + state as usize % (damaged.len() - 8);
            damaged[at] = damaged[at].wrapping_add(1 + (i % 255) as u8);
            let _ = decode(&damaged);
        }
    }
    // A cycle or a shared child in stored nodes is refused.
    let mut cyclic = model.clone();
    cyclic.nodes[1].children = vec![0];
    cyclic.roots = vec![];
    assert!(decode_model(&encode_model(&cyclic)).unwrap_err().to_string().contains("cycle"));
}

/// A source set whose one file claims a size and fails the test if it is
/// read: an oversized external buffer must be refused from its size alone.
struct Huge;

impl amsp_cook::SourceSet for Huge {
    fn contains(&self, path: &AssetPath) -> bool {
        path.as_str() == "models/huge.bin"
    }

    fn read(&self, _: &AssetPath) -> Option<Vec<u8>> {
        panic!("an oversized buffer was read")
    }

    fn size(&self, _: &AssetPath) -> Option<u64> {
        Some(64 << 30)
    }
}

#[test]
fn an_oversized_external_buffer_is_refused_before_it_is_read() {
    let mut doc = triangle_gltf();
    doc["buffers"][0]["uri"] = json!("huge.bin");
    let path = AssetPath::new("models/test.gltf").unwrap();
    let meta = AssetMeta::with_id(AssetId::from_u128(1));
    let err = ModelImporter::default()
        .import_with_sources(
            &ImportInput { path: &path, bytes: doc.to_string().as_bytes(), meta: &meta },
            &Huge,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("huge.bin") || err.contains("limit"), "{err}");
}
