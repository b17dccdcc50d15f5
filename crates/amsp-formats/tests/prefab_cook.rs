//! Prefabs, scripts and tables through a real cook and an `AssetServer`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use amsp_cook::{CookReport, Cooker, ImportError, ImportInput, ImportedAsset, Importer};
use amsp_core::AssetPath;
use amsp_formats::prefab::{
    Cell, ColumnType, DataTable, DataTableImporter, DataTableLoader, Prefab, PrefabImporter,
    PrefabLoader, Script, ScriptImporter, ScriptLoader, Value,
};
use amsp_formats::texture::{Texture, TextureImporter, TextureLoader};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::{AssetServer, Handle, LoadError, LoadState};

const WAIT: Duration = Duration::from_secs(30);

/// A module exporting `add(i32, i32) -> i32`.
const ADD_WASM: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type (i32, i32) -> i32
    0x03, 0x02, 0x01, 0x00, // one function of type 0
    0x07, 0x07, 0x01, 0x03, b'a', b'd', b'd', 0x00, 0x00, // export "add"
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a,
    0x0b, // local.get 0 1, i32.add
];

fn corpus_image(name: &str) -> PathBuf {
    let dir =
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/textures/images"));
    assert!(dir.is_dir(), "the texture corpus is missing: {} does not exist", dir.display());
    dir.join(name)
}

/// Writes `files` under a new source folder and cooks it with the prefab,
/// script, table and texture importers.
fn cook(files: &[(&str, &[u8])]) -> (tempfile::TempDir, CookReport) {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("src");
    for (path, bytes) in files {
        let file = src.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, bytes).unwrap();
    }
    let mut cooker = Cooker::new(&src, dir.path().join("out"));
    let registry = cooker.registry_mut();
    registry.register(Arc::new(TextureImporter::default()));
    registry.register(Arc::new(PrefabImporter::default()));
    registry.register(Arc::new(ScriptImporter));
    registry.register(Arc::new(DataTableImporter));
    registry.register(Arc::new(GarbagePrefabImporter));
    let report = cooker.run().expect("cook runs");
    (dir, report)
}

fn server(dir: &tempfile::TempDir) -> AssetServer {
    let source = Arc::new(CookedSource::open(dir.path().join("out")).expect("cooked output opens"));
    let server = AssetServer::builder()
        .source(source as Arc<dyn AssetSource>)
        .worker_threads(2)
        .build()
        .expect("server");
    server.register_loader(PrefabLoader::default());
    server.register_loader(ScriptLoader);
    server.register_loader(DataTableLoader);
    server.register_loader(TextureLoader::default());
    server
}

fn loaded<T: amsp_runtime::Asset>(server: &AssetServer, handle: &Handle<T>) -> Arc<T> {
    match server.wait_for(handle, WAIT) {
        LoadState::Loaded => server.get(handle).expect("loaded asset"),
        other => panic!("{:?}: {other:?}", handle.path()),
    }
}

fn error_for<'a>(report: &'a CookReport, path: &str) -> &'a str {
    report
        .errors
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.error.as_str())
        .unwrap_or_else(|| panic!("no error for {path}: {:?}", report.errors))
}

#[test]
fn the_issue_example_cooks_and_loads() {
    let text = br#"(name: "crate", entities: [(name: "root", components: {"Transform": (translation: (1.0, 0.0, 0.0))})])"#;
    let (dir, report) = cook(&[("crate.prefab.ron", text)]);
    assert_eq!((report.cooked, report.failed), (1, 0), "{:?}", report.errors);
    let server = server(&dir);
    let prefab = loaded(&server, &server.load::<Prefab>("crate.prefab.ron"));
    assert_eq!(prefab.name, "crate");
    let root = prefab.entity("root").expect("root entity");
    let translation = root.components["Transform"].field("translation").and_then(Value::items);
    let xyz: Vec<f64> =
        translation.expect("translation").iter().filter_map(Value::as_f64).collect();
    assert_eq!(xyz, [1.0, 0.0, 0.0]);
}

