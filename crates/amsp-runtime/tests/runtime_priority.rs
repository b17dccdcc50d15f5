//! Priority order: the most urgent queued request is read first, on the
//! server's own pool and on a FIFO host executor; dependencies inherit the
//! priority of their most urgent dependent.

mod common;

use std::sync::Arc;

use amsp_core::{Priority, PriorityClass};
use amsp_io::MemorySource;
use amsp_runtime::{AssetServer, Blob, LoadState, Text};
use common::{
    FifoThreadExecutor, GatedSource, ManualExecutor, Material, MaterialLoader, TIMEOUT, add, id,
    server,
};

fn blobs(n: u128) -> MemorySource {
    let mut source = MemorySource::new("test");
    for i in 1..=n {
        add(&mut source, i, &format!("b/{i}.bin"), "blob", &[i as u8], &[]);
    }
    source
}

#[test]
fn critical_is_read_before_low_with_one_worker() {
    let gated = GatedSource::new(blobs(10), false);
    let server = server(gated.clone(), 1);
    // Occupy the only worker with a read held at the gate.
    let blocker = server.load::<Blob>(id(1));
    gated.wait_for_waiting(1);
    let low = server.load_with_priority::<Blob>(id(2), PriorityClass::Low);
    let normal = server.load::<Blob>(id(3));
    let high = server.load_with_priority::<Blob>(id(4), PriorityClass::High);
    let critical = server.load_with_priority::<Blob>(id(5), PriorityClass::Critical);
    let low2 = server.load_with_priority::<Blob>(id(6), Priority::new(PriorityClass::Low));
    assert!(matches!(low.state(), LoadState::Queued));
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(gated.reads(), [1, 5, 4, 3, 2, 6].map(id));
    for h in [&blocker, &low, &normal, &high, &critical, &low2] {
        assert!(h.state().is_loaded());
    }
}

#[test]
fn raising_a_queued_request_moves_it_ahead() {
    let gated = GatedSource::new(blobs(10), false);
    let server = server(gated.clone(), 1);
    let _blocker = server.load::<Blob>(id(1));
    gated.wait_for_waiting(1);
    let a = server.load_with_priority::<Blob>(id(2), PriorityClass::Low);
    let _b = server.load_with_priority::<Blob>(id(3), PriorityClass::Normal);
    let again = server.load_with_priority::<Blob>(id(2), PriorityClass::Critical);
    assert_eq!(a, again);
    assert_eq!(a.priority(), Priority::new(PriorityClass::Critical));
    // A lower priority never lowers it.
    let _ = server.load_with_priority::<Blob>(id(2), PriorityClass::Low);
    assert_eq!(a.priority().class, PriorityClass::Critical);
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(gated.reads(), [1, 2, 3].map(id), "the stale Low entry is skipped");
}

#[test]
fn a_fifo_host_executor_still_serves_by_priority() {
    let executor = FifoThreadExecutor::new();
    let gated = GatedSource::new(blobs(10), true);
    let server =
        AssetServer::builder().source(gated.clone()).executor(executor.clone()).build().unwrap();
    let handles = [
        server.load_with_priority::<Blob>(id(1), PriorityClass::Low),
        server.load_with_priority::<Blob>(id(2), PriorityClass::Normal),
        server.load_with_priority::<Blob>(id(3), PriorityClass::Critical),
        server.load_with_priority::<Blob>(id(4), PriorityClass::High),
    ];
    executor.start();
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(gated.reads(), [3, 4, 2, 1].map(id));
    assert!(handles.iter().all(|h| h.state().is_loaded()));
    drop(server);
    executor.stop();
}

#[test]
fn a_hand_driven_executor_runs_everything_on_the_callers_thread() {
    let mut source = blobs(3);
    add(&mut source, 10, "m/a.mat", "material", b"text:t/1.txt\nmat:m/b.mat", &[]);
    add(&mut source, 11, "m/b.mat", "material", b"text:t/1.txt", &[3]);
    add(&mut source, 12, "t/1.txt", "text", b"one", &[]);
    let executor = Arc::new(ManualExecutor::default());
    let server =
        AssetServer::builder().source(Arc::new(source)).executor(executor.clone()).build().unwrap();
    server.register_loader(MaterialLoader);
    let a = server.load::<Material>("m/a.mat");
    assert_eq!(executor.pending(), 1);
    assert!(matches!(a.state(), LoadState::Queued));
    // One drain job (the executor has one worker) loads the asset and the
    // dependencies it pulls in.
    assert!(executor.run_all() >= 1);
    assert!(a.state().is_loaded());
    let a = server.get(&a).unwrap();
    assert!(a.materials[0].state().is_loaded() && a.texts[0].state().is_loaded());
    assert_eq!(server.stats().loaded, 4);
}

#[test]
fn dependencies_inherit_the_most_urgent_priority() {
    let mut source = blobs(10);
    // Catalog dependency: 20 (Blob) depends on 7.
    add(&mut source, 20, "p/parent.bin", "blob", b"p", &[7]);
    // Loader dependency: 21 (Material) asks for text 30.
    add(&mut source, 21, "m/x.mat", "material", b"text:t/dep.txt", &[]);
    add(&mut source, 30, "t/dep.txt", "text", b"dep", &[]);
    let gated = GatedSource::new(source, false);
    let server = server(gated.clone(), 1);
    server.register_loader(MaterialLoader);
    let _blocker = server.load::<Blob>(id(1));
    gated.wait_for_waiting(1);
    // Dependency 7 is already queued at Low; a Critical parent raises it.
    let seven = server.load_with_priority::<Blob>(id(7), PriorityClass::Low);
    let _low = server.load_with_priority::<Blob>(id(2), PriorityClass::Low);
    let _normal = server.load::<Blob>(id(3));
    let parent = server.load_with_priority::<Blob>(id(20), PriorityClass::Critical);
    let mat = server.load_with_priority::<Material>(id(21), PriorityClass::High);
    gated.open();
    assert!(server.wait_for(&parent, TIMEOUT).is_loaded());
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(seven.priority().class, PriorityClass::Critical);
    let dep = &server.get(&mat).unwrap().texts[0];
    assert_eq!(dep.priority().class, PriorityClass::High);
    assert_eq!(*server.get(dep).unwrap(), "dep");
    // blocker, parent, its dependency 7, the High material and its
    // dependency, then Normal, then Low.
    assert_eq!(gated.reads(), [1, 20, 7, 21, 30, 3, 2].map(id));
    let text = server.load::<Text>(id(30));
    assert_eq!(&text, dep);
}
