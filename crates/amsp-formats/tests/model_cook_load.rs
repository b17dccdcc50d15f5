//! glTF models cooked into a model with mesh, material and texture
//! sub-assets, against the real corpus models, a real catalog and real
//! packs, and loaded back through the `AssetServer`'s dependency graph.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use amsp_catalog::{AssetRecord, Catalog};
use amsp_cook::{CookReport, Cooker};
use amsp_core::AssetPath;
use amsp_formats::mesh::{Mesh, MeshImporter};
use amsp_formats::model::{
    AlphaMode, Material, Model, ModelImporter, Transform, register_model_loaders,
};
use amsp_formats::texture::{Texture, TextureImporter};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::AssetServer;

const MESHES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/meshes");
const WAIT: Duration = Duration::from_secs(30);

fn corpus(rel: &str) -> PathBuf {
    let path = Path::new(MESHES).join(rel);
    assert!(path.is_file(), "the mesh corpus is missing {}", path.display());
    path
}

/// Copies corpus files into `src` (`from` → `to`).
fn stage(src: &Path, files: &[(&str, &str)]) {
    for (from, to) in files {
        let dest = src.join(to);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(corpus(from), dest).unwrap();
    }
}

fn cook(src: &Path, out: &Path) -> CookReport {
    let mut cooker = Cooker::new(src, out);
    cooker.registry_mut().register(Arc::new(TextureImporter::default()));
    cooker.registry_mut().register(Arc::new(MeshImporter::default()));
    cooker.registry_mut().register(Arc::new(ModelImporter::default()));
    cooker.run().expect("cook runs")
}

fn record(out: &Path, path: &str) -> AssetRecord {
    let catalog = Catalog::open_read_only(out.join("catalog.db")).unwrap();
    catalog
        .get_by_path(&AssetPath::new(path).unwrap())
        .unwrap()
        .unwrap_or_else(|| panic!("{path} is not in the catalog"))
}

fn server(out: &Path) -> AssetServer {
    let source = Arc::new(CookedSource::open(out).expect("cooked output opens"));
    let server = AssetServer::builder()
        .source(source as Arc<dyn AssetSource>)
        .worker_threads(2)
        .build()
        .expect("server");
    register_model_loaders(&server);
    server
}

const DUCK_GLTF: [(&str, &str); 3] = [
    ("draco-testdata/KhronosSampleModels/Duck/glTF/Duck.gltf", "duck/Duck.gltf"),
    ("draco-testdata/KhronosSampleModels/Duck/glTF/Duck0.bin", "duck/Duck0.bin"),
    ("draco-testdata/KhronosSampleModels/Duck/glTF/DuckCM.png", "duck/DuckCM.png"),
];