#[test]
fn nested_prefabs_and_references_resolve_to_loaded_handles() {
    let png = std::fs::read(corpus_image("alien1.png")).expect("corpus image");
    let level = br#"(name: "level", entities: [
        (name: "door", components: {
            "Sprite": (texture: "asset:textures/alien1.png"),
            "Script": (lua: "asset:scripts/door.lua", wasm: "asset:scripts/add.wasm"),
            "Loot": "asset:data/loot.csv",
        }, children: [
            (name: "barrel", prefab: Some("props/barrel.prefab.ron")),
        ]),
    ])"#;
    let barrel = br#"(name: "barrel", entities: [(name: "body", components: {"Sprite": (texture: "asset:textures/alien1.png")})])"#;
    let (dir, report) = cook(&[
        ("level.scene.ron", level),
        ("props/barrel.prefab.ron", barrel),
        ("textures/alien1.png", &png),
        ("scripts/door.lua", b"return function(door) door:open() end\n"),
        ("scripts/add.wasm", ADD_WASM),
        ("data/loot.csv", b"item,weight,rare\nsword,2.5,true\nshield,4,false\n"),
    ]);
    assert_eq!((report.cooked, report.failed), (6, 0), "{:?}", report.errors);

    let server = server(&dir);
    let level = loaded(&server, &server.load::<Prefab>("level.scene.ron"));
    // Loaded means every reference is loaded too.
    let path = |p: &str| AssetPath::new(p).unwrap();
    let texture = level.reference(&path("textures/alien1.png")).and_then(|r| r.get::<Texture>());
    let texture = server.get(texture.expect("texture handle")).expect("texture loaded");
    assert!(texture.width > 0);
    let lua = level.reference(&path("scripts/door.lua")).and_then(|r| r.get::<Script>()).unwrap();
    assert!(matches!(&*server.get(lua).unwrap(), Script::Lua(s) if s.contains("door:open")));
    let wasm = level.reference(&path("scripts/add.wasm")).and_then(|r| r.get::<Script>()).unwrap();
    assert_eq!(*server.get(wasm).unwrap(), Script::Wasm(ADD_WASM.to_vec()));
    let loot = level.reference(&path("data/loot.csv")).and_then(|r| r.get::<DataTable>()).unwrap();
    let loot = server.get(loot).unwrap();
    assert_eq!(loot.columns[1], ("weight".to_owned(), ColumnType::Float));
    assert_eq!(loot.rows[1], [Cell::Text("shield".into()), Cell::Float(4.0), Cell::Bool(false)]);

    let door = level.entity("door").unwrap();
    let nested = door.children[0].prefab.as_ref().expect("nested prefab handle");
    assert!(matches!(server.state(nested), LoadState::Loaded));
    let barrel = server.get(nested).unwrap();
    assert_eq!(barrel.entities[0].name, "body");
    let shared =
        barrel.reference(&path("textures/alien1.png")).and_then(|r| r.get::<Texture>()).unwrap();
    assert!(server.get(shared).is_some());
}

#[test]
fn importer_records_every_reference_as_a_dependency() {
    let text = br#"(entities: [(components: {"A": ["asset:a.png", "asset:b.lua", "asset:a.png"]}, prefab: "c.prefab.ron")])"#;
    let path = AssetPath::new("x.prefab.ron").unwrap();
    let meta = amsp_cook::AssetMeta::with_id(amsp_core::AssetId::from_u128(7));
    let mut sources = std::collections::HashMap::new();
    for p in ["a.png", "b.lua", "c.prefab.ron"] {
        sources.insert(AssetPath::new(p).unwrap(), b"(entities: [])".to_vec());
    }
    let input = ImportInput { path: &path, bytes: text, meta: &meta };
    let asset = PrefabImporter::default().import_with_sources(&input, &sources).expect("imports");
    let deps: Vec<&str> = asset.dependencies.iter().map(AssetPath::as_str).collect();
    assert_eq!(deps, ["a.png", "b.lua", "c.prefab.ron"]);
    assert_eq!(asset.metadata["entities"], 1);
    assert_eq!(asset.metadata["components"], serde_json::json!(["A"]));
}

