//! Retries: transient failures (I/O) are tried again with backoff, parse
//! errors never; after the last attempt the error placeholder and an event.

mod common;

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use amsp_core::{AssetId, AssetPath};
use amsp_io::{AssetDescriptor, AssetSource, MemorySource, ReadError};
use amsp_runtime::{AssetEvent, AssetServer, RetryPolicy, Text};
use common::{Material, MaterialLoader, TIMEOUT, add, id};
use parking_lot::Mutex;

/// A memory source whose reads of some assets fail with an I/O error a
/// number of times before they succeed.
struct FlakySource {
    inner: MemorySource,
    failures_left: Mutex<HashMap<AssetId, usize>>,
    reads: AtomicUsize,
}

impl FlakySource {
    fn new(failing: &[(u128, usize)]) -> Arc<Self> {
        let mut inner = MemorySource::new("flaky");
        add(&mut inner, 1, "t/a.txt", "text", b"hello", &[]);
        add(&mut inner, 2, "t/bad.txt", "text", &[0xff, 0xfe], &[]);
        add(&mut inner, 3, "m/a.mat", "material", b"text:t/a.txt", &[]);
        let failures_left = failing.iter().map(|&(n, count)| (id(n), count)).collect();
        Arc::new(Self {
            inner,
            failures_left: Mutex::new(failures_left),
            reads: AtomicUsize::new(0),
        })
    }

    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

impl AssetSource for FlakySource {
    fn name(&self) -> &str {
        "flaky"
    }

    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.inner.resolve(path)
    }

    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.inner.describe(id)
    }

    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if let Some(left) = self.failures_left.lock().get_mut(&id)
            && *left > 0
        {
            *left -= 1;
            let source = Arc::new(io::Error::new(io::ErrorKind::TimedOut, "the disk timed out"));
            return Err(ReadError::Io { id, location: "flaky disk".into(), source });
        }
        self.inner.read_chunk(id, chunk, out)
    }
}

const FAST: RetryPolicy = RetryPolicy {
    attempts: 3,
    initial_delay: Duration::from_millis(40),
    max_delay: Duration::from_secs(1),
    factor: 2.0,
};

fn build(source: Arc<FlakySource>, policy: RetryPolicy) -> AssetServer {
    let server = AssetServer::builder()
        .source(source)
        .worker_threads(2)
        .retry_policy(policy)
        .build()
        .unwrap();
    server.register_loader(MaterialLoader);
    server
}

/// Waits until a load waits on the retry timer.
fn wait_until_a_retry_waits(server: &AssetServer) {
    let deadline = Instant::now() + TIMEOUT;
    while server.stats().retry_waiting == 0 {
        assert!(Instant::now() < deadline, "never waited to retry");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn transient_failures_are_retried_with_backoff_until_the_load_succeeds() {
    let source = FlakySource::new(&[(1, 2)]);
    let server = build(Arc::clone(&source), FAST);
    let started = Instant::now();
    let handle = server.load::<Text>(id(1));
    assert!(server.wait_for(&handle, TIMEOUT).is_loaded(), "{:?}", handle.state());
    // 40 ms, then 80 ms, before the third attempt.
    assert!(started.elapsed() >= Duration::from_millis(120), "{:?}", started.elapsed());
    assert_eq!(server.get(&handle).unwrap().as_str(), "hello");
    assert_eq!(source.reads(), 3);
    let stats = server.stats();
    assert_eq!((stats.retries, stats.retry_waiting, stats.failed), (2, 0, 0));
    assert!(server.take_events().is_empty());
}

#[test]
fn after_the_last_attempt_the_error_placeholder_and_an_event() {
    let source = FlakySource::new(&[(1, usize::MAX)]);
    let server = build(Arc::clone(&source), FAST);
    // The material waits on the text, which keeps failing.
    let material = server.load::<Material>(id(3));
    assert!(server.wait_for(&material, TIMEOUT).is_failed());
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(source.reads(), 4, "the material once, the text three times");
    let text = server.load::<Text>(id(1));
    match text.state().error() {
        Some(err) => {
            assert!(err.is_transient());
            assert!(err.to_string().contains("flaky disk"), "{err}");
        }
        None => panic!("{:?}", text.state()),
    }
    assert_eq!(server.get_or_placeholder(&material).unwrap().name, "error");
    let failed: Vec<AssetId> = server
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            AssetEvent::LoadFailed { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 2, "the text, then the material: {failed:?}");
    assert_eq!(failed[0], id(1));
    assert_eq!(server.stats().retries, 2);
}

#[test]
fn parse_errors_and_a_never_policy_are_not_retried() {
    let source = FlakySource::new(&[(1, 1)]);
    let server = build(Arc::clone(&source), FAST);
    let bad = server.load::<Text>(id(2));
    assert!(server.wait_for(&bad, TIMEOUT).is_failed());
    assert_eq!((source.reads(), server.stats().retries), (1, 0), "invalid UTF-8 is final");

    let source = FlakySource::new(&[(1, 1)]);
    let server = build(Arc::clone(&source), RetryPolicy::never());
    let text = server.load::<Text>(id(1));
    assert!(server.wait_for(&text, TIMEOUT).is_failed());
    assert_eq!(source.reads(), 1);
}

#[test]
fn a_request_dropped_while_it_waits_to_retry_is_cancelled() {
    let source = FlakySource::new(&[(1, usize::MAX)]);
    let slow = RetryPolicy { initial_delay: Duration::from_millis(150), ..FAST };
    let server = build(Arc::clone(&source), slow);
    let handle = server.load::<Text>(id(1));
    wait_until_a_retry_waits(&server);
    drop(handle);
    assert!(server.wait_idle(TIMEOUT));
    let stats = server.stats();
    assert_eq!((source.reads(), stats.cancelled, stats.failed), (1, 1, 0), "{stats:?}");
}

#[test]
fn dropping_the_server_ends_loads_waiting_to_retry() {
    let source = FlakySource::new(&[(1, usize::MAX)]);
    let slow = RetryPolicy { initial_delay: Duration::from_secs(30), ..FAST };
    let server = build(Arc::clone(&source), slow);
    let handle = server.load::<Text>(id(1));
    wait_until_a_retry_waits(&server);
    let started = Instant::now();
    drop(server);
    // The retry timer wakes and fails it with its last error, at once.
    while !handle.state().is_terminal() {
        assert!(started.elapsed() < Duration::from_secs(5), "still waiting");
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(handle.state().error().is_some_and(amsp_runtime::LoadError::is_transient));
}
