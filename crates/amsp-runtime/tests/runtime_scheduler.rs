//! The scheduler's order: urgency within a class, re-prioritisation of
//! queued requests (one or many at once, up or down), dependencies raised
//! with their dependent, and aging: a Low request under a constant stream
//! of High work is served within a stated bound.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use amsp_core::{Priority, PriorityClass};
use amsp_io::MemorySource;
use amsp_runtime::{AssetServer, Blob, Handle, LoadState};
use common::{GatedSource, Material, MaterialLoader, TIMEOUT, add, id};

fn blobs(n: u128) -> MemorySource {
    let mut source = MemorySource::new("test");
    for i in 1..=n {
        add(&mut source, i, &format!("b/{i}.bin"), "blob", &[i as u8], &[]);
    }
    source
}

fn one_worker(source: Arc<GatedSource>, aging: Option<Duration>) -> AssetServer {
    AssetServer::builder().source(source).worker_threads(1).aging(aging).build().unwrap()
}

fn normal(urgency: f32) -> Priority {
    Priority::with_urgency(PriorityClass::Normal, urgency)
}

#[test]
fn urgency_orders_requests_within_a_class() {
    let gated = GatedSource::new(blobs(10), false);
    let server = one_worker(gated.clone(), None);
    let _blocker = server.load::<Blob>(id(1));
    gated.wait_for_waiting(1);
    let _a = server.load_with_priority::<Blob>(id(2), normal(1.0));
    let _b = server.load_with_priority::<Blob>(id(3), normal(5.0));
    let _c = server.load_with_priority::<Blob>(id(4), normal(3.0));
    let _d = server.load_with_priority::<Blob>(id(5), normal(-2.0));
    let _e = server.load_with_priority::<Blob>(id(6), Priority::new(PriorityClass::High));
    let _f = server.load_with_priority::<Blob>(id(7), normal(3.0));
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    // High first, then by urgency, equal urgencies first come first served.
    assert_eq!(gated.reads(), [1, 6, 3, 4, 7, 2, 5].map(id));
}

#[test]
fn set_priority_moves_a_queued_request_up_or_down() {
    let gated = GatedSource::new(blobs(10), false);
    let server = one_worker(gated.clone(), None);
    let _blocker = server.load::<Blob>(id(1));
    gated.wait_for_waiting(1);
    let a = server.load_with_priority::<Blob>(id(2), PriorityClass::Low);
    let b = server.load::<Blob>(id(3));
    let c = server.load::<Blob>(id(4));
    assert!(server.set_priority(&a, PriorityClass::Critical));
    assert!(server.set_priority(&b, PriorityClass::Low), "lowering is allowed");
    assert!(!server.set_priority(&c, PriorityClass::Normal), "unchanged");
    assert_eq!(a.priority().class, PriorityClass::Critical);
    assert_eq!(b.priority().class, PriorityClass::Low);
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(gated.reads(), [1, 2, 4, 3].map(id));
    assert!(!server.set_priority(&a, PriorityClass::Low), "a loaded asset is left alone");
}

#[test]
fn set_priorities_reorders_many_queued_requests_at_once() {
    const N: u128 = 500;
    let gated = GatedSource::new(blobs(N + 1), false);
    let server = one_worker(gated.clone(), None);
    let _blocker = server.load::<Blob>(id(N + 1));
    gated.wait_for_waiting(1);
    // Queued with rising urgency: they would load N, N-1, …, 1.
    let handles: Vec<Handle<Blob>> =
        (1..=N).map(|i| server.load_with_priority::<Blob>(id(i), normal(i as f32))).collect();
    // Reverse it: the frame's update gives 1 the most urgency.
    let changed =
        server.set_priorities(handles.iter().enumerate().map(|(i, h)| (h, normal(-(i as f32)))));
    assert_eq!(changed, N as usize);
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    let expected: Vec<_> = std::iter::once(id(N + 1)).chain((1..=N).map(id)).collect();
    assert_eq!(gated.reads(), expected);
}

