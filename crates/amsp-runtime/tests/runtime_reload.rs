//! Reloads (`hot_reload` tests): a new version swapped in place, failures
//! that keep the old one, dependency chains in order, reloads during loads
//! and many quick saves in a row.

mod common;

use std::sync::Arc;
use std::time::Duration;

use amsp_core::{AssetId, AssetPath};
use amsp_io::{AssetDescriptor, AssetSource, MemorySource, ReadError};
use amsp_runtime::{AssetEvent, AssetServer, Text};
use common::{GatedSource, Material, MaterialLoader, TIMEOUT, id, path};
use parking_lot::RwLock;

/// A source whose assets can be rewritten, as a cook or an editor would.
#[derive(Default)]
struct EditableSource(RwLock<MemorySource>);

impl EditableSource {
    fn new() -> Arc<Self> {
        Arc::new(Self(RwLock::new(MemorySource::new("editable"))))
    }

    fn write(&self, n: u128, p: &str, ty: &str, bytes: &[u8]) {
        self.0.write().insert(id(n), path(p), ty, vec![bytes.to_vec()], vec![]);
    }
}

impl AssetSource for EditableSource {
    fn name(&self) -> &str {
        "editable"
    }

    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.0.read().resolve(path)
    }

    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.0.read().describe(id)
    }

    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        self.0.read().read_chunk(id, chunk, out)
    }
}

fn server(source: Arc<dyn AssetSource>) -> AssetServer {
    let server = AssetServer::builder().source(source).worker_threads(2).build().unwrap();
    server.register_loader(MaterialLoader);
    server
}

fn reloaded(events: &[AssetEvent]) -> Vec<(AssetId, u32)> {
    events
        .iter()
        .filter_map(|e| match e {
            AssetEvent::Reloaded { id, version, .. } => Some((*id, *version)),
            _ => None,
        })
        .collect()
}

#[test]
fn hot_reload_swaps_the_new_version_in_place() {
    let source = EditableSource::new();
    source.write(1, "t/a.txt", "text", b"first");
    let server = server(source.clone());
    let handle = server.load::<Text>("t/a.txt");
    let other = server.load::<Text>(id(1));
    assert!(server.wait_for(&handle, TIMEOUT).is_loaded());
    let before = handle.version();
    source.write(1, "t/a.txt", "text", b"second");
    assert_eq!(server.reload("t/a.txt"), 1);
    // The old version stays visible until the new one is in.
    assert!(server.get(&handle).is_some());
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(server.get(&handle).unwrap().as_str(), "second");
    assert_eq!(server.get(&other).unwrap().as_str(), "second", "every handle sees it");
    assert_eq!(handle.version(), before + 1);
    assert!(handle.state().is_loaded());
    let events = server.take_events();
    assert_eq!(reloaded(&events), [(id(1), before + 1)]);
    let stats = server.stats();
    assert_eq!((stats.reloads, stats.reload_failures, stats.reloading), (1, 0, 0));
    // Not loaded, or not there: nothing to reload.
    assert_eq!(server.reload("t/none.txt"), 0);
    assert_eq!(server.reload(id(99)), 0);
}

