//! Concurrency and shutdown: many threads loading at once, and dropping the
//! server with work in flight.

mod common;

use std::sync::Arc;
use std::sync::mpsc;
use std::thread;

use amsp_core::PriorityClass;
use amsp_io::MemorySource;
use amsp_runtime::{AssetServer, Blob, Handle, LoadError, LoadState, Text};
use common::{GatedSource, ManualExecutor, Material, MaterialLoader, TIMEOUT, add, id, server};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng, rngs::StdRng};

/// 500 texts and 100 materials that each depend on five of the texts (loader
/// dependencies) and on one more (a catalog dependency).
fn big_source() -> MemorySource {
    let mut source = MemorySource::new("big");
    for i in 0..500u128 {
        add(&mut source, i + 1, &format!("t/{i}.txt"), "text", format!("text {i}").as_bytes(), &[]);
    }
    for m in 0..100u128 {
        let deps: String =
            (0..5).map(|k| format!("text:t/{}.txt\n", (m * 7 + k * 13) % 500)).collect();
        add(&mut source, 1000 + m, &format!("m/{m}.mat"), "material", deps.as_bytes(), &[1 + m]);
    }
    source
}

/// The handles one loading thread got back.
type PerThread = (Vec<Handle<Text>>, Vec<Handle<Material>>);