#[test]
fn a_gltf_with_external_files_cooks_into_a_model_with_sub_assets() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    stage(&src, &DUCK_GLTF);
    let report = cook(&src, &out);
    assert_eq!(report.failed, 0, "{:?}", report.errors);

    let model = record(&out, "duck/Duck.gltf");
    let mesh = record(&out, "duck/Duck.gltf#mesh0");
    let material = record(&out, "duck/Duck.gltf#material0");
    let png = record(&out, "duck/DuckCM.png");
    let bin = record(&out, "duck/Duck0.bin");
    assert_eq!(
        (model.asset_type.as_str(), mesh.asset_type.as_str(), material.asset_type.as_str()),
        ("model", "mesh", "material")
    );
    assert_eq!(png.asset_type, "texture");
    // The model needs its mesh, its material and its buffer; the material
    // needs the external image, which is cooked once, as its own texture.
    for dep in [mesh.id, material.id, bin.id] {
        assert!(model.dependencies.contains(&dep), "model depends on {dep}");
    }
    assert_eq!(material.dependencies, vec![png.id]);
    assert_eq!(mesh.lods[0].triangles, 4212);
    assert_eq!(model.metadata["node_count"], 3);
    assert_eq!(model.metadata["instance_count"], 1);
    assert_eq!(model.metadata["triangle_count"], 4212);
    assert_eq!(model.metadata["external_textures"][0], "duck/DuckCM.png");
    assert_eq!(model.metadata["embedded_textures"], 0);

    let server = server(&out);
    let handle = server.load::<Model>("duck/Duck.gltf");
    assert!(server.wait_for(&handle, WAIT).is_loaded());
    let loaded = server.get(&handle).unwrap();
    // Ready means every dependency is ready, down to the texture.
    assert!(server.state(&loaded.meshes[0]).is_loaded());
    let mat = server.get(&loaded.materials[0]).expect("material loaded with the model");
    let texture = mat.base_color_texture.as_ref().expect("base colour texture");
    let tex = server.get(&texture.texture).expect("texture loaded with the model");
    assert_eq!((tex.width, tex.height), (512, 512));
    let same = server.load::<Texture>("duck/DuckCM.png");
    assert_eq!(same, texture.texture, "one texture asset, one handle");
    assert_eq!(mat.alpha_mode, AlphaMode::Opaque);
    assert!(mat.normal_texture.is_none());

    // Instances agree with the merged mesh of the same scene: same triangle
    // count and, after the node transforms, the same bounds.
    let merged = MeshImporter::with_source_root(&src)
        .read(
            &AssetPath::new("duck/Duck.gltf").unwrap(),
            &std::fs::read(src.join("duck/Duck.gltf")).unwrap(),
        )
        .unwrap();
    assert_instances_match(&server, &loaded, &merged);

    // A changed buffer cooks the model again; the image is untouched.
    let mut bin_bytes = std::fs::read(src.join("duck/Duck0.bin")).unwrap();
    bin_bytes[0] ^= 1;
    std::fs::write(src.join("duck/Duck0.bin"), bin_bytes).unwrap();
    let report = cook(&src, &out);
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    assert_eq!(record(&out, "duck/DuckCM.png").version, 1);
    assert_eq!(record(&out, "duck/Duck.gltf#mesh0").version, 2);
}

/// Each instance's finest LOD, moved by its node's transform, covers the
/// same box as the merged mesh, with as many triangles in all.
fn assert_instances_match(
    server: &AssetServer,
    model: &Model,
    merged: &amsp_formats::mesh::MeshData,
) {
    let (mut min, mut max) = ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]);
    let mut triangles = 0;
    for instance in model.instances() {
        assert!(server.wait_for(instance.mesh, WAIT).is_loaded());
        let mesh: Arc<Mesh> = server.get(instance.mesh).unwrap();
        let lod = mesh.finest();
        triangles += lod.triangle_count();
        let w = instance.world;
        for i in 0..lod.vertex_count as usize {
            let p = lod.position(i).unwrap();
            for k in 0..3 {
                let v = w[k] * p[0] + w[4 + k] * p[1] + w[8 + k] * p[2] + w[12 + k];
                min[k] = min[k].min(v);
                max[k] = max[k].max(v);
            }
        }
    }
    assert_eq!(triangles, merged.triangle_count());
    let b = merged.bounds();
    let extent = (0..3).map(|k| b.max[k] - b.min[k]).fold(0.0f32, f32::max);
    for k in 0..3 {
        assert!((min[k] - b.min[k]).abs() <= extent * 1e-4, "min {min:?} vs {:?}", b.min);
        assert!((max[k] - b.max[k]).abs() <= extent * 1e-4, "max {max:?} vs {:?}", b.max);
        // The model's bounds hold every instance.
        assert!(
            model.bounds.min[k] <= min[k] + extent * 1e-4
                && model.bounds.max[k] >= max[k] - extent * 1e-4
        );
    }
}