#[test]
fn raising_a_waiting_parent_raises_its_queued_dependency() {
    // Priority inversion: a Critical parent must not wait behind Low work
    // for a dependency it declared while it was Low.
    let mut source = blobs(10);
    add(&mut source, 20, "m/a.mat", "material", b"text:t/dep.txt", &[]);
    add(&mut source, 21, "t/dep.txt", "text", b"dep", &[]);
    let gated = GatedSource::new(source, false);
    let server = one_worker(gated.clone(), None);
    server.register_loader(MaterialLoader);
    let _blocker = server.load::<Blob>(id(1));
    gated.wait_for_waiting(1);
    let mat = server.load_with_priority::<Material>(id(20), PriorityClass::Low);
    let _n0 = server.load_with_priority::<Blob>(id(2), PriorityClass::Low);
    let _n1 = server.load_with_priority::<Blob>(id(3), PriorityClass::Low);
    gated.allow(2); // the blocker, then the material
    gated.wait_for_reads(2);
    // The worker decoded the material (its dependency is queued, Low, after
    // n1) and waits on n0's read.
    gated.wait_for_waiting(1);
    assert!(matches!(mat.state(), LoadState::WaitingForDependencies));
    assert!(server.set_priority(&mat, PriorityClass::Critical));
    gated.open();
    assert!(server.wait_for(&mat, TIMEOUT).is_loaded());
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(gated.reads(), [1, 20, 2, 21, 3].map(id));
    let dep = &server.get(&mat).unwrap().texts[0];
    assert_eq!(dep.priority().class, PriorityClass::Critical);
}

/// A Low request, then a constant stream of High work: the one worker
/// always finds `QUEUED` High requests waiting (each read passes the gate
/// only after the next High request was submitted). Returns the Low
/// request's wait (`None` if it was not served within `give_up` High
/// reads), the High requests read before it with the time their load call
/// began, and the time the Low request's load call returned.
fn low_under_high_stream(
    aging: Option<Duration>,
    give_up: usize,
) -> (Option<Duration>, Vec<(u128, Instant)>, Instant) {
    const QUEUED: u128 = 32;
    const LOW: u128 = 1;
    const BLOCKER: u128 = 2;
    let gated = GatedSource::new(blobs(give_up as u128 + QUEUED + 10), false);
    let server = one_worker(gated.clone(), aging);
    // The worker waits at the gate with a first High request before the Low
    // one is queued, so that it cannot take the Low one first.
    let mut submitted = vec![(BLOCKER, Instant::now())];
    let mut stream = vec![server.load_with_priority::<Blob>(id(BLOCKER), PriorityClass::High)];
    gated.wait_for_waiting(1);
    let started = Instant::now();
    let _low = server.load_with_priority::<Blob>(id(LOW), PriorityClass::Low);
    let after_low = Instant::now();
    for n in BLOCKER + 1..=BLOCKER + QUEUED {
        submitted.push((n, Instant::now()));
        stream.push(server.load_with_priority::<Blob>(id(n), PriorityClass::High));
    }
    let mut next = BLOCKER + QUEUED + 1;
    let mut passed = 0;
    while !gated.reads().contains(&id(LOW)) && passed < give_up {
        gated.wait_for_waiting(1);
        submitted.push((next, Instant::now()));
        stream.push(server.load_with_priority::<Blob>(id(next), PriorityClass::High));
        next += 1;
        gated.allow(1);
        passed += 1;
        gated.wait_for_reads(passed);
    }
    let served = gated.reads().contains(&id(LOW));
    let waited = served.then(|| started.elapsed());
    gated.open();
    let reads = gated.reads();
    let low_at = reads.iter().position(|r| *r == id(LOW)).unwrap_or(reads.len());
    let ahead = reads[..low_at]
        .iter()
        .filter_map(|r| submitted.iter().find(|(n, _)| id(*n) == *r).copied())
        .collect();
    (waited, ahead, after_low)
}

#[test]
fn aging_bounds_how_long_low_work_waits_under_high_work() {
    let window = Duration::from_millis(20);
    let (waited, ahead, after_low) = low_under_high_stream(Some(window), 1_000_000);
    let waited = waited.expect("the Low request was served");
    // The bound: a High request (one class gap, same urgency) goes first only
    // if it was queued less than 2 windows after the Low one. Its load call
    // began after `t`, so `t - after_low` bounds its queue-time gap from
    // below.
    for (n, t) in &ahead {
        let gap = t.saturating_duration_since(after_low);
        assert!(gap < 2 * window, "High request {n} queued {gap:?} after Low went first");
    }
    println!(
        "Low request served after {waited:?} behind {} High requests (aging window {window:?})",
        ahead.len()
    );
    // It did wait for High work: the stream was really there.
    assert!(ahead.len() > 32, "only {} High requests went first", ahead.len());
    assert!(waited < TIMEOUT);
}

#[test]
fn without_aging_low_work_starves_under_high_work() {
    let (waited, ahead, ..) = low_under_high_stream(None, 300);
    assert!(waited.is_none(), "strict priority: the Low request never runs");
    assert!(ahead.len() >= 300);
}