#[test]
fn unknown_reference_is_a_cook_error_naming_file_and_line() {
    let text = b"(name: \"level\", entities: [\n  (name: \"a\", components: {\n    \"Sprite\": (texture: \"asset:textures/missing.png\"),\n  }),\n  (name: \"b\", prefab: \"props/nothing.prefab.ron\"),\n])";
    let (_dir, report) = cook(&[("level.scene.ron", text)]);
    let err = error_for(&report, "level.scene.ron");
    assert!(
        err.contains("level.scene.ron:3: unknown asset reference \"textures/missing.png\""),
        "{err}"
    );
    let (_dir, report) =
        cook(&[("l.scene.ron", b"(entities: [\n(prefab: \"props/nothing.prefab.ron\")])")]);
    let err = error_for(&report, "l.scene.ron");
    assert!(
        err.contains("l.scene.ron:2: unknown asset reference \"props/nothing.prefab.ron\""),
        "{err}"
    );
}

#[test]
fn a_reference_cycle_is_a_cook_error_naming_the_chain() {
    let (_dir, report) = cook(&[
        ("a.prefab.ron", b"(entities: [(prefab: \"b.prefab.ron\")])"),
        ("b.prefab.ron", b"(entities: [(components: {\"X\": \"asset:c.prefab.ron\"})])"),
        ("c.prefab.ron", b"(entities: [(children: [(prefab: \"a.prefab.ron\")])])"),
        ("ok.prefab.ron", b"(entities: [(prefab: \"leaf.prefab.ron\")])"),
        ("leaf.prefab.ron", b"(entities: [])"),
        ("self.prefab.ron", b"(entities: [(prefab: \"self.prefab.ron\")])"),
    ]);
    let err = error_for(&report, "a.prefab.ron");
    assert!(
        err.contains("cycle: a.prefab.ron -> b.prefab.ron -> c.prefab.ron -> a.prefab.ron"),
        "{err}"
    );
    let err = error_for(&report, "c.prefab.ron");
    assert!(
        err.contains("cycle: c.prefab.ron -> a.prefab.ron -> b.prefab.ron -> c.prefab.ron"),
        "{err}"
    );
    let err = error_for(&report, "self.prefab.ron");
    assert!(err.contains("cycle: self.prefab.ron -> self.prefab.ron"), "{err}");
    assert_eq!(report.cooked, 2, "{:?}", report.errors);
}

#[test]
fn typed_component_errors_name_file_line_and_component() {
    let text =
        b"(entities: [(components: {\n  \"Transform\": (translation: (1.0, \"up\", 0.0)),\n})])";
    let (_dir, report) = cook(&[("bad.prefab.ron", text)]);
    let err = error_for(&report, "bad.prefab.ron");
    assert!(err.contains("bad.prefab.ron:2: component 'Transform': field 'translation'"), "{err}");
}

