//! Cancellation: a request whose last strong handle is dropped is never
//! loaded, whichever stage it is at: queued, waiting for the I/O budget,
//! mid-load (the loader's next read returns `Cancelled`) or waiting for its
//! dependencies. Its slot leaves the registry and ends `Unloaded`, counted
//! as cancelled, not failed. A handle taken again in time keeps it going.

mod common;

use std::sync::Arc;

use amsp_io::MemorySource;
use amsp_runtime::{AssetServer, Blob, LoadError, LoadState, Text};
use common::{
    Chunks, GatedLoader, GatedSource, LoaderGate, Material, MaterialLoader, TIMEOUT, add, id, path,
};

fn source() -> MemorySource {
    let mut source = MemorySource::new("test");
    for i in 1..=10u128 {
        add(&mut source, i, &format!("b/{i}.bin"), "blob", &[i as u8; 100], &[]);
    }
    // Three-chunk assets for the gated loader.
    for i in 30..=33u128 {
        let chunks = vec![vec![1; 4000], vec![2; 10], vec![3; 10]];
        source.insert(id(i), path(&format!("c/{i}.bin")), "chunks", chunks, vec![]);
    }
    add(&mut source, 20, "m/a.mat", "material", b"text:t/1.txt", &[]);
    add(&mut source, 21, "t/1.txt", "text", b"one", &[]);
    source
}

fn server(source: Arc<GatedSource>, workers: usize) -> AssetServer {
    let server = AssetServer::builder()
        .source(source)
        .worker_threads(workers)
        .io_budget(5000)
        .build()
        .unwrap();
    server.register_loader(MaterialLoader);
    server
}

#[test]
fn a_queued_request_nobody_wants_is_never_read() {
    let gated = GatedSource::new(source(), false);
    let server = server(gated.clone(), 1);
    let _blocker = server.load::<Blob>(id(1));
    gated.wait_for_waiting(1);
    let dropped = server.load::<Blob>(id(2));
    let kept = server.load::<Blob>(id(3));
    let weak = dropped.downgrade();
    drop(dropped);
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(gated.reads(), [1, 3].map(id));
    assert!(weak.upgrade().is_none(), "out of the registry");
    assert!(kept.state().is_loaded());
    let stats = server.stats();
    assert_eq!((stats.cancelled, stats.failed, stats.loaded), (1, 0, 2));
    // Asked again, it loads in a fresh slot.
    let again = server.load::<Blob>(id(2));
    assert!(server.wait_for(&again, TIMEOUT).is_loaded());
}

#[test]
fn a_request_waiting_for_the_io_budget_is_cancelled() {
    let gated = GatedSource::new(source(), true);
    let server = server(gated.clone(), 2);
    let gate = LoaderGate::new();
    server.register_loader(GatedLoader::new(gate.clone()));
    // 30 reads ahead 4,020 bytes of the 5,000 budget and its loader holds
    // them; 31 cannot start its read.
    let holder = server.load::<Chunks>(id(30));
    gate.wait_for_waiting(1);
    let blocked = server.load::<Chunks>(id(31));
    server.maintain();
    let stats = server.stats();
    assert_eq!((stats.in_flight_bytes, stats.io_queued), (4020, 1));
    let weak = blocked.downgrade();
    drop(blocked);
    // Cancelled as soon as the scheduler looks (here: `maintain`), without
    // waiting for budget.
    server.maintain();
    assert!(weak.upgrade().is_none());
    assert_eq!(server.stats().cancelled, 1);
    gate.open();
    assert!(server.wait_for(&holder, TIMEOUT).is_loaded());
    assert!(server.wait_idle(TIMEOUT));
    assert!(!gated.reads().contains(&id(31)), "never read");
    assert_eq!(server.get(&holder).unwrap().0[2], [3; 10]);
}

#[test]
fn a_loader_stops_at_its_next_read_once_nobody_wants_the_asset() {
    let gated = GatedSource::new(source(), true);
    let server = server(gated.clone(), 1);
    let gate = LoaderGate::new();
    let loader = GatedLoader::new(gate.clone());
    let outcomes = Arc::clone(&loader.outcomes);
    server.register_loader(loader);
    let handle = server.load::<Chunks>(id(32));
    let weak = handle.downgrade();
    gate.allow(1); // chunk 0
    gate.wait_for_waiting(1); // before chunk 1: mid-load
    assert!(matches!(handle.state(), LoadState::Loading));
    drop(handle);
    gate.open();
    assert!(server.wait_idle(TIMEOUT));
    let outcomes = outcomes.lock().unwrap();
    assert!(
        matches!(outcomes[..], [Err(LoadError::Cancelled { .. })]),
        "the loader saw the cancellation: {outcomes:?}"
    );
    assert!(weak.upgrade().is_none());
    let stats = server.stats();
    assert_eq!((stats.cancelled, stats.failed, stats.loaded), (1, 0, 0));
    assert_eq!(stats.in_flight_bytes, 0, "the read-ahead bytes were given back");
}

#[test]
fn a_handle_taken_again_mid_load_keeps_the_load_going() {
    let gated = GatedSource::new(source(), true);
    let server = server(gated.clone(), 1);
    let gate = LoaderGate::new();
    server.register_loader(GatedLoader::new(gate.clone()));
    let handle = server.load::<Chunks>(id(33));
    let weak = handle.downgrade();
    gate.allow(1);
    gate.wait_for_waiting(1);
    drop(handle);
    let again = weak.upgrade().expect("still registered");
    gate.open();
    assert!(server.wait_for(&again, TIMEOUT).is_loaded());
    assert_eq!(server.get(&again).unwrap().0.len(), 3);
    assert_eq!(server.stats().cancelled, 0);
}

#[test]
fn a_parent_waiting_for_dependencies_is_cancelled_and_lets_them_go() {
    let gated = GatedSource::new(source(), false);
    let server = server(gated.clone(), 1);
    let mat = server.load::<Material>(id(20));
    gated.allow(1); // the material's own read
    gated.wait_for_reads(1);
    gated.wait_for_waiting(1); // its dependency's read
    assert!(matches!(mat.state(), LoadState::WaitingForDependencies));
    let weak = mat.downgrade();
    drop(mat);
    server.maintain();
    assert!(weak.upgrade().is_none());
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    // The text, wanted only by the material, was cancelled after its read.
    let stats = server.stats();
    assert_eq!((stats.cancelled, stats.failed, stats.loaded), (2, 0, 0));
    let again = server.load::<Text>(id(21));
    assert!(server.wait_for(&again, TIMEOUT).is_loaded(), "a fresh request loads");
}