#[test]
fn hot_reload_that_fails_keeps_the_old_version_and_reports_the_error() {
    let source = EditableSource::new();
    source.write(1, "t/a.txt", "text", b"good");
    let server = server(source.clone());
    let seen = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    server.on_event(move |event| sink.lock().push(event.clone()));
    let handle = server.load::<Text>(id(1));
    assert!(server.wait_for(&handle, TIMEOUT).is_loaded());
    let version = handle.version();
    source.write(1, "t/a.txt", "text", &[0xff, 0xfe, b'x']);
    server.reload(id(1));
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(server.get(&handle).unwrap().as_str(), "good");
    assert_eq!(handle.version(), version);
    assert!(handle.state().is_loaded());
    let events = server.take_events();
    match events.as_slice() {
        [AssetEvent::ReloadFailed { id: failed, error, .. }] => {
            assert_eq!(*failed, id(1));
            assert!(error.to_string().contains("UTF-8"), "{error}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(seen.lock().len(), 1, "the listener saw it too");
    assert_eq!(server.stats().reload_failures, 1);
}

#[test]
fn hot_reload_loads_an_asset_whose_first_load_failed_once_it_is_fixed() {
    let source = EditableSource::new();
    source.write(1, "t/a.txt", "text", &[0xff]);
    let server = server(source.clone());
    let handle = server.load::<Text>(id(1));
    assert!(server.wait_for(&handle, TIMEOUT).is_failed());
    source.write(1, "t/a.txt", "text", b"fixed");
    assert_eq!(server.reload(id(1)), 1);
    assert!(server.wait_idle(TIMEOUT));
    assert!(handle.state().is_loaded(), "{:?}", handle.state());
    assert_eq!(server.get(&handle).unwrap().as_str(), "fixed");
}

#[test]
fn hot_reload_of_a_dependency_chain_reloads_dependents_after_their_dependencies() {
    // a.mat → b.mat → c.txt, and d.mat → c.txt.
    let source = EditableSource::new();
    source.write(1, "m/a.mat", "material", b"mat:m/b.mat");
    source.write(2, "m/b.mat", "material", b"text:t/c.txt");
    source.write(3, "t/c.txt", "text", b"c1");
    source.write(4, "m/d.mat", "material", b"text:t/c.txt");
    source.write(5, "t/e.txt", "text", b"unrelated");
    let server = server(source.clone());
    let a = server.load::<Material>(id(1));
    let d = server.load::<Material>(id(4));
    let e = server.load::<Text>(id(5));
    assert!(server.wait_idle(TIMEOUT));
    let c = server.load::<Text>(id(3));
    assert!(c.state().is_loaded());
    source.write(3, "t/c.txt", "text", b"c2");
    // b changes too, in the same batch: it still reloads once.
    source.write(2, "m/b.mat", "material", b"text:t/c.txt\ntext:t/e.txt");
    assert_eq!(server.reload_many(&[id(3), id(2)]), 4);
    assert!(server.wait_idle(TIMEOUT));
    let order: Vec<AssetId> = reloaded(&server.take_events()).into_iter().map(|(i, _)| i).collect();
    assert_eq!(order.len(), 4, "each once: {order:?}");
    let at = |n: u128| order.iter().position(|&i| i == id(n)).unwrap();
    assert!(at(3) < at(2) && at(2) < at(1), "c, then b, then a: {order:?}");
    assert!(at(3) < at(4));
    assert_eq!(server.get(&c).unwrap().as_str(), "c2");
    let a_value = server.get(&a).unwrap();
    let b_value = server.get(&a_value.materials[0]).unwrap();
    assert_eq!(b_value.texts.len(), 2, "a sees b's new version");
    assert_eq!(server.get(&b_value.texts[1]).unwrap().as_str(), "unrelated");
    assert!(server.get(&d).is_some() && server.get(&e).is_some());
}

#[test]
fn hot_reload_asked_during_a_load_ends_with_the_newest_version() {
    let mut inner = MemorySource::new("gated");
    common::add(&mut inner, 1, "t/a.txt", "text", b"old", &[]);
    let gated = GatedSource::new(inner, false);
    let server = server(gated.clone());
    let handle = server.load::<Text>(id(1));
    gated.wait_for_waiting(1);
    // The first load is held in its read; a reload asked now runs after it.
    assert_eq!(server.reload(id(1)), 1);
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    assert!(handle.state().is_loaded());
    assert_eq!(gated.reads().len(), 2, "loaded, then reloaded once");
    assert_eq!(server.stats().reloads, 1);
}

#[test]
fn hot_reload_many_quick_saves_in_a_row_end_with_the_last_one() {
    let source = EditableSource::new();
    source.write(1, "t/a.txt", "text", b"v0");
    source.write(2, "m/a.mat", "material", b"text:t/a.txt");
    let server = server(source.clone());
    let text = server.load::<Text>(id(1));
    let material = server.load::<Material>(id(2));
    assert!(server.wait_idle(TIMEOUT));
    for round in 1..=100 {
        source.write(1, "t/a.txt", "text", format!("v{round}").as_bytes());
        server.reload(id(1));
        if round % 10 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(server.get(&text).unwrap().as_str(), "v100");
    let stats = server.stats();
    assert_eq!(stats.reloading, 0, "nothing stuck: {stats:?}");
    assert!(stats.reloads >= 2 && stats.reloads <= 200, "coalesced: {}", stats.reloads);
    assert!(material.state().is_loaded() && text.state().is_loaded());
    let events = server.take_events();
    assert!(events.iter().all(|e| matches!(e, AssetEvent::Reloaded { .. })), "{events:?}");
}

#[test]
fn hot_reload_of_a_deleted_asset_fails_and_keeps_the_old_version() {
    // The asset lives in a mount that goes away, as a deleted file would.
    let vfs = Arc::new(amsp_io::vfs::Vfs::new("game"));
    let mut base = MemorySource::new("base");
    common::add(&mut base, 2, "t/kept.txt", "text", b"kept", &[]);
    vfs.mount("base", Arc::new(base));
    let mut dlc = MemorySource::new("dlc");
    common::add(&mut dlc, 1, "t/a.txt", "text", b"from the dlc", &[]);
    let dlc = vfs.mount("dlc", Arc::new(dlc));
    let server = server(vfs.clone());
    let handle = server.load::<Text>("t/a.txt");
    assert!(server.wait_for(&handle, TIMEOUT).is_loaded());
    assert!(vfs.unmount(dlc));
    assert_eq!(server.reload(id(1)), 1);
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(server.get(&handle).unwrap().as_str(), "from the dlc");
    assert!(handle.state().is_loaded());
    match server.take_events().as_slice() {
        [AssetEvent::ReloadFailed { error, .. }] => {
            assert!(matches!(error, amsp_runtime::LoadError::NotFound { .. }), "{error}");
        }
        other => panic!("{other:?}"),
    }
}