#[test]
fn a_glb_with_embedded_images_cooks_them_as_texture_sub_assets() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    stage(&src, &[("draco-testdata/KhronosSampleModels/Duck/glTF_Binary/Duck.glb", "Duck.glb")]);
    let report = cook(&src, &out);
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    let texture = record(&out, "Duck.glb#texture0");
    assert_eq!(texture.asset_type, "texture");
    assert_eq!(texture.metadata["role"], "color");
    assert_eq!(
        (texture.metadata["width"].as_u64(), texture.metadata["height"].as_u64()),
        (Some(512), Some(512))
    );
    let material = record(&out, "Duck.glb#material0");
    assert_eq!(material.dependencies, vec![texture.id]);
    assert_eq!(record(&out, "Duck.glb").metadata["embedded_textures"], 1);

    let server = server(&out);
    let handle = server.load::<Model>("Duck.glb");
    assert!(server.wait_for(&handle, WAIT).is_loaded());
    let model = server.get(&handle).unwrap();
    let mat: Arc<Material> = server.get(&model.materials[0]).unwrap();
    let slot = mat.base_color_texture.as_ref().unwrap();
    assert!(server.state(&slot.texture).is_loaded());
    let tex = server.get(&slot.texture).unwrap();
    assert_eq!(tex.mip_count, 10);
}

#[test]
fn a_node_hierarchy_keeps_names_transforms_and_shared_meshes() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    stage(
        &src,
        &[
            (
                "draco-testdata/CesiumMilkTruck/glTF/CesiumMilkTruck.gltf",
                "truck/CesiumMilkTruck.gltf",
            ),
            (
                "draco-testdata/CesiumMilkTruck/glTF/CesiumMilkTruck0.bin",
                "truck/CesiumMilkTruck0.bin",
            ),
            (
                "draco-testdata/CesiumMilkTruck/glTF/CesiumMilkTruck.png",
                "truck/CesiumMilkTruck.png",
            ),
        ],
    );
    let report = cook(&src, &out);
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(src.join("truck/CesiumMilkTruck.gltf")).unwrap())
            .unwrap();
    let gltf_nodes = json["nodes"].as_array().unwrap();

    let server = server(&out);
    let handle = server.load::<Model>("truck/CesiumMilkTruck.gltf");
    assert!(server.wait_for(&handle, WAIT).is_loaded());
    let model = server.get(&handle).unwrap();
    assert_eq!(model.nodes.len(), gltf_nodes.len());
    for (node, gltf) in model.nodes.iter().zip(gltf_nodes) {
        assert_eq!(node.name, gltf["name"].as_str().unwrap_or(""));
        let children: Vec<u32> = gltf["children"]
            .as_array()
            .map(|c| c.iter().map(|v| v.as_u64().unwrap() as u32).collect())
            .unwrap_or_default();
        assert_eq!(node.children, children);
        for &c in &children {
            assert_eq!(
                model.nodes[c as usize].parent,
                Some(model.nodes.iter().position(|n| std::ptr::eq(n, node)).unwrap() as u32)
            );
        }
        if let Some(m) = gltf["matrix"].as_array() {
            let m: Vec<f32> = m.iter().map(|v| v.as_f64().unwrap() as f32).collect();
            let back = node.transform.matrix();
            for (a, b) in back.iter().zip(&m) {
                assert!((a - b).abs() < 1e-5, "{back:?} vs {m:?}");
            }
        }
        if let Some(t) = gltf["translation"].as_array() {
            let t: Vec<f32> = t.iter().map(|v| v.as_f64().unwrap() as f32).collect();
            assert_eq!(node.transform.translation.to_vec(), t);
        }
    }
    // The two wheel nodes draw one shared mesh: two instances, one asset.
    let instances = model.instances();
    assert!(instances.len() > model.meshes.len(), "a mesh is instanced more than once");
    let mats = model.materials.len();
    assert!(mats >= 2);
    for m in &model.materials {
        assert!(server.state(m).is_loaded());
    }
    let merged = MeshImporter::with_source_root(&src)
        .read(
            &AssetPath::new("truck/CesiumMilkTruck.gltf").unwrap(),
            &std::fs::read(src.join("truck/CesiumMilkTruck.gltf")).unwrap(),
        )
        .unwrap();
    assert_instances_match(&server, &model, &merged);
    // Submesh materials index the model's materials.
    for instance in &instances {
        let mesh = server.get(instance.mesh).unwrap();
        for s in &mesh.finest().submeshes {
            assert!(model.material(s).is_some(), "submesh material {}", s.material);
        }
    }
}

