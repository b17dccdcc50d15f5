//! Malformed glTF files built here: each gives a clear error, never a
//! panic or a huge allocation.

use amsp_core::AssetPath;
use amsp_formats::mesh::{MeshError, MeshImporter};
use serde_json::{Value, json};

mod gltf_common;

use gltf_common::{triangle_gltf, triangle_gltf_with};

fn import(doc: &Value) -> Result<amsp_formats::mesh::MeshData, MeshError> {
    let path = AssetPath::new("models/test.gltf").expect("path");
    MeshImporter::default().read(&path, doc.to_string().as_bytes())
}

fn expect_error(doc: &Value, contains: &str) {
    match import(doc) {
        Ok(mesh) => panic!("expected an error containing {contains:?}, got a mesh {mesh:?}"),
        Err(e) => assert!(e.to_string().contains(contains), "{e} does not mention {contains:?}"),
    }
}

#[test]
fn the_well_formed_triangle_imports_with_its_node_transform() {
    let mesh = import(&triangle_gltf()).expect("triangle");
    assert_eq!(mesh.indices, [0, 1, 2]);
    assert_eq!(mesh.positions, [[10.0, 0.0, 0.0], [11.0, 0.0, 0.0], [10.0, 1.0, 0.0]]);
}

#[test]
fn an_accessor_past_its_buffer_view_is_an_error() {
    let mut doc = triangle_gltf();
    doc["accessors"][0]["count"] = json!(4);
    expect_error(&doc, "run past its buffer view");
    let mut doc = triangle_gltf();
    doc["accessors"][0]["byteOffset"] = json!(4);
    expect_error(&doc, "run past its buffer view");
    let mut doc = triangle_gltf();
    doc["bufferViews"][0]["byteLength"] = json!(4000);
    expect_error(&doc, "outside buffer 0");
}

#[test]
fn counts_near_two_to_the_32_are_refused_before_allocating() {
    for count in [u64::from(u32::MAX), u64::from(u32::MAX) - 2, 1 << 40] {
        let mut doc = triangle_gltf();
        doc["accessors"][0]["count"] = json!(count);
        match import(&doc) {
            Err(MeshError::TooLarge { .. }) => {}
            other => panic!("count {count}: expected TooLarge, got {other:?}"),
        }
        let mut doc = triangle_gltf();
        doc["accessors"][1]["count"] = json!(count);
        assert!(matches!(import(&doc), Err(MeshError::TooLarge { .. })), "index count {count}");
    }
    let mut doc = triangle_gltf();
    doc["buffers"][0]["byteLength"] = json!(u64::MAX);
    assert!(matches!(import(&doc), Err(MeshError::TooLarge { .. })));
}

#[test]
fn missing_buffers_views_and_accessors_are_errors() {
    let mut doc = triangle_gltf();
    doc["buffers"][0]["uri"] = json!("missing.bin");
    expect_error(&doc, "missing.bin");
    let mut doc = triangle_gltf();
    doc["buffers"][0].as_object_mut().expect("object").remove("uri");
    expect_error(&doc, "buffer 0 has no data");
    let mut doc = triangle_gltf();
    doc["bufferViews"][0]["buffer"] = json!(7);
    expect_error(&doc, "buffer 7 does not exist");
    let mut doc = triangle_gltf();
    doc["accessors"][0]["bufferView"] = json!(9);
    expect_error(&doc, "buffer view 9 does not exist");
    let mut doc = triangle_gltf();
    doc["meshes"][0]["primitives"][0]["attributes"]["POSITION"] = json!(5);
    expect_error(&doc, "accessor 5 does not exist");
    let mut doc = triangle_gltf();
    doc["buffers"][0]["byteLength"] = json!(400);
    expect_error(&doc, "fewer than its byteLength");
}

#[test]
fn bad_indices_nodes_and_types_are_errors() {
    let mut doc = triangle_gltf();
    doc["accessors"][1]["componentType"] = json!(5126);
    expect_error(&doc, "unsigned integer");
    let mut doc = triangle_gltf();
    doc["nodes"] = json!([{"mesh": 0, "children": [1]}, {"children": [0]}]);
    expect_error(&doc, "reached twice");
    let mut doc = triangle_gltf();
    doc["nodes"][0]["mesh"] = json!(3);
    expect_error(&doc, "mesh 3 does not exist");
    let mut doc = triangle_gltf();
    doc["scene"] = json!(2);
    expect_error(&doc, "scene 2 does not exist");
    let mut doc = triangle_gltf();
    doc["extensionsRequired"] = json!(["KHR_unknown_thing"]);
    expect_error(&doc, "KHR_unknown_thing");
    expect_error(&triangle_gltf_with([0, 1, 3]), "index 3 out of range of 3 vertices");
}

#[test]
fn external_buffers_outside_the_source_folder_are_refused() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut doc = triangle_gltf();
    doc["buffers"][0]["uri"] = json!("../secret.bin");
    let path = AssetPath::new("models/test.gltf").expect("path");
    let err = MeshImporter::with_source_root(dir.path())
        .read(&path, doc.to_string().as_bytes())
        .expect_err("refused");
    assert!(err.to_string().contains("leaves the source folder"), "{err}");
}
