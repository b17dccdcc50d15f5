//! The upload stage: loaded assets of the enabled types wait for the host
//! in priority order (the same key as the I/O and decode stages), a frame's
//! byte budget at a time; re-prioritising moves them, dropping the last
//! handle cancels them, and other types never enter.

mod common;

use std::sync::Arc;

use amsp_core::{Priority, PriorityClass};
use amsp_io::MemorySource;
use amsp_runtime::{AssetServer, Blob, Handle, Text};
use common::{TIMEOUT, add, id};

/// Blobs 1..=n of `n * 10` bytes each, and one text asset (100).
fn source(n: u128) -> Arc<MemorySource> {
    let mut source = MemorySource::new("test");
    for i in 1..=n {
        add(&mut source, i, &format!("b/{i}.bin"), "blob", &vec![i as u8; 10 * i as usize], &[]);
    }
    add(&mut source, 100, "t/readme.txt", "text", b"hello", &[]);
    Arc::new(source)
}

fn server(n: u128) -> AssetServer {
    let server =
        AssetServer::builder().source(source(n)).worker_threads(2).aging(None).build().unwrap();
    server.enable_uploads::<Blob>();
    server
}

fn ids(uploads: &[amsp_runtime::Upload]) -> Vec<u128> {
    uploads.iter().map(|u| u.id().as_u128()).collect()
}

#[test]
fn uploads_come_in_priority_order_within_the_byte_budget() {
    let server = server(6);
    let p = |class, urgency| Priority::with_urgency(class, urgency);
    let handles: Vec<Handle<Blob>> = [
        (1, p(PriorityClass::Low, 0.0)),
        (2, p(PriorityClass::High, 1.0)),
        (3, p(PriorityClass::Normal, 0.0)),
        (4, p(PriorityClass::High, 5.0)),
        (5, p(PriorityClass::Critical, 0.0)),
        (6, p(PriorityClass::Normal, 2.0)),
    ]
    .into_iter()
    .map(|(n, priority)| server.load_with_priority(id(n), priority))
    .collect();
    let text = server.load::<Text>(id(100));
    assert!(server.wait_idle(TIMEOUT));
    assert_eq!(server.stats().upload_queued, 6, "the text asset is not uploaded");

    // 50 bytes: Critical 5 (50 B) alone.
    let first = server.take_uploads(50);
    assert_eq!(ids(&first), [5]);
    assert_eq!(first[0].bytes(), 50);
    assert_eq!(first[0].get::<Blob>().unwrap().bytes().len(), 50);
    assert!(first[0].get::<Text>().is_none(), "a Blob is not a Text");
    // Then High by urgency (4, then 2) within 60 bytes: 4 (40) + 2 (20).
    let second = server.take_uploads(60);
    assert_eq!(ids(&second), [4, 2]);
    assert_eq!(second.iter().map(amsp_runtime::Upload::bytes).sum::<usize>(), 60);
    // Re-prioritising a waiting upload moves it: 1 (Low) becomes Critical.
    assert!(server.set_priority(&handles[0], PriorityClass::Critical));
    let rest = server.take_uploads(usize::MAX);
    assert_eq!(ids(&rest), [1, 6, 3]);
    assert!(server.take_uploads(usize::MAX).is_empty());
    // A handle from an upload is the asset's handle.
    let h = rest[0].handle::<Blob>().unwrap();
    assert!(Handle::ptr_eq(&h, &handles[0]));
    assert!(rest[0].handle::<Text>().is_none());
    drop(text);
}

#[test]
fn a_single_upload_over_the_budget_still_goes_and_nobody_wanted_is_cancelled() {
    let server = server(4);
    let a: Handle<Blob> = server.load_with_priority(id(4), PriorityClass::High);
    let b: Handle<Blob> = server.load_with_priority(id(3), PriorityClass::Normal);
    let c: Handle<Blob> = server.load_with_priority(id(2), PriorityClass::Low);
    assert!(server.wait_idle(TIMEOUT));
    // Dropping the last handle cancels the upload.
    drop(b);
    let taken = server.take_uploads(1);
    assert_eq!(ids(&taken), [4], "one upload even over the budget");
    let taken = server.take_uploads(usize::MAX);
    assert_eq!(ids(&taken), [2]);
    let stats = server.stats();
    assert_eq!((stats.upload_queued, stats.upload_cancelled), (0, 1));
    // A loaded asset loaded again (unloaded, then requested) is queued
    // again with its new version.
    drop(c);
    server.unload_unused();
    let c: Handle<Blob> = server.load(id(2));
    assert!(server.wait_idle(TIMEOUT));
    let again = server.take_uploads(usize::MAX);
    assert_eq!(ids(&again), [2]);
    assert!(again[0].version() >= 1);
    drop((a, c));
}
