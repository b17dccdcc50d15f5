//! The simulated disk: real chunk reads, timed by bandwidth and latency.

use std::sync::Arc;

use amsp_bench::sim::disk::{Disk, Read};
use amsp_cook::Cooker;
use amsp_core::AssetPath;
use amsp_io::{AssetSource, CookedSource};

#[test]
fn reads_take_latency_plus_bytes_over_bandwidth_and_really_read() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.bin"), vec![7u8; 100_000]).unwrap();
    std::fs::write(src.join("b.bin"), vec![9u8; 50_000]).unwrap();
    assert_eq!(Cooker::new(&src, &out).run().unwrap().failed, 0);
    let source = Arc::new(CookedSource::open(&out).unwrap());
    let id = |p: &str| source.resolve(&AssetPath::new(p).unwrap()).unwrap();
    let mut queue = vec![
        Read { key: 2, asset: id("b.bin"), chunks: vec![0], bytes: 50_000 },
        Read { key: 1, asset: id("a.bin"), chunks: vec![0], bytes: 100_000 },
    ];
    // 1 MB/s and 10 ms latency: a finishes at 0.11 s, b at 0.11 + 0.06.
    let mut disk = Disk::new(Arc::clone(&source), 1e6, 0.01);
    let mut done = Vec::new();
    let dt = 1.0 / 60.0;
    for frame in 0..30 {
        done.extend(disk.advance(frame as f64 * dt, dt, &mut || queue.pop()).unwrap());
    }
    assert_eq!(done.len(), 2);
    assert_eq!(done[0].read.key, 1);
    assert!((done[0].at - 0.11).abs() < 1e-6, "{}", done[0].at);
    assert!((done[1].at - 0.17).abs() < 1e-6, "{}", done[1].at);
    assert_eq!(disk.bytes_read(), 150_000);

    // A read of a chunk that does not exist is an error, not a silent pass.
    let mut bad = vec![Read { key: 3, asset: id("a.bin"), chunks: vec![5], bytes: 10 }];
    assert!(disk.advance(1.0, 1.0, &mut || bad.pop()).is_err());
}