#[test]
fn transforms_round_trip_through_matrices() {
    let t = Transform {
        translation: [1.0, -2.0, 3.5],
        rotation: [0.1825742, 0.3651484, 0.5477226, 0.7302967],
        scale: [2.0, 0.5, 1.5],
    };
    let back = Transform::from_matrix(&t.matrix());
    for (a, b) in back.matrix().iter().zip(t.matrix()) {
        assert!((a - b).abs() < 1e-5);
    }
    let mirrored = Transform { scale: [-1.0, 1.0, 1.0], ..Transform::default() };
    let back = Transform::from_matrix(&mirrored.matrix());
    assert_eq!(back.matrix(), mirrored.matrix());
}

#[test]
fn a_model_whose_texture_cannot_load_fails_with_the_dependency_named() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    stage(&src, &DUCK_GLTF);
    assert_eq!(cook(&src, &out).failed, 0);
    // Damage the texture's stored bytes: its checksum fails at load.
    let png = record(&out, "duck/DuckCM.png");
    let location = png.location.expect("packed");
    let pack = out.join(&location.pack);
    let reader = amsp_pack::PackReader::open(&pack).unwrap();
    // The last chunk is the finest mip level.
    let chunk = *reader.chunks(location.entry as usize).last().unwrap();
    drop(reader);
    let mut bytes = std::fs::read(&pack).unwrap();
    let at = usize::try_from(chunk.offset + chunk.stored_len / 2).unwrap();
    bytes[at] ^= 0xff;
    std::fs::write(&pack, bytes).unwrap();

    let server = server(&out);
    let handle = server.load::<Model>("duck/Duck.gltf");
    let state = server.wait_for(&handle, WAIT);
    assert!(state.is_failed(), "{state:?}");
    let message = format!("{state:?}");
    assert!(message.contains("DuckCM.png"), "{message}");
    // Its material fails with it.
    let material = server.load::<Material>("duck/Duck.gltf#material0");
    assert!(server.wait_for(&material, WAIT).is_failed());
}

#[test]
fn an_obj_with_its_mtl_cooks_into_a_model_with_pbr_materials() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    std::fs::create_dir_all(src.join("props/textures")).unwrap();
    let obj = "mtllib crate.mtl\n\
        v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0 0 1\nv 1 0 1\n\
        vt 0 0\nvt 1 0\nvt 1 1\nvt 0 1\n\
        o lid\nusemtl wood\nf 1/1 2/2 3/3 4/4\n\
        o band\nusemtl metal\nf 1/1 5/2 6/3\n";
    std::fs::write(src.join("props/crate.obj"), obj).unwrap();
    let mtl = "newmtl wood\nKd 0.8 0.6 0.4\nNs 98\nmap_Kd -s 1 1 1 textures/wood.png\n\
        newmtl metal\nKd 0.5 0.5 0.5\nd 0.25\nPm 1\nPr 0.3\nKe 0.1 0 0\n";
    std::fs::write(src.join("props/crate.mtl"), mtl).unwrap();
    let png = image::RgbaImage::from_fn(64, 64, |x, y| {
        image::Rgba([(x * 4) as u8, (y * 4) as u8, 90, 255])
    });
    png.save(src.join("props/textures/wood.png")).unwrap();

    let report = cook(&src, &out);
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    let model = record(&out, "props/crate.obj");
    let mtl_record = record(&out, "props/crate.mtl");
    assert_eq!(model.asset_type, "model");
    assert!(model.dependencies.contains(&mtl_record.id), "the MTL is a dependency");
    let wood = record(&out, "props/crate.obj#material0");
    assert_eq!(wood.dependencies, vec![record(&out, "props/textures/wood.png").id]);

    let server = server(&out);
    let handle = server.load::<Model>("props/crate.obj");
    assert!(server.wait_for(&handle, WAIT).is_loaded());
    let loaded = server.get(&handle).unwrap();
    assert_eq!((loaded.nodes.len(), loaded.nodes[0].name.as_str()), (1, "crate"));
    let mesh = server.get(&loaded.meshes[0]).unwrap();
    assert_eq!(mesh.finest().triangle_count(), 3);
    let names: Vec<String> = mesh
        .finest()
        .submeshes
        .iter()
        .map(|s| server.get(loaded.material(s).unwrap()).unwrap().name.clone())
        .collect();
    assert_eq!(names, ["wood", "metal"]);
    let wood = server.get(&loaded.materials[0]).unwrap();
    assert_eq!(wood.base_color, [0.8, 0.6, 0.4, 1.0]);
    assert!((wood.roughness - 0.1414).abs() < 1e-3, "sqrt(2 / 100): {}", wood.roughness);
    assert_eq!((wood.metallic, wood.alpha_mode), (0.0, AlphaMode::Opaque));
    let tex = server.get(&wood.base_color_texture.as_ref().unwrap().texture).unwrap();
    assert_eq!((tex.width, tex.height), (64, 64));
    let metal = server.get(&loaded.materials[1]).unwrap();
    assert_eq!((metal.metallic, metal.roughness, metal.alpha_mode), (1.0, 0.3, AlphaMode::Blend));
    assert_eq!(metal.base_color[3], 0.25);
    assert_eq!(metal.emissive, [0.1, 0.0, 0.0]);

    // Editing the MTL cooks the model again.
    std::fs::write(src.join("props/crate.mtl"), mtl.replace("Kd 0.8", "Kd 0.9")).unwrap();
    let report = cook(&src, &out);
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    assert_eq!(record(&out, "props/crate.obj#material0").version, 2);
    assert_eq!(record(&out, "props/crate.obj#material1").version, 1);
}

