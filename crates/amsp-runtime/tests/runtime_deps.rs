//! Dependencies: loader-declared and catalog, parents loaded only after their
//! dependencies, failures, cycles of length 1 to 3 and diamonds, alone and
//! under concurrency. Every load must end `Loaded` or `Failed`.

mod common;

use std::sync::Arc;
use std::thread;

use amsp_core::PriorityClass;
use amsp_io::{MemorySource, ReadError};
use amsp_runtime::{AssetServer, Blob, Handle, LoadError, LoadState, Text};
use common::{GatedSource, Material, MaterialLoader, TIMEOUT, add, id, path, server};

fn material_server(source: MemorySource, threads: usize) -> AssetServer {
    let server = server(Arc::new(source), threads);
    server.register_loader(MaterialLoader);
    server
}

fn failed(state: &LoadState) -> &LoadError {
    state.error().unwrap_or_else(|| panic!("expected a failure, got {state:?}"))
}

#[test]
fn loader_declared_dependencies_load_first() {
    let mut source = MemorySource::new("test");
    add(&mut source, 1, "m/rock.mat", "material", b"text:t/albedo.txt\ntext:t/normal.txt", &[]);
    add(&mut source, 2, "t/albedo.txt", "text", b"albedo", &[]);
    add(&mut source, 3, "t/normal.txt", "text", b"normal", &[]);
    let server = material_server(source, 2);
    let rock = server.load::<Material>("m/rock.mat");
    assert!(server.wait_for(&rock, TIMEOUT).is_loaded());
    let rock = server.get(&rock).unwrap();
    let names: Vec<String> =
        rock.texts.iter().map(|h| server.get(h).unwrap().as_str().to_owned()).collect();
    assert_eq!(names, ["albedo", "normal"]);
    assert_eq!(rock.texts[0], server.load::<Text>("t/albedo.txt"));
}

#[test]
fn catalog_dependencies_load_as_their_default_type_and_first() {
    let mut source = MemorySource::new("test");
    add(&mut source, 1, "p/prefab.bin", "blob", b"prefab", &[2, 3]);
    add(&mut source, 2, "t/dep.json", "json", b"{}", &[]);
    add(&mut source, 3, "t/dep.bin", "blob", b"raw", &[]);
    let gated = GatedSource::new(source, false);
    let server = server(gated.clone(), 1);
    let prefab = server.load::<Blob>(id(1));
    // Let the parent's own read through: its dependencies are still queued.
    // (Wait for that read to pass before waiting for the next one to block:
    // the parent's read may itself be the one blocked when the permit comes.)
    gated.allow(1);
    gated.wait_for_reads(1);
    gated.wait_for_waiting(1);
    assert_eq!(gated.reads(), [id(1)]);
    assert!(matches!(prefab.state(), LoadState::WaitingForDependencies));
    assert!(server.get(&prefab).is_none());
    assert_eq!(server.stats().waiting, 1);
    gated.open();
    assert!(server.wait_for(&prefab, TIMEOUT).is_loaded());
    // The json dependency was loaded as Text, the blob one as Blob.
    let json = server.load::<Text>(id(2));
    let raw = server.load::<Blob>(id(3));
    assert!(json.state().is_loaded() && raw.state().is_loaded());
    assert_eq!(server.stats().requested, 3);
}

#[test]
fn a_failed_dependency_fails_the_parent_naming_both() {
    let mut source = MemorySource::new("test");
    add(&mut source, 1, "m/a.mat", "material", b"text:t/missing.txt", &[]);
    add(&mut source, 2, "m/b.mat", "material", b"text:t/ok.txt", &[3]);
    add(&mut source, 3, "t/corrupt.bin", "blob", b"x", &[]);
    add(&mut source, 4, "t/ok.txt", "text", b"ok", &[]);
    add(&mut source, 5, "m/c.mat", "material", b"mat:m/b.mat", &[]);
    let gated = GatedSource::new(source, true);
    gated.fail(
        id(3),
        ReadError::Corrupt { id: id(3), location: "pack p".into(), detail: "bad".into() },
    );
    let server = server(gated, 2);
    server.register_loader(MaterialLoader);
    let a = server.load::<Material>("m/a.mat");
    let c = server.load::<Material>("m/c.mat");
    assert!(server.wait_idle(TIMEOUT));

    let err = failed(&a.state()).clone();
    let LoadError::DependencyFailed { asset, dependency, source } = &err else {
        panic!("expected DependencyFailed, got {err:?}")
    };
    assert_eq!(asset.path, Some(path("m/a.mat")));
    assert_eq!(dependency.path, Some(path("t/missing.txt")));
    assert!(matches!(**source, LoadError::NotFound { .. }));
    let msg = err.to_string();
    assert!(msg.contains("m/a.mat") && msg.contains("t/missing.txt"), "{msg}");

    // Failures travel up chains: c → b → corrupt catalog dependency 3.
    let err = failed(&c.state()).clone();
    let msg = err.to_string();
    assert!(msg.contains("m/c.mat") && msg.contains("m/b.mat") && msg.contains("corrupt"), "{msg}");
    assert_eq!(server.get_or_placeholder(&c).unwrap().name, "error");
    // The healthy dependency loaded, or was cancelled once its failed
    // parent let go of it (nobody wanted it any more); it loads either way.
    let ok = server.load::<Text>("t/ok.txt");
    assert!(server.wait_for(&ok, TIMEOUT).is_loaded());
}

