//! Loading single assets: by path and id, dedup, built-in and custom loaders,
//! typed errors, placeholders, handles.

mod common;

use std::io;
use std::sync::Arc;

use amsp_core::{AssetId, PriorityClass};
use amsp_io::{MemorySource, ReadError};
use amsp_runtime::{
    Asset, AssetLoader, Blob, Handle, LoadContext, LoadError, LoadInput, LoadState, Text,
};
use common::{GatedSource, Material, MaterialLoader, TIMEOUT, add, id, path, server};

fn text_source() -> MemorySource {
    let mut source = MemorySource::new("test");
    add(&mut source, 1, "config/game.json", "json", b"{\"a\":1}", &[]);
    add(&mut source, 2, "scripts/main.lua", "lua", b"print(1)", &[]);
    add(&mut source, 3, "bin/data.bin", "blob", &[0, 1, 2, 255], &[]);
    add(&mut source, 4, "bad/latin1.txt", "text", &[0x66, 0xff, 0x6f], &[]);
    source.insert(
        id(5),
        path("multi/chunks.txt"),
        "text",
        vec![b"ab".to_vec(), b"cd".to_vec()],
        vec![],
    );
    source
}

#[test]
fn loads_by_path_and_by_id_into_the_same_slot() {
    let server = server(Arc::new(text_source()), 2);
    let by_path = server.load::<Text>("config/game.json");
    let by_id = server.load::<Text>(id(1));
    let by_norm_path = server.load::<Text>(&path("config\\.\\game.json"));
    assert_eq!(by_path, by_id);
    assert!(Handle::ptr_eq(&by_path, &by_norm_path));
    assert!(server.wait_for(&by_id, TIMEOUT).is_loaded());
    assert_eq!(server.get(&by_path).unwrap().as_str(), "{\"a\":1}");
    assert_eq!(by_id.path(), Some(&path("config/game.json")));
    assert_eq!(by_id.id(), id(1));
    assert_eq!(by_id.version(), 1);

    // A load by id learns its path from the descriptor.
    let lua = server.load::<Text>(id(2));
    assert!(server.wait_for(&lua, TIMEOUT).is_loaded());
    assert_eq!(lua.path(), Some(&path("scripts/main.lua")));
    assert_eq!(*server.get(&lua).unwrap(), "print(1)");

    let stats = server.stats();
    assert_eq!((stats.requested, stats.loaded, stats.failed), (2, 2, 0));
    assert_eq!(stats.resident, 2);
}

