//! Backpressure: the bytes read ahead and not yet taken by a loader stay
//! within the I/O budget whatever is queued; reads in progress stay within
//! the concurrency limit; the I/O stage reads ahead the first chunks that
//! fit and the loader reads the rest itself, each chunk read once.

mod common;

use std::sync::Arc;

use amsp_io::MemorySource;
use amsp_runtime::{AssetLoader, AssetServer, Blob, Handle, LoadContext, LoadError, LoadInput};
use common::{Chunks, GatedLoader, GatedSource, LoaderGate, TIMEOUT, add, id, path};

#[test]
fn bytes_in_flight_stay_within_the_budget() {
    // Twenty 3,000-byte requests (60,000 bytes) against a 10,000-byte budget.
    let mut source = MemorySource::new("test");
    for i in 1..=20u128 {
        source.insert(id(i), path(&format!("c/{i}.bin")), "chunks", vec![vec![7; 3000]], vec![]);
    }
    let server = AssetServer::builder()
        .source(Arc::new(source))
        .worker_threads(4)
        .io_budget(10_000)
        .build()
        .unwrap();
    let gate = LoaderGate::new();
    server.register_loader(GatedLoader::new(gate.clone()));
    let handles: Vec<Handle<Chunks>> = (1..=20).map(|i| server.load(id(i))).collect();
    // Three reads fit; their loaders hold the bytes; the fourth read waits
    // (and so does the fourth worker).
    gate.wait_for_waiting(3);
    server.maintain();
    let stats = server.stats();
    assert_eq!((stats.in_flight_bytes, stats.io_queued, stats.io_running), (9000, 17, 0));
    gate.open();
    assert!(server.wait_idle(TIMEOUT));
    assert!(handles.iter().all(|h| h.state().is_loaded()));
    let stats = server.stats();
    assert_eq!(stats.io_budget, 10_000);
    assert_eq!(stats.peak_in_flight_bytes, 9000, "high-water mark within the budget");
    assert_eq!(stats.in_flight_bytes, 0);
}

#[test]
fn reads_in_progress_stay_within_the_concurrency_limit() {
    let mut source = MemorySource::new("test");
    for i in 1..=12u128 {
        add(&mut source, i, &format!("b/{i}.bin"), "blob", &[1; 10], &[]);
    }
    let gated = GatedSource::new(source, false);
    let server = AssetServer::builder()
        .source(gated.clone())
        .worker_threads(4)
        .io_concurrency(2)
        .build()
        .unwrap();
    let handles: Vec<Handle<Blob>> = (1..=12).map(|i| server.load(id(i))).collect();
    for passed in 1..=12 {
        // Both read places fill whenever two or more reads are left; the
        // limit keeps a third from joining them.
        gated.wait_for_waiting(2.min(13 - passed));
        assert!(server.stats().io_running <= 2);
        gated.allow(1);
        gated.wait_for_reads(passed);
    }
    assert!(server.wait_idle(TIMEOUT));
    assert!(handles.iter().all(|h| h.state().is_loaded()));
    assert_eq!(gated.peak_waiting(), 2, "two reads at once, never more");
}

#[test]
fn the_first_chunks_are_read_ahead_and_the_rest_by_the_loader() {
    let mut source = MemorySource::new("test");
    let chunks = vec![vec![0; 100], vec![1; 200], vec![2; 5000], vec![3; 10]];
    source.insert(id(1), path("c/1.bin"), "chunks", chunks.clone(), vec![]);
    let gated = GatedSource::new(source, true);
    let server = AssetServer::builder()
        .source(gated.clone())
        .worker_threads(1)
        .read_ahead(400)
        .build()
        .unwrap();
    let gate = LoaderGate::new();
    server.register_loader(GatedLoader::new(gate.clone()));
    let handle = server.load::<Chunks>(id(1));
    gate.wait_for_waiting(1);
    // Chunks 0 and 1 fit the 400 bytes; chunk 2 does not, so reading stops
    // there (chunks are read in order).
    assert_eq!(gated.chunk_reads(), [(id(1), 0), (id(1), 1)]);
    assert_eq!(server.stats().in_flight_bytes, 300);
    gate.open();
    assert!(server.wait_for(&handle, TIMEOUT).is_loaded());
    assert_eq!(server.get(&handle).unwrap().0, chunks);
    // Each chunk read once: the loader took 0 and 1 from the read-ahead.
    assert_eq!(gated.chunk_reads(), [0, 1, 2, 3].map(|c| (id(1), c)));
    assert_eq!(server.stats().in_flight_bytes, 0);
}

#[test]
fn a_blob_bigger_than_the_read_ahead_is_read_by_its_loader() {
    let mut source = MemorySource::new("test");
    add(&mut source, 1, "b/big.bin", "blob", &[9; 50_000], &[]);
    let gated = GatedSource::new(source, true);
    let server = AssetServer::builder()
        .source(gated.clone())
        .worker_threads(1)
        .read_ahead(1000)
        .build()
        .unwrap();
    let handle = server.load::<Blob>(id(1));
    assert!(server.wait_for(&handle, TIMEOUT).is_loaded());
    assert_eq!(server.get(&handle).unwrap().len(), 50_000);
    assert_eq!(gated.chunk_reads(), [(id(1), 0)]);
    assert_eq!(server.stats().peak_in_flight_bytes, 0);
}

/// Reads only the first chunk (the default read-ahead of one chunk), after
/// waiting at its gate.
struct HeaderOnly(Arc<LoaderGate>);

impl AssetLoader for HeaderOnly {
    type Asset = Chunks;

    fn asset_types(&self) -> &[&str] {
        &["header"]
    }

    fn load(&self, input: LoadInput, _ctx: &mut LoadContext<'_>) -> Result<Chunks, LoadError> {
        self.0.pass();
        let mut header = Vec::new();
        input.read_chunk(0, &mut header)?;
        Ok(Chunks(vec![header]))
    }
}

#[test]
fn only_the_chunks_a_loader_reads_first_are_read_ahead_and_reserved() {
    let mut source = MemorySource::new("test");
    for i in 1..=2u128 {
        let chunks = vec![vec![1; 100], vec![2; 3900]];
        source.insert(id(i), path(&format!("h/{i}.bin")), "header", chunks, vec![]);
    }
    let gated = GatedSource::new(source, true);
    let server = AssetServer::builder()
        .source(gated.clone())
        .worker_threads(2)
        .io_budget(5000)
        .read_ahead(4000)
        .build()
        .unwrap();
    let gate = LoaderGate::new();
    server.register_loader(HeaderOnly(gate.clone()));
    let a = server.load::<Chunks>(id(1));
    let b = server.load::<Chunks>(id(2));
    // Each reserves 4,000 bytes to read ahead, reads only its 100-byte
    // header and gives the rest back: both fit the 5,000-byte budget.
    gate.wait_for_waiting(2);
    assert_eq!(server.stats().in_flight_bytes, 200);
    gate.open();
    assert!(server.wait_for(&a, TIMEOUT).is_loaded() && server.wait_for(&b, TIMEOUT).is_loaded());
    let mut reads = gated.chunk_reads();
    reads.sort_unstable();
    assert_eq!(reads, [(id(1), 0), (id(2), 0)], "the second chunks are never read");
}