#[test]
fn two_thousand_concurrent_loads_from_four_threads_all_complete() {
    let server = server(Arc::new(big_source()), 4);
    server.register_loader(MaterialLoader);
    let results: Vec<PerThread> = thread::scope(|scope| {
        let workers: Vec<_> = (0..4u64)
            .map(|t| {
                let server = &server;
                scope.spawn(move || {
                    let mut rng = StdRng::seed_from_u64(t);
                    let mut order: Vec<u128> = (0..500).collect();
                    order.shuffle(&mut rng);
                    let mut texts = Vec::new();
                    let mut materials = Vec::new();
                    for i in order.into_iter().take(400) {
                        let class = PriorityClass::ALL[rng.random_range(0..4)];
                        if rng.random_bool(0.5) {
                            texts.push(server.load_with_priority(id(i + 1), class));
                        } else {
                            texts.push(
                                server.load_with_priority(format!("t/{i}.txt").as_str(), class),
                            );
                        }
                    }
                    for m in 0..100u128 {
                        materials.push(
                            server.load::<Material>(id(1000 + (m + u128::from(t) * 25) % 100)),
                        );
                    }
                    (texts, materials)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert!(server.wait_idle(TIMEOUT));
    let mut total = 0;
    for (texts, materials) in &results {
        for h in texts {
            let value = server.get(h).unwrap_or_else(|| panic!("{h:?} not loaded"));
            assert_eq!(format!("t/{}", &value.as_str()[5..]) + ".txt", h.path().unwrap().as_str());
            total += 1;
        }
        for h in materials {
            assert!(h.state().is_loaded(), "{h:?}");
            total += 1;
        }
    }
    assert_eq!(total, 2000);
    let stats = server.stats();
    assert_eq!(stats.failed, 0);
    assert_eq!((stats.queued, stats.loading, stats.waiting), (0, 0, 0));
    // 500 texts and 100 materials, once each (the materials' catalog
    // dependencies are texts, loaded as Text: the same slots).
    assert_eq!(stats.loaded, 600);
    assert_eq!(stats.requested, 600);
}

#[test]
fn dropping_the_server_with_work_in_flight_joins_cleanly() {
    let mut source = MemorySource::new("test");
    for i in 1..=50u128 {
        add(&mut source, i, &format!("b/{i}.bin"), "blob", &[1; 10], &[]);
    }
    add(&mut source, 100, "m/a.mat", "material", b"text:t/x.txt", &[]);
    add(&mut source, 101, "t/x.txt", "text", b"x", &[]);
    let gated = GatedSource::new(source, false);
    let server = server(gated.clone(), 2);
    server.register_loader(MaterialLoader);
    let blobs: Vec<Handle<Blob>> = (1..=50).map(|i| server.load(id(i))).collect();
    let mat = server.load_with_priority::<Material>(id(100), PriorityClass::Critical);
    // Both workers are inside a read when the server goes away.
    gated.wait_for_waiting(2);
    let (done_tx, done_rx) = mpsc::channel();
    let dropper = thread::spawn(move || {
        drop(server);
        done_tx.send(()).unwrap();
    });
    // The drop waits for the two reads in progress; let them finish.
    gated.open();
    done_rx.recv_timeout(TIMEOUT).expect("the server drop joined its workers");
    dropper.join().unwrap();
    // Every request ended: loaded if a worker got to it before the drop,
    // cancelled otherwise (how many is a race with the opened gate).
    for state in blobs.iter().map(|h| h.state()).chain([mat.state()]) {
        match state {
            LoadState::Loaded
            | LoadState::Failed(LoadError::Cancelled { .. })
            | LoadState::Failed(LoadError::DependencyFailed { .. }) => {}
            other => panic!("unexpected state after shutdown: {other:?}"),
        }
    }
    assert!(blobs[0].state().is_loaded(), "a read in progress finishes");
}

#[test]
fn requests_spaced_out_from_two_threads_all_load_while_jobs_come_and_go() {
    // Drain jobs end whenever they find the queues empty and new requests
    // start new ones. Requests from two threads, spaced by pauses of varying
    // length, keep the queues going empty, so jobs end and start throughout;
    // every request must load and the server must become idle each round.
    let server = server(Arc::new(big_source()), 2);
    for round in 0..20u128 {
        let handles: Vec<Handle<Text>> = thread::scope(|scope| {
            let threads: Vec<_> = (0..2u128)
                .map(|half| {
                    let server = &server;
                    scope.spawn(move || {
                        (0..125u128)
                            .map(|i| {
                                for _ in 0..(i * 37 + round) % 2000 {
                                    std::hint::spin_loop();
                                }
                                server.load::<Text>(id(1 + (round * 250 + half * 125 + i) % 500))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            threads.into_iter().flat_map(|t| t.join().unwrap()).collect()
        });
        assert!(server.wait_idle(TIMEOUT), "round {round}: a request was stranded");
        assert!(handles.iter().all(|h| h.state().is_loaded()));
        drop(handles);
        server.unload_unused();
    }
}

#[test]
fn dropping_the_server_cancels_queued_requests() {
    let mut source = MemorySource::new("test");
    add(&mut source, 1, "b/1.bin", "blob", b"1", &[]);
    add(&mut source, 2, "b/2.bin", "blob", b"2", &[]);
    // A host executor that never gets to run the jobs.
    let executor = Arc::new(ManualExecutor::default());
    let server =
        AssetServer::builder().source(Arc::new(source)).executor(executor.clone()).build().unwrap();
    let a = server.load::<Blob>("b/1.bin");
    let b = server.load::<Blob>("b/2.bin");
    drop(server);
    for h in [&a, &b] {
        let state = h.state();
        let err = state.error().expect("cancelled");
        assert!(matches!(err, LoadError::Cancelled { .. }));
        assert!(err.to_string().contains("b/"), "{err}");
    }
    // The host runs the leftover drain job later (one: the executor has one
    // worker, and the second request found it live): it finds nothing to do.
    assert_eq!(executor.run_all(), 1);
}

#[test]
fn handles_cross_threads_and_drop_anywhere() {
    let server = server(Arc::new(big_source()), 2);
    let handles: Vec<Handle<Text>> = (1..=100).map(|i| server.load(id(i))).collect();
    assert!(server.wait_idle(TIMEOUT));
    thread::scope(|scope| {
        for chunk in handles.chunks(25) {
            let chunk = chunk.to_vec();
            let server = &server;
            scope.spawn(move || {
                for h in &chunk {
                    let weak = h.downgrade();
                    assert!(server.get(h).is_some());
                    drop(weak.upgrade());
                }
            });
        }
    });
    drop(handles);
    assert_eq!(server.stats().unused, 100);
    assert!(server.unload_unused() > 0);
    assert_eq!(server.stats().resident, 0);
    let mut rng = StdRng::seed_from_u64(9);
    let again = server.load::<Text>(id(rng.random_range(1..=100)));
    assert!(server.wait_for(&again, TIMEOUT).is_loaded());
}
