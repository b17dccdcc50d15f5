//! I/O lanes: reads on each lane of the source stay within the lane's limit
//! and all reads within the server's; a full lane never holds back another
//! lane's reads; within a lane, priority order holds, and re-prioritising
//! and cancelling find a request in its lane's queue.

mod common;

use std::sync::{Arc, Mutex};

use amsp_core::{AssetId, AssetPath, PriorityClass};
use amsp_io::{AssetDescriptor, AssetSource, MemorySource, ReadError};
use amsp_runtime::{AssetServer, Blob, Handle};
use common::{GatedSource, TIMEOUT, add, id};

/// Assets from this id on are on lane 1, the others on lane 0.
const LANE_1: u128 = 100;

#[derive(Default)]
struct LaneReads {
    running: [usize; 2],
    peak: [usize; 2],
    peak_total: usize,
    /// The assets whose reads started on each lane, in order.
    started: [Vec<u128>; 2],
}

/// A gated source over two lanes, with a limit for each; records the reads
/// in progress on each lane (their peaks) and the order reads start in.
struct Laned {
    gated: Arc<GatedSource>,
    limits: [Option<usize>; 2],
    reads: Mutex<LaneReads>,
}

impl Laned {
    fn new(gated: Arc<GatedSource>, limits: [Option<usize>; 2]) -> Arc<Self> {
        Arc::new(Self { gated, limits, reads: Mutex::default() })
    }

    fn lane(id: AssetId) -> usize {
        usize::from(id.as_u128() >= LANE_1)
    }

    fn running(&self) -> [usize; 2] {
        self.reads.lock().unwrap().running
    }

    fn peaks(&self) -> ([usize; 2], usize) {
        let reads = self.reads.lock().unwrap();
        (reads.peak, reads.peak_total)
    }

    fn started(&self, lane: usize) -> Vec<u128> {
        self.reads.lock().unwrap().started[lane].clone()
    }

    fn started_sorted(&self, lane: usize) -> Vec<u128> {
        let mut started = self.started(lane);
        started.sort_unstable();
        started
    }
}

impl AssetSource for Laned {
    fn name(&self) -> &str {
        self.gated.name()
    }

    fn resolve(&self, path: &AssetPath) -> Option<AssetId> {
        self.gated.resolve(path)
    }

    fn describe(&self, id: AssetId) -> Option<Arc<AssetDescriptor>> {
        self.gated.describe(id)
    }

    fn chunk_size(&self, id: AssetId, chunk: u32) -> Option<u64> {
        self.gated.chunk_size(id, chunk)
    }

    fn io_lane(&self, id: AssetId) -> u32 {
        Self::lane(id) as u32
    }

    fn lane_concurrency(&self, lane: u32) -> Option<usize> {
        self.limits.get(lane as usize).copied().flatten()
    }

    fn read_chunk(&self, id: AssetId, chunk: u32, out: &mut Vec<u8>) -> Result<(), ReadError> {
        let lane = Self::lane(id);
        {
            let mut reads = self.reads.lock().unwrap();
            reads.running[lane] += 1;
            reads.peak[lane] = reads.peak[lane].max(reads.running[lane]);
            reads.peak_total = reads.peak_total.max(reads.running.iter().sum());
            reads.started[lane].push(id.as_u128());
        }
        let result = self.gated.read_chunk(id, chunk, out);
        self.reads.lock().unwrap().running[lane] -= 1;
        result
    }
}

/// Blobs 1..=`n` on lane 0 and 101..=100+`n` on lane 1, behind a shut gate.
fn source(n: u128, limits: [Option<usize>; 2]) -> (Arc<GatedSource>, Arc<Laned>) {
    let mut source = MemorySource::new("lanes");
    for i in (1..=n).chain(LANE_1 + 1..=LANE_1 + n) {
        add(&mut source, i, &format!("b/{i}.bin"), "blob", &[i as u8; 16], &[]);
    }
    let gated = GatedSource::new(source, false);
    (gated.clone(), Laned::new(gated, limits))
}

fn server(source: Arc<Laned>, io_concurrency: usize) -> AssetServer {
    AssetServer::builder()
        .source(source)
        .worker_threads(6)
        .io_concurrency(io_concurrency)
        .aging(None)
        .build()
        .unwrap()
}

/// Loads blobs 1..=`n` and 101..=100+`n`, interleaved.
fn load_both(server: &AssetServer, n: u128) -> Vec<Handle<Blob>> {
    (1..=n).flat_map(|i| [i, LANE_1 + i]).map(|i| server.load(id(i))).collect()
}

