//! The [`AssetSource`] contract as one check, for the tests of every source:
//! AMSP's own (cooked packs, memory, the disk-caching wrapper, the mount
//! table, the development source) and any a host or a later crate writes
//! (HTTP, S3, a custom archive).
//!
//! ```
//! use amsp_core::{AssetId, AssetPath};
//! use amsp_io::MemorySource;
//! use amsp_io::conformance::{Expected, check_source};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut source = MemorySource::new("memory");
//! let path = AssetPath::new("config/game.json")?;
//! let id = AssetId::from_u128(1);
//! source.insert(id, path.clone(), "json", vec![b"{}".to_vec()], vec![]);
//! check_source("memory", &source, &[Expected { path, id, chunks: vec![b"{}".to_vec()] }]);
//! # Ok(())
//! # }
//! ```

use amsp_core::{AssetId, AssetPath};

use crate::source::{AssetSource, ReadError};

/// An asset a source must serve, and its chunks as they must read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// Its path.
    pub path: AssetPath,
    /// Its id.
    pub id: AssetId,
    /// Its chunks, verified and decoded, in order.
    pub chunks: Vec<Vec<u8>>,
}

impl From<(AssetPath, AssetId, Vec<Vec<u8>>)> for Expected {
    /// From (path, id, chunks).
    fn from((path, id, chunks): (AssetPath, AssetId, Vec<Vec<u8>>)) -> Self {
        Self { path, id, chunks }
    }
}

/// Checks every promise of the [`AssetSource`] contract on `source`, which
/// must serve `expected` (and may serve more):
///
/// - an unknown path, id or chunk is unknown (`NotFound` for reads);
/// - each path resolves to its id, whose descriptor names the path, the
///   chunk count and the raw size, and whose dependencies are described;
/// - `read_chunk` replaces its buffer's contents with each chunk's bytes,
///   `chunk_size` (where known) is each chunk's length, and `read_chunks`
///   and `read_all` agree with them;
/// - an asset's I/O lane is the same each time;
/// - reads from several threads at once see the same bytes.
///
/// `label` names the source in messages.
///
/// # Panics
/// On the first broken promise, naming the source, the asset and what was
/// wrong: this is a test.
pub fn check_source(label: &str, source: &dyn AssetSource, expected: &[Expected]) {
    check_unknown(label, source);
    for asset in expected {
        check_asset(label, source, asset);
    }
    std::thread::scope(|scope| {
        for t in 0..4 {
            scope.spawn(move || {
                for asset in expected.iter().skip(t).step_by(2) {
                    let all = source.read_all(asset.id).unwrap_or_else(|e| {
                        panic!("{label}: {}: read_all from a thread: {e}", asset.path)
                    });
                    assert!(all == asset.chunks.concat(), "{label}: {}: from a thread", asset.path);
                }
            });
        }
    });
}

fn check_unknown(label: &str, source: &dyn AssetSource) {
    let unknown = AssetId::from_u128(u128::MAX - 7);
    let nowhere = AssetPath::new("no/such/asset.bin").expect("a valid path");
    assert!(source.resolve(&nowhere).is_none(), "{label}: an unknown path resolves");
    assert!(source.describe(unknown).is_none(), "{label}: an unknown id is described");
    let mut out = vec![0xAA; 17];
    match source.read_chunk(unknown, 0, &mut out) {
        Err(ReadError::NotFound { id, .. }) => {
            assert_eq!(id, unknown, "{label}: NotFound names another id");
        }
        other => panic!("{label}: a read of an unknown asset gave {other:?}"),
    }
}

fn check_asset(label: &str, source: &dyn AssetSource, asset: &Expected) {
    let Expected { path, id, chunks } = asset;
    let at = format!("{label}: {path}");
    assert_eq!(source.resolve(path), Some(*id), "{at}: resolve");
    let desc = source.describe(*id).unwrap_or_else(|| panic!("{at}: not described"));
    assert_eq!((desc.id, &desc.path), (*id, path), "{at}: descriptor");
    assert_eq!(desc.chunk_count as usize, chunks.len(), "{at}: chunk count");
    let all: Vec<u8> = chunks.concat();
    assert_eq!(desc.raw_size, all.len() as u64, "{at}: raw size");
    for dep in &desc.dependencies {
        assert!(source.describe(*dep).is_some(), "{at}: dependency {dep} is not described");
    }
    let mut out = Vec::new();
    for (c, chunk) in (0u32..).zip(chunks) {
        // The buffer's contents are replaced, whatever it held.
        out.clear();
        out.extend_from_slice(b"stale bytes");
        source.read_chunk(*id, c, &mut out).unwrap_or_else(|e| panic!("{at}: chunk {c}: {e}"));
        assert!(out == *chunk, "{at}: chunk {c} reads other bytes");
        if let Some(size) = source.chunk_size(*id, c) {
            assert_eq!(size, chunk.len() as u64, "{at}: chunk_size({c})");
        }
    }
    let count = u32::try_from(chunks.len()).expect("fewer than 4 billion chunks");
    let mut read = Vec::new();
    source
        .read_chunks(*id, 0..count, &mut read)
        .unwrap_or_else(|e| panic!("{at}: read_chunks: {e}"));
    assert!(read == *chunks, "{at}: read_chunks reads other bytes");
    let whole = source.read_all(*id).unwrap_or_else(|e| panic!("{at}: read_all: {e}"));
    assert!(whole == all, "{at}: read_all reads other bytes");
    match source.read_chunk(*id, count, &mut out) {
        Err(ReadError::NotFound { chunk, .. }) => {
            assert_eq!(chunk, count, "{at}: NotFound names another chunk");
        }
        other => panic!("{at}: a chunk past the end gave {other:?}"),
    }
    let lane = source.io_lane(*id);
    assert_eq!(source.io_lane(*id), lane, "{at}: the lane changed");
    let _ = source.lane_concurrency(lane);
    let _ = source.lane_name(lane);
}
