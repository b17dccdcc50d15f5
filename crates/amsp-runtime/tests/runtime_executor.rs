//! Host integration: executor subsystems. A subsystem never runs more jobs
//! at once than its quota; under contention, workers go to subsystems in
//! proportion to their weights; the server's jobs run in its subsystem and
//! respect its quota.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use amsp_io::MemorySource;
use amsp_runtime::{AssetServer, Blob, Executor, ExecutorConfig, Handle, Subsystem, WorkerPool};
use common::{GatedSource, LoaderGate, TIMEOUT, add, id};

#[derive(Default)]
struct Running {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Running {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn quotas_hold_whatever_is_queued() {
    let pool = WorkerPool::with_config(ExecutorConfig {
        threads: 4,
        subsystems: vec![Subsystem::new("load", 2, 1), Subsystem::new("reload", 1, 1)],
    })
    .unwrap();
    let load = pool.subsystem("load").unwrap();
    let reload = pool.subsystem("reload").unwrap();
    assert_eq!((pool.quota(load), pool.quota(reload)), (2, 1));
    let gate = LoaderGate::new();
    let counts = [Arc::new(Running::default()), Arc::new(Running::default())];
    let (done_tx, done_rx) = mpsc::channel();
    for (sub, count, jobs) in [(load, &counts[0], 8), (reload, &counts[1], 4)] {
        for _ in 0..jobs {
            let (gate, count, done) = (gate.clone(), Arc::clone(count), done_tx.clone());
            pool.spawn_in(
                sub,
                Box::new(move || {
                    count.enter();
                    gate.pass();
                    count.leave();
                    done.send(()).unwrap();
                }),
            );
        }
    }
    // Two load jobs and one reload job hold their places; the fourth
    // worker has nothing it may run.
    gate.wait_for_waiting(3);
    assert_eq!(counts[0].now.load(Ordering::SeqCst), 2);
    assert_eq!(counts[1].now.load(Ordering::SeqCst), 1);
    gate.open();
    for _ in 0..12 {
        done_rx.recv_timeout(TIMEOUT).unwrap();
    }
    assert_eq!(counts[0].peak.load(Ordering::SeqCst), 2);
    assert_eq!(counts[1].peak.load(Ordering::SeqCst), 1);
}

#[test]
fn weights_share_workers_under_contention() {
    let pool = WorkerPool::with_config(ExecutorConfig {
        threads: 1,
        subsystems: vec![Subsystem::new("load", 1, 3), Subsystem::new("reload", 1, 1)],
    })
    .unwrap();
    let (load, reload) = (pool.subsystem("load").unwrap(), pool.subsystem("reload").unwrap());
    // Hold the only worker while both subsystems queue 40 jobs each.
    let gate = LoaderGate::new();
    let held = gate.clone();
    pool.spawn_in(load, Box::new(move || held.pass()));
    gate.wait_for_waiting(1);
    let order = Arc::new(Mutex::new(Vec::new()));
    let (done_tx, done_rx) = mpsc::channel();
    for n in 0..40 {
        for (sub, name) in [(load, 'L'), (reload, 'R')] {
            let (order, done) = (Arc::clone(&order), done_tx.clone());
            pool.spawn_in(
                sub,
                Box::new(move || {
                    order.lock().unwrap().push(name);
                    done.send(n).unwrap();
                }),
            );
        }
    }
    gate.open();
    for _ in 0..80 {
        done_rx.recv_timeout(TIMEOUT).unwrap();
    }
    let order = order.lock().unwrap();
    // While both had work (the first 40 starts), 3 load jobs per reload job.
    let loads = order[..40].iter().filter(|c| **c == 'L').count();
    assert!((29..=31).contains(&loads), "{loads} load jobs in the first 40: {order:?}");
}

#[test]
fn the_server_runs_in_its_subsystem_within_its_quota() {
    let mut source = MemorySource::new("test");
    for i in 1..=8u128 {
        add(&mut source, i, &format!("b/{i}.bin"), "blob", &[1; 10], &[]);
    }
    let gated = GatedSource::new(source, false);
    let pool = Arc::new(
        WorkerPool::with_config(ExecutorConfig {
            threads: 4,
            subsystems: vec![Subsystem::new("game", 4, 1), Subsystem::new("assets", 1, 1)],
        })
        .unwrap(),
    );
    let server = AssetServer::builder()
        .source(gated.clone())
        .executor(pool.clone())
        .subsystem("assets")
        .build()
        .unwrap();
    let handles: Vec<Handle<Blob>> = (1..=8).map(|i| server.load(id(i))).collect();
    for passed in 1..=8 {
        gated.wait_for_waiting(1);
        gated.allow(1);
        gated.wait_for_reads(passed);
    }
    assert!(server.wait_idle(TIMEOUT));
    assert!(handles.iter().all(|h| h.state().is_loaded()));
    assert_eq!(gated.peak_waiting(), 1, "one job of the server at a time");
    drop(server);
    pool.shutdown();
}
