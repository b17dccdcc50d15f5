//! Helpers shared by the pack integration tests.

#![allow(dead_code, reason = "each test file uses a different subset")]

use std::path::Path;

use amsp_core::{AssetId, Codec};
use amsp_pack::{PackSummary, PackWriter, WriteOptions};
use rand::{Rng, SeedableRng, rngs::StdRng};
use xxhash_rust::xxh3::xxh3_64;

/// Bytes that compress well.
pub fn compressible(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| seed.wrapping_add((i / 16) as u8)).collect()
}

/// Bytes that do not compress.
pub fn incompressible(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random()).collect()
}

/// One entry of a test pack: id, chunks and codec.
pub struct Spec {
    pub id: AssetId,
    pub chunks: Vec<Vec<u8>>,
    pub codec: Codec,
}

impl Spec {
    pub fn new(id: u128, chunks: Vec<Vec<u8>>, codec: Codec) -> Self {
        Self { id: AssetId::from_u128(id), chunks, codec }
    }

    pub fn chunk_refs(&self) -> Vec<&[u8]> {
        self.chunks.iter().map(Vec::as_slice).collect()
    }

    pub fn concatenated(&self) -> Vec<u8> {
        self.chunks.concat()
    }
}

/// Writes `specs` (in the given order) to `path`.
pub fn write_pack(path: &Path, alignment: u32, specs: &[Spec]) -> PackSummary {
    let mut writer =
        PackWriter::create(path, WriteOptions { alignment, ..WriteOptions::default() }).unwrap();
    for spec in specs {
        writer.add_entry(spec.id, &spec.chunk_refs(), spec.codec).unwrap();
    }
    writer.finish().unwrap()
}

/// A small pack exercising every codec, a multi-chunk entry, a raw entry,
/// an empty chunk and an entry without chunks.
pub fn small_specs() -> Vec<Spec> {
    vec![
        Spec::new(30, vec![compressible(200, 1), compressible(120, 2), Vec::new()], Codec::Zstd),
        Spec::new(10, vec![compressible(150, 3)], Codec::Lz4),
        Spec::new(20, vec![incompressible(40, 4), incompressible(24, 5)], Codec::Zstd),
        Spec::new(40, vec![], Codec::None),
    ]
}

// Offsets of pack format v1 (see docs/pack-format.md).
pub const HEADER_LEN: usize = 128;
pub const VERSION_AT: usize = 8;
pub const TOC_OFFSET_AT: usize = 32;
pub const TOC_LEN_AT: usize = 40;
pub const TOC_CHECKSUM_AT: usize = 48;
pub const HEADER_CHECKSUM_AT: usize = 120;
pub const ENTRY_LEN: usize = 80;
pub const CHUNK_LEN: usize = 40;

pub fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

pub fn read_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

pub fn write_u64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

pub fn write_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// The TOC's offset in a pack file.
pub fn toc_offset(bytes: &[u8]) -> usize {
    read_u64(bytes, TOC_OFFSET_AT) as usize
}

/// Recomputes the TOC checksum (over `toc_offset..`) and the header checksum
/// after a test edited a pack, so that only the edit's meaning is tested.
pub fn reseal(bytes: &mut [u8]) {
    let toc = toc_offset(bytes);
    if toc <= bytes.len() {
        let sum = xxh3_64(&bytes[toc..]);
        write_u64(bytes, TOC_CHECKSUM_AT, sum);
    }
    let sum = xxh3_64(&bytes[..HEADER_CHECKSUM_AT]);
    write_u64(bytes, HEADER_CHECKSUM_AT, sum);
}