#[test]
fn each_lane_stays_within_its_limit() {
    let (gated, laned) = source(10, [Some(1), Some(3)]);
    let server = server(laned.clone(), 8);
    let handles = load_both(&server, 10);
    // One read of lane 0 and three of lane 1 wait at the gate; the other
    // sixteen requests stay queued although the server allows eight reads
    // and has six workers.
    gated.wait_for_waiting(4);
    server.maintain();
    let stats = server.stats();
    assert_eq!((stats.io_running, stats.io_queued), (4, 16));
    assert_eq!(laned.running(), [1, 3]);
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    assert!(handles.iter().all(|h| h.state().is_loaded()));
    assert_eq!(laned.peaks(), ([1, 3], 4), "never more than a lane's limit at once");
    assert_eq!(laned.started_sorted(0), (1..=10).collect::<Vec<_>>(), "each read once");
    assert_eq!(laned.started_sorted(1), (101..=110).collect::<Vec<_>>(), "each read once");
    assert_eq!(server.stats().io_running, 0);
}

#[test]
fn the_servers_limit_caps_the_reads_of_all_lanes() {
    let (gated, laned) = source(10, [Some(1), Some(3)]);
    let server = server(laned.clone(), 3);
    let handles = load_both(&server, 10);
    // The lanes would allow four; the server three: the first of lane 0
    // and the first two of lane 1, in first-come order.
    gated.wait_for_waiting(3);
    server.maintain();
    let stats = server.stats();
    assert_eq!((stats.io_running, stats.io_queued), (3, 17));
    assert_eq!((laned.started(0), laned.started_sorted(1)), (vec![1], vec![101, 102]));
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    assert!(handles.iter().all(|h| h.state().is_loaded()));
    let (peak, peak_total) = laned.peaks();
    assert_eq!(peak_total, 3, "never more than the server's limit at once");
    assert!(peak[0] == 1 && peak[1] <= 3, "lane peaks {peak:?}");
}

#[test]
fn a_full_lane_does_not_hold_back_another_lane() {
    let (gated, laned) = source(3, [Some(1), Some(3)]);
    let server = server(laned.clone(), 8);
    // Lane 0's only read place is taken.
    let blocker = server.load::<Blob>(id(1));
    gated.wait_for_waiting(1);
    // Two Critical requests queue on the full lane 0; three Low ones of
    // lane 1 start all the same.
    let critical: Vec<Handle<Blob>> =
        [2, 3].map(|i| server.load_with_priority(id(i), PriorityClass::Critical)).into();
    let low: Vec<Handle<Blob>> =
        [101, 102, 103].map(|i| server.load_with_priority(id(i), PriorityClass::Low)).into();
    gated.wait_for_waiting(4);
    server.maintain();
    let stats = server.stats();
    assert_eq!((stats.io_running, stats.io_queued), (4, 2));
    assert_eq!(laned.started_sorted(1), [101, 102, 103]);
    assert_eq!(laned.started(0), [1], "the Critical requests wait for their lane");
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    assert!(blocker.state().is_loaded());
    assert!(critical.iter().chain(&low).all(|h| h.state().is_loaded()));
    assert_eq!(laned.started(0), [1, 2, 3]);
    assert_eq!(laned.peaks(), ([1, 3], 4));
}

#[test]
fn priority_order_holds_within_each_lane() {
    let (gated, laned) = source(6, [Some(1), Some(1)]);
    let server = server(laned.clone(), 8);
    // Both lanes' only read places are taken.
    let blockers: Vec<Handle<Blob>> = [1, 101].map(|i| server.load(id(i))).into();
    gated.wait_for_waiting(2);
    let classes = [
        PriorityClass::Low,
        PriorityClass::Normal,
        PriorityClass::Critical,
        PriorityClass::High,
        PriorityClass::Normal,
    ];
    let mut handles: Vec<Handle<Blob>> = Vec::new();
    for (i, class) in (2..).zip(classes) {
        handles.push(server.load_with_priority(id(i), class));
        // Lane 1 gets the same classes, rotated by one.
        let other = classes[usize::try_from(i - 1).unwrap() % classes.len()];
        handles.push(server.load_with_priority(id(LANE_1 + i), other));
    }
    // Lane 1 now holds 102 Normal, 103 Critical, 104 High, 105 Normal,
    // 106 Low. Raise 106 to High (it goes after 104, queued earlier) and
    // drop the last requests of lane 0 (6) and lane 1 (105).
    let raised = handles.iter().find(|h| h.id() == id(106)).unwrap();
    assert!(server.set_priority(raised, PriorityClass::High));
    handles.retain(|h| h.id() != id(6) && h.id() != id(105));
    server.maintain();
    assert_eq!(server.stats().io_queued, 8, "taken out of their lanes' queues");
    gated.open();
    assert!(server.wait_idle(TIMEOUT));
    let stats = server.stats();
    assert_eq!((stats.cancelled, stats.loaded, stats.failed), (2, 10, 0));
    assert!(blockers.iter().chain(&handles).all(|h| h.state().is_loaded()));
    assert_eq!(laned.started(0), [1, 4, 5, 3, 2]);
    assert_eq!(laned.started(1), [101, 103, 104, 106, 102]);
    assert_eq!(laned.peaks(), ([1, 1], 2));
}