fn assert_cycle(state: &LoadState, members: &[&str]) {
    match failed(state) {
        LoadError::Cycle { chain } => {
            assert_eq!(chain.first(), chain.last(), "{chain:?}");
            assert_eq!(chain.len(), members.len() + 1, "{chain:?}");
            for m in members {
                assert!(chain.iter().any(|n| n.path == Some(path(m))), "{m} in {chain:?}");
            }
        }
        LoadError::DependencyFailed { .. } => {
            let msg = failed(state).to_string();
            assert!(msg.contains("dependency cycle"), "{msg}");
        }
        other => panic!("expected a cycle, got {other:?}"),
    }
}

fn cycle_source() -> MemorySource {
    let mut source = MemorySource::new("test");
    add(&mut source, 1, "c1/a.mat", "material", b"mat:c1/a.mat", &[]);
    add(&mut source, 2, "c2/a.mat", "material", b"mat:c2/b.mat", &[]);
    add(&mut source, 3, "c2/b.mat", "material", b"mat:c2/a.mat", &[]);
    add(&mut source, 4, "c3/a.mat", "material", b"mat:c3/b.mat", &[]);
    add(&mut source, 5, "c3/b.mat", "material", b"mat:c3/c.mat", &[]);
    add(&mut source, 6, "c3/c.mat", "material", b"mat:c3/a.mat\ntext:t/leaf.txt", &[]);
    add(&mut source, 7, "t/leaf.txt", "text", b"leaf", &[]);
    // Catalog cycle between two blobs, and a material that depends on it.
    add(&mut source, 10, "k/x.bin", "blob", b"x", &[11]);
    add(&mut source, 11, "k/y.bin", "blob", b"y", &[10]);
    add(&mut source, 12, "k/user.mat", "material", b"text:t/leaf.txt", &[10]);
    // Diamond: top → left, right → bottom (loader and catalog edges).
    add(&mut source, 20, "d/top.mat", "material", b"mat:d/left.mat\nmat:d/right.mat", &[]);
    add(&mut source, 21, "d/left.mat", "material", b"mat:d/bottom.mat", &[]);
    add(&mut source, 22, "d/right.mat", "material", b"mat:d/bottom.mat", &[23]);
    add(&mut source, 23, "d/bottom.mat", "material", b"text:t/leaf.txt", &[]);
    source
}

#[test]
fn cycles_of_length_one_two_and_three_fail_and_diamonds_load() {
    let server = material_server(cycle_source(), 1);
    let one = server.load::<Material>("c1/a.mat");
    let two = server.load::<Material>("c2/a.mat");
    let three = server.load::<Material>("c3/a.mat");
    let catalog = server.load::<Blob>("k/x.bin");
    let user = server.load::<Material>("k/user.mat");
    let top = server.load::<Material>("d/top.mat");
    assert!(server.wait_idle(TIMEOUT), "a cycle must never hang");
    assert_cycle(&one.state(), &["c1/a.mat"]);
    assert_cycle(&two.state(), &["c2/a.mat", "c2/b.mat"]);
    assert_cycle(&three.state(), &["c3/a.mat", "c3/b.mat", "c3/c.mat"]);
    assert_cycle(&catalog.state(), &["k/x.bin", "k/y.bin"]);
    assert!(user.state().is_failed());
    for member in ["c2/b.mat", "c3/b.mat", "c3/c.mat"] {
        assert!(server.load::<Material>(member).state().is_failed(), "{member}");
    }
    assert!(top.state().is_loaded(), "{:?}", top.state());
    // The diamond's bottom loaded once: both sides hold the same slot.
    let top = server.get(&top).unwrap();
    let left = server.get(&top.materials[0]).unwrap();
    let right = server.get(&top.materials[1]).unwrap();
    assert!(Handle::ptr_eq(&left.materials[0], &right.materials[0]));
    assert!(server.load::<Text>("t/leaf.txt").state().is_loaded());
    let stats = server.stats();
    assert_eq!(stats.queued + stats.loading + stats.waiting, 0);
}

#[test]
fn cycles_and_diamonds_end_under_concurrency() {
    let roots = [
        "c1/a.mat",
        "c2/a.mat",
        "c2/b.mat",
        "c3/a.mat",
        "c3/b.mat",
        "c3/c.mat",
        "k/user.mat",
        "d/top.mat",
        "d/left.mat",
        "d/right.mat",
        "d/bottom.mat",
    ];
    for round in 0..40 {
        let server = material_server(cycle_source(), 4);
        let handles: Vec<Vec<Handle<Material>>> = thread::scope(|scope| {
            let threads: Vec<_> = (0..4)
                .map(|t| {
                    let server = &server;
                    scope.spawn(move || {
                        let mut order: Vec<&str> = roots.to_vec();
                        order.rotate_left((t * 3 + round) % roots.len());
                        let mut handles: Vec<Handle<Material>> = order
                            .iter()
                            .map(|p| server.load_with_priority(*p, PriorityClass::ALL[t]))
                            .collect();
                        handles.sort_by_key(|h| h.id());
                        handles
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert!(server.wait_idle(TIMEOUT), "round {round}: a load never ended");
        let _blobs = [server.load::<Blob>("k/x.bin"), server.load::<Blob>("k/y.bin")];
        assert!(server.wait_idle(TIMEOUT), "round {round}: a load never ended");
        for per_thread in &handles {
            for (h, first) in per_thread.iter().zip(&handles[0]) {
                assert_eq!(h, first, "dedup across threads");
                let state = h.state();
                let p = h.path().unwrap().as_str();
                if p.starts_with('d') {
                    assert!(state.is_loaded(), "round {round}: {p}: {state:?}");
                } else {
                    assert!(state.is_failed(), "round {round}: {p}: {state:?}");
                }
            }
        }
    }
}
