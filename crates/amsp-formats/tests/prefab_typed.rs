//! Typed views of prefab components: components read as Rust types through
//! serde, on the cook-side model and on a prefab loaded through a cook and
//! an `AssetServer`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use amsp_cook::Cooker;
use amsp_formats::prefab::{
    ComponentError, Prefab, PrefabImporter, PrefabLoader, SchemaRegistry, ScriptImporter,
    ScriptLoader, Transform, Value, ValueError, from_value, parse_prefab,
};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::{AssetServer, LoadState};
use serde::Deserialize;

#[derive(Debug, PartialEq, Deserialize)]
struct Sprite {
    texture: String,
    layer: u8,
    #[serde(default)]
    tint: Option<[f32; 4]>,
}

#[derive(Debug, PartialEq, Deserialize)]
enum Shape {
    Point,
    Sphere(f32),
    Box(f32, f32, f32),
    Capsule { radius: f32, height: f32 },
}

#[derive(Debug, PartialEq, Deserialize)]
struct Body {
    mass: f64,
    shape: Shape,
    kinematic: bool,
    tags: Vec<String>,
    layers: BTreeMap<String, u32>,
}

#[derive(Debug, PartialEq, Deserialize)]
struct Name(String);

const TEXT: &str = r#"(name: "level", entities: [
    (name: "crate", components: {
        "Transform": (translation: (1, 2.5, -3), scale: (2, 2, 2)),
        "Sprite": (texture: "asset:textures/crate.png", layer: 3, tint: Some((1.0, 0.5, 0.25, 1.0))),
        "Body": (mass: 12, shape: Box(1, 2, 3), kinematic: false, tags: ["wood", "loot"],
                 layers: {"world": 1, "props": 4}),
        "Label": Name("Crate"),
        "Shapes": [Point, Sphere(0.5), Capsule(radius: 0.25, height: 1.5)],
        "Pair": (7, 'x'),
    }, children: [(name: "lid", components: {"Sprite": (texture: "asset:textures/lid.png", layer: "top")})]),
])"#;

#[test]
fn components_read_as_rust_types() {
    let prefab = parse_prefab(TEXT, &SchemaRegistry::with_defaults()).expect("parses").data;
    let e = &prefab.entities[0];
    let sprite: Sprite = e.component("Sprite").expect("sprite");
    // An asset reference reads as its path.
    assert_eq!(sprite.texture, "textures/crate.png");
    assert_eq!((sprite.layer, sprite.tint), (3, Some([1.0, 0.5, 0.25, 1.0])));
    let body: Body = e.component("Body").expect("body");
    assert_eq!(body.mass, 12.0);
    assert_eq!(body.shape, Shape::Box(1.0, 2.0, 3.0));
    assert_eq!(body.tags, ["wood", "loot"]);
    assert_eq!(body.layers["props"], 4);
    assert_eq!(e.component::<Name>("Label").unwrap(), Name("Crate".into()));
    let shapes: Vec<Shape> = e.component("Shapes").unwrap();
    assert_eq!(
        shapes,
        [Shape::Point, Shape::Sphere(0.5), Shape::Capsule { radius: 0.25, height: 1.5 }]
    );
    assert_eq!(e.component::<(u8, char)>("Pair").unwrap(), (7, 'x'));
    // The built-in transform, with the schema's default rotation.
    let t = e.transform().expect("transform");
    assert_eq!(
        t,
        Transform {
            translation: [1.0, 2.5, -3.0],
            rotation: [0.0, 0.0, 0.0, 1.0],
            scale: [2.0; 3]
        }
    );
    // No transform: the identity.
    assert_eq!(e.children[0].transform().unwrap(), Transform::default());
}

#[test]
fn errors_name_entity_component_and_field() {
    let prefab = parse_prefab(TEXT, &SchemaRegistry::with_defaults()).expect("parses").data;
    let e = &prefab.entities[0];
    let err = e.component::<Sprite>("Missing").unwrap_err();
    assert_eq!(
        err,
        ComponentError::Missing { entity: "crate".into(), component: "Missing".into() }
    );
    let err = e.children[0].component::<Sprite>("Sprite").unwrap_err().to_string();
    assert!(err.starts_with("entity 'lid', component 'Sprite': at layer: invalid type"), "{err}");
    let err = e.component::<Body>("Sprite").unwrap_err().to_string();
    assert!(err.contains("component 'Sprite'") && err.contains("missing field"), "{err}");
    let unknown = Value::List(vec![Value::Ident("Cube".into())]);
    let err = from_value::<Vec<Shape>>(&unknown).unwrap_err();
    assert_eq!(err.path, "[0]");
    assert!(err.message.contains("unknown variant `Cube`"), "{err}");
    let nested = Value::Struct {
        name: None,
        fields: vec![("a".into(), Value::List(vec![Value::Int(1), Value::String("x".into())]))],
    };
    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "read only to fail")]
    struct A {
        a: Vec<i32>,
    }
    let err: ValueError = from_value::<A>(&nested).unwrap_err();
    assert_eq!(err.path, "a[1]");
    assert!(err.message.contains("invalid type: string \"x\", expected i32"), "{err}");
}

#[test]
fn a_loaded_prefab_gives_typed_components() {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("scripts")).unwrap();
    let text = TEXT.replace("textures/crate.png", "scripts/crate.lua");
    std::fs::write(
        src.join("level.prefab.ron"),
        text.replace("textures/lid.png", "scripts/lid.lua"),
    )
    .unwrap();
    std::fs::write(src.join("scripts/crate.lua"), b"return {}").unwrap();
    std::fs::write(src.join("scripts/lid.lua"), b"return {}").unwrap();
    let mut cooker = Cooker::new(&src, dir.path().join("out"));
    cooker.registry_mut().register(Arc::new(PrefabImporter::default()));
    cooker.registry_mut().register(Arc::new(ScriptImporter));
    let report = cooker.run().expect("cook runs");
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    let source = Arc::new(CookedSource::open(dir.path().join("out")).expect("opens"));
    let server = AssetServer::builder()
        .source(source as Arc<dyn AssetSource>)
        .worker_threads(1)
        .build()
        .expect("server");
    server.register_loader(PrefabLoader::default());
    server.register_loader(ScriptLoader);
    let handle = server.load::<Prefab>("level.prefab.ron");
    let state = server.wait_for(&handle, Duration::from_secs(30));
    let prefab = match state {
        LoadState::Loaded => server.get(&handle).expect("loaded"),
        other => panic!("{other:?}"),
    };
    let e = prefab.entity("crate").expect("crate");
    let body: Body = e.component("Body").expect("body");
    assert_eq!(body.shape, Shape::Box(1.0, 2.0, 3.0));
    assert_eq!(e.component::<Sprite>("Sprite").unwrap().texture, "scripts/crate.lua");
    assert_eq!(e.transform().unwrap().translation, [1.0, 2.5, -3.0]);
    let lid = e.child("lid").expect("lid");
    assert!(matches!(
        lid.component::<Sprite>("Sprite"),
        Err(ComponentError::Mismatch { ref entity, .. }) if entity == "lid"
    ));
}