#[test]
fn builtin_loaders_cover_blob_and_text_types() {
    let server = server(Arc::new(text_source()), 2);
    let blob = server.load::<Blob>("bin/data.bin");
    let json_as_blob = server.load::<Blob>(id(1));
    let multi = server.load::<Text>(id(5));
    let bad = server.load::<Text>(id(4));
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(server.get(&blob).unwrap().bytes(), &[0, 1, 2, 255]);
    assert_eq!(server.get(&json_as_blob).unwrap().bytes(), b"{\"a\":1}");
    assert_eq!(server.get(&multi).unwrap().as_str(), "abcd");
    match server.state(&bad) {
        LoadState::Failed(err @ LoadError::Parse { .. }) => {
            let msg = err.to_string();
            assert!(msg.contains("bad/latin1.txt") && msg.contains("UTF-8"), "{msg}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    // A Text and a Blob of the same id are two slots, both loaded.
    let json_as_text = server.load::<Text>(id(1));
    assert!(server.wait_for(&json_as_text, TIMEOUT).is_loaded());
    assert_eq!(server.get(&json_as_text).unwrap().len(), server.get(&json_as_blob).unwrap().len());
}

#[test]
fn missing_asset_is_not_found_with_its_path_and_serves_placeholders() {
    let server = server(Arc::new(text_source()), 1);
    server.register_loader(MaterialLoader);
    let missing = server.load::<Material>("materials/nope.mat");
    let fine = server.load::<Text>("config/game.json");
    match missing.state() {
        LoadState::Failed(err @ LoadError::NotFound { .. }) => {
            assert!(err.to_string().contains("'materials/nope.mat'"), "{err}");
            assert_eq!(err.asset().unwrap().path, Some(path("materials/nope.mat")));
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(server.get(&missing).is_none());
    assert_eq!(server.get_or_placeholder(&missing).unwrap().name, "error");
    assert!(server.wait_for(&fine, TIMEOUT).is_loaded());

    // An unknown id fails on the worker, naming the id.
    let unknown = server.load::<Text>(AssetId::from_u128(999));
    let state = server.wait_for(&unknown, TIMEOUT);
    let err = state.error().expect("failed");
    assert!(matches!(err, LoadError::NotFound { .. }));
    assert!(err.to_string().contains(&AssetId::from_u128(999).to_string()), "{err}");

    // Invalid path text is a typed error too.
    let invalid = server.load::<Text>("../escape.txt");
    assert!(matches!(invalid.state(), LoadState::Failed(LoadError::InvalidPath { .. })));
}

#[test]
fn placeholders_follow_the_state_and_can_be_overridden() {
    let mut source = MemorySource::new("test");
    add(&mut source, 1, "m/a.mat", "material", b"", &[]);
    let gated = GatedSource::new(source, false);
    let server = server(gated.clone(), 1);
    server.register_loader(MaterialLoader);
    let mat = server.load::<Material>("m/a.mat");
    assert_eq!(server.get_or_placeholder(&mat).unwrap().name, "loading");
    server.set_placeholder::<Material>(
        Some(Material { name: "custom-loading".into(), materials: vec![], texts: vec![] }),
        None,
    );
    assert_eq!(server.get_or_placeholder(&mat).unwrap().name, "custom-loading");
    let missing = server.load::<Material>("m/missing.mat");
    assert!(server.get_or_placeholder(&missing).is_none());
    gated.open();
    assert!(server.wait_for(&mat, TIMEOUT).is_loaded());
    assert_eq!(server.get_or_placeholder(&mat).unwrap().name, "m/a.mat");
}

#[test]
fn read_errors_propagate_typed_and_name_the_asset() {
    let mut source = MemorySource::new("test");
    add(&mut source, 1, "textures/rock.png", "blob", b"png", &[]);
    add(&mut source, 2, "textures/grass.png", "blob", b"png", &[]);
    add(&mut source, 3, "textures/sand.png", "blob", b"png", &[]);
    let gated = GatedSource::new(source, true);
    gated.fail(
        id(1),
        ReadError::Corrupt {
            id: id(1),
            location: "pack build/packs/pack-000001.amsp entry 7".into(),
            detail: "chunk 0: checksum mismatch".into(),
        },
    );
    gated.fail(
        id(2),
        ReadError::Io {
            id: id(2),
            location: "build/packs/pack-000002.amsp".into(),
            source: Arc::new(io::Error::other("disk on fire")),
        },
    );
    let server = server(gated, 2);
    let rock = server.load::<Blob>("textures/rock.png");
    let grass = server.load::<Blob>("textures/grass.png");
    let sand = server.load::<Blob>("textures/sand.png");
    assert!(server.wait_idle(TIMEOUT));
    let err = rock.state().error().cloned().expect("rock failed");
    assert!(matches!(err, LoadError::Corrupt { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "asset 'textures/rock.png' (id {}): corrupt: pack build/packs/pack-000001.amsp \
             entry 7: chunk 0: checksum mismatch",
            id(1)
        )
    );
    let err = grass.state().error().cloned().expect("grass failed");
    assert!(matches!(err, LoadError::Io { .. }));
    assert!(err.to_string().contains("disk on fire") && err.to_string().contains("grass.png"));
    assert!(std::error::Error::source(&err).is_some());
    assert!(sand.state().is_loaded(), "other loads are unaffected");
    let stats = server.stats();
    assert_eq!((stats.loaded, stats.failed, stats.failed_now), (1, 2, 2));
}

/// A custom asset type: a mesh with a vertex count.
struct Mesh {
    vertices: u32,
}

impl Asset for Mesh {
    const TYPE_NAME: &'static str = "Mesh";

    fn byte_size(&self) -> usize {
        size_of::<Self>()
    }
}

struct MeshLoader;

impl AssetLoader for MeshLoader {
    type Asset = Mesh;

    fn asset_types(&self) -> &[&str] {
        &["mesh"]
    }

    fn extensions(&self) -> &[&str] {
        &["obj"]
    }

    fn load(&self, input: LoadInput, ctx: &mut LoadContext<'_>) -> Result<Mesh, LoadError> {
        let bytes: [u8; 4] =
            input.read_all()?.try_into().map_err(|_| ctx.parse_error("expected 4 bytes"))?;
        Ok(Mesh { vertices: u32::from_le_bytes(bytes) })
    }
}

#[test]
fn custom_loaders_by_type_name_and_by_extension() {
    let mut source = MemorySource::new("test");
    add(&mut source, 1, "meshes/a.bin", "mesh", &7u32.to_le_bytes(), &[]);
    add(&mut source, 2, "meshes/b.obj", "blob", &9u32.to_le_bytes(), &[]);
    add(&mut source, 3, "meshes/short.obj", "mesh", &[1, 2], &[]);
    add(&mut source, 4, "notes.txt", "text", b"hello", &[]);
    add(&mut source, 5, "sound/x.wav", "audio", b"RIFF", &[]);
    let server = server(Arc::new(source), 2);
    server.register_loader(MeshLoader);
    let by_type = server.load::<Mesh>("meshes/a.bin");
    let by_ext = server.load_with_priority::<Mesh>("meshes/b.obj", PriorityClass::High);
    let short = server.load::<Mesh>(id(3));
    let wrong = server.load::<Mesh>("notes.txt");
    let unsupported = server.load::<Mesh>("sound/x.wav");
    let wav_blob = server.load::<Blob>("sound/x.wav");
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(server.get(&by_type).unwrap().vertices, 7);
    assert_eq!(server.get(&by_ext).unwrap().vertices, 9);
    assert!(matches!(short.state(), LoadState::Failed(LoadError::Parse { .. })));
    match wrong.state() {
        LoadState::Failed(err @ LoadError::WrongType { .. }) => {
            let msg = err.to_string();
            assert!(
                msg.contains("Mesh") && msg.contains("Text") && msg.contains("notes.txt"),
                "{msg}"
            );
        }
        other => panic!("expected WrongType, got {other:?}"),
    }
    assert!(matches!(unsupported.state(), LoadState::Failed(LoadError::Unsupported { .. })));
    assert!(wav_blob.state().is_loaded(), "any asset loads as a Blob");
    // The Text handle of the same id is unaffected by the failed Mesh one.
    let notes = server.load::<Text>("notes.txt");
    assert!(server.wait_for(&notes, TIMEOUT).is_loaded());
}

/// A loader that panics on every asset.
struct PanickyLoader;

impl AssetLoader for PanickyLoader {
    type Asset = Mesh;

    fn asset_types(&self) -> &[&str] {
        &["mesh"]
    }

    fn load(&self, _input: LoadInput, _ctx: &mut LoadContext<'_>) -> Result<Mesh, LoadError> {
        panic!("bad bytes")
    }
}

#[test]
fn a_panicking_loader_fails_its_asset_only() {
    let mut source = MemorySource::new("test");
    add(&mut source, 1, "a.mesh", "mesh", b"x", &[]);
    add(&mut source, 2, "b.txt", "text", b"fine", &[]);
    let server = server(Arc::new(source), 1);
    server.register_loader(PanickyLoader);
    let mesh = server.load::<Mesh>(id(1));
    let text = server.load::<Text>(id(2));
    let state = server.wait_for(&mesh, TIMEOUT);
    assert!(matches!(state, LoadState::Failed(LoadError::LoaderPanicked { .. })), "{state:?}");
    assert!(state.error().unwrap().to_string().contains("bad bytes"));
    assert!(server.wait_for(&text, TIMEOUT).is_loaded());
}

/// A source whose reads panic.
struct PanickySource(MemorySource);

impl amsp_io::AssetSource for PanickySource {
    fn name(&self) -> &str {
        "panicky"
    }

    fn resolve(&self, path: &amsp_core::AssetPath) -> Option<AssetId> {
        self.0.resolve(path)
    }

    fn describe(&self, id: AssetId) -> Option<Arc<amsp_io::AssetDescriptor>> {
        self.0.describe(id)
    }

    fn read_chunk(&self, _: AssetId, _: u32, _: &mut Vec<u8>) -> Result<(), ReadError> {
        panic!("read exploded")
    }
}

#[test]
fn a_panicking_source_fails_the_load_instead_of_leaving_it_loading() {
    let mut source = MemorySource::new("test");
    add(&mut source, 1, "a.txt", "text", b"a", &[]);
    let server = server(Arc::new(PanickySource(source)), 1);
    let text = server.load::<Text>(id(1));
    let state = server.wait_for(&text, TIMEOUT);
    let err = state.error().expect("failed");
    assert!(matches!(err, LoadError::Io { .. }));
    assert!(err.to_string().contains("read exploded"), "{err}");
}

#[test]
fn handles_are_counted_and_weak_handles_upgrade_while_registered() {
    let server = server(Arc::new(text_source()), 1);
    let a = server.load::<Text>(id(1));
    let b = a.clone();
    let weak = a.downgrade();
    assert!(weak.points_to(&a));
    assert!(server.wait_for(&a, TIMEOUT).is_loaded());
    drop(a);
    drop(b);
    // Unused but not freed: the weak handle still upgrades to the same slot.
    let again = weak.upgrade().expect("still registered");
    assert!(server.get(&again).is_some());
    assert_eq!(server.load::<Text>(id(1)), again);
    drop(again);
    assert_eq!(server.stats().unused, 1);
    assert!(server.unload_unused() > 0);
    assert!(weak.upgrade().is_none(), "an unloaded slot does not come back");
    let fresh = server.load::<Text>(id(1));
    assert!(!weak.points_to(&fresh));
    assert!(server.wait_for(&fresh, TIMEOUT).is_loaded());
}

#[test]
fn handles_are_one_pointer() {
    assert_eq!(size_of::<Handle<Text>>(), size_of::<usize>());
    assert_eq!(size_of::<amsp_runtime::WeakHandle<Blob>>(), size_of::<usize>());
    assert_eq!(size_of::<Option<Handle<Text>>>(), size_of::<usize>());
}

#[test]
fn handles_stay_valid_after_the_server_is_dropped() {
    let server = server(Arc::new(text_source()), 1);
    let text = server.load::<Text>(id(1));
    assert!(server.wait_for(&text, TIMEOUT).is_loaded());
    drop(server);
    assert!(text.state().is_loaded());
    let copy = text.clone();
    drop(text);
    drop(copy);
}