#[test]
fn invalid_scripts_and_tables_are_cook_errors() {
    let mut bad_wasm = ADD_WASM.to_vec();
    *bad_wasm.iter_mut().rev().nth(1).unwrap() = 0x7c; // i64.add on i32 operands
    let (dir, report) = cook(&[
        ("bad.wasm", &bad_wasm),
        ("short.wasm", &ADD_WASM[..20]),
        ("bad.lua", b"print('\xff')"),
        ("ragged.csv", b"a,b\n1,2\n3\n"),
        ("rows.table.json", br#"[{"a": 1, "b": "x"}, {"a": 2.5, "b": null}]"#),
        ("mixed.table.json", br#"[{"a": 1}, {"a": "x"}]"#),
        ("nested.table.json", br#"[{"a": [1]}]"#),
        ("good.csv", b"name,count\nx,1\n"),
    ]);
    assert!(error_for(&report, "bad.wasm").contains("invalid WebAssembly module at byte"));
    assert!(error_for(&report, "short.wasm").contains("invalid WebAssembly module"));
    assert!(error_for(&report, "bad.lua").contains("bad.lua:1: invalid UTF-8"));
    assert!(error_for(&report, "ragged.csv").contains("line 3: 1 fields, the header has 2"));
    assert!(error_for(&report, "mixed.table.json").contains("row 1, column 'a'"));
    assert!(error_for(&report, "nested.table.json").contains("nested arrays"));
    assert_eq!(report.cooked, 2, "{:?}", report.errors);
    let server = server(&dir);
    let rows = loaded(&server, &server.load::<DataTable>("rows.table.json"));
    assert_eq!(
        rows.columns,
        [("a".to_owned(), ColumnType::Float), ("b".to_owned(), ColumnType::Text)]
    );
    assert_eq!(rows.rows[1], [Cell::Float(2.5), Cell::Empty]);
    let good = loaded(&server, &server.load::<DataTable>("good.csv"));
    assert_eq!(good.rows, [[Cell::Text("x".into()), Cell::Int(1)]]);
}

/// Cooks `*.garbage` files as prefabs of whatever bytes they hold, to feed
/// the loader bad cooked bytes through the real pack path.
struct GarbagePrefabImporter;

impl Importer for GarbagePrefabImporter {
    fn name(&self) -> &str {
        "garbage"
    }
    fn version(&self) -> u32 {
        1
    }
    fn extensions(&self) -> &[&str] {
        &["garbage"]
    }
    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        Ok(ImportedAsset {
            asset_type: "prefab".into(),
            chunks: vec![input.bytes.to_vec()],
            ..ImportedAsset::default()
        })
    }
}

#[test]
fn truncated_or_garbage_cooked_prefabs_fail_to_load_without_panic() {
    let good = amsp_formats::prefab::encode_prefab(
        &amsp_formats::prefab::parse_prefab(
            r#"(name: "x", entities: [(name: "a", components: {"T": (1, "s")})])"#,
            &amsp_formats::prefab::SchemaRegistry::new(),
        )
        .unwrap()
        .data,
    );
    let (dir, report) = cook(&[
        ("truncated.garbage", &good[..good.len() - 3]),
        ("noise.garbage", b"\x00\x01\x02 not a prefab"),
        ("huge_count.garbage", b"AMPF\x02\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
        ("whole.garbage", &good),
    ]);
    assert_eq!(report.cooked, 4, "{:?}", report.errors);
    let server = server(&dir);
    for path in ["truncated.garbage", "noise.garbage", "huge_count.garbage"] {
        let handle = server.load::<Prefab>(path);
        match server.wait_for(&handle, WAIT) {
            LoadState::Failed(LoadError::Parse { message, .. }) => {
                assert!(message.contains("cooked prefab"), "{path}: {message}");
            }
            other => panic!("{path}: {other:?}"),
        }
        // The placeholder stands in for the failed prefab.
        assert!(server.get_or_placeholder(&handle).is_some_and(|p| p.entities.is_empty()));
    }
    let whole = loaded(&server, &server.load::<Prefab>("whole.garbage"));
    assert_eq!(whole.entities[0].name, "a");
}

#[test]
fn dependencies_are_recorded_and_a_changed_nested_prefab_recooks_its_parents() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.prefab.ron"), b"(entities: [(prefab: \"b.prefab.ron\")])").unwrap();
    std::fs::write(
        src.join("b.prefab.ron"),
        b"(entities: [(components: {\"S\": \"asset:s.lua\"})])",
    )
    .unwrap();
    std::fs::write(src.join("s.lua"), b"return 1").unwrap();
    let run = || {
        let mut cooker = Cooker::new(&src, &out);
        cooker.registry_mut().register(Arc::new(PrefabImporter::default()));
        cooker.registry_mut().register(Arc::new(ScriptImporter));
        cooker.run().expect("cook runs")
    };
    let first = run();
    assert_eq!((first.cooked, first.failed), (3, 0), "{:?}", first.errors);
    {
        let source = CookedSource::open(&out).expect("opens");
        let id = |p: &str| source.resolve(&AssetPath::new(p).unwrap()).unwrap();
        let deps = |p: &str| source.describe(id(p)).unwrap().dependencies.clone();
        assert_eq!(deps("a.prefab.ron"), [id("b.prefab.ron")]);
        assert_eq!(deps("b.prefab.ron"), [id("s.lua")]);
    }
    // b now leads back to a: a is cooked again (it depends on b) and both fail.
    std::fs::write(src.join("b.prefab.ron"), b"(entities: [(prefab: \"a.prefab.ron\")])").unwrap();
    let second = run();
    assert_eq!(second.unchanged, 1, "{:?}", second.errors);
    assert!(
        error_for(&second, "a.prefab.ron").contains("a.prefab.ron -> b.prefab.ron -> a.prefab.ron")
    );
    assert!(error_for(&second, "b.prefab.ron").contains("cycle"));
}