#[test]
fn prefabs_reference_models_and_their_sub_assets_by_path() {
    use amsp_formats::prefab::{Prefab, PrefabImporter, PrefabLoader};
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    stage(
        &src,
        &[("draco-testdata/KhronosSampleModels/Duck/glTF_Binary/Duck.glb", "models/Duck.glb")],
    );
    let level = r#"(name: "pond", entities: [(name: "duck", components: {
        "Model": "asset:models/Duck.glb",
        "Lod0": "asset:models/Duck.glb#mesh0",
        "Skin": "asset:models/Duck.glb#material0",
        "Albedo": "asset:models/Duck.glb#texture0",
    })])"#;
    std::fs::write(src.join("pond.scene.ron"), level).unwrap();
    let cook_all = || {
        let mut cooker = Cooker::new(&src, &out);
        cooker.registry_mut().register(Arc::new(TextureImporter::default()));
        cooker.registry_mut().register(Arc::new(ModelImporter::default()));
        cooker.registry_mut().register(Arc::new(PrefabImporter::default()));
        cooker.run().unwrap()
    };
    let report = cook_all();
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    let pond = record(&out, "pond.scene.ron");
    assert!(pond.dependencies.contains(&record(&out, "models/Duck.glb#mesh0").id));

    let server = server(&out);
    server.register_loader(PrefabLoader::default());
    let handle = server.load::<Prefab>("pond.scene.ron");
    assert!(server.wait_for(&handle, WAIT).is_loaded());
    let prefab = server.get(&handle).unwrap();
    let path = |p: &str| AssetPath::new(p).unwrap();
    let model = prefab.reference(&path("models/Duck.glb")).and_then(|r| r.get::<Model>()).unwrap();
    assert!(server.get(model).is_some());
    let mesh =
        prefab.reference(&path("models/Duck.glb#mesh0")).and_then(|r| r.get::<Mesh>()).unwrap();
    assert_eq!(server.get(mesh).unwrap().finest().triangle_count(), 4212);
    let skin =
        prefab.reference(&path("models/Duck.glb#material0")).and_then(|r| r.get::<Material>());
    assert!(server.get(skin.unwrap()).is_some());
    let albedo =
        prefab.reference(&path("models/Duck.glb#texture0")).and_then(|r| r.get::<Texture>());
    assert!(server.get(albedo.unwrap()).is_some());

    // A sub-asset of a source that does not exist is a cook error at its line.
    std::fs::write(
        src.join("pond.scene.ron"),
        level.replace("models/Duck.glb#mesh0", "models/Goose.glb#mesh0"),
    )
    .unwrap();
    let report = cook_all();
    assert_eq!(report.failed, 1);
    assert!(report.errors[0].error.contains("pond.scene.ron:3"), "{}", report.errors[0].error);
}
