//! Packs whose checksums are all correct but whose header or TOC says
//! something inconsistent (a buggy or hostile writer). One row per rule the
//! reader enforces at open, plus decode-length checks at read time.

mod common;

use std::fs;

use amsp_pack::{PackReadError, PackReader};
use common::{
    CHUNK_LEN, ENTRY_LEN, read_u32, read_u64, reseal, small_specs, toc_offset, write_pack,
    write_u32, write_u64,
};

/// The small pack's TOC: entries (by id) 10: 1 lz4 chunk, 20: 2 raw chunks,
/// 30: 3 chunks (zstd, zstd, empty), 40: no chunks.
struct Toc<'a> {
    bytes: &'a mut Vec<u8>,
}

impl Toc<'_> {
    fn entry(&self, index: usize) -> usize {
        toc_offset(self.bytes) + index * ENTRY_LEN
    }
    fn chunk(&self, index: usize) -> usize {
        toc_offset(self.bytes) + 4 * ENTRY_LEN + index * CHUNK_LEN
    }
    fn get(&self, at: usize) -> u64 {
        read_u64(self.bytes, at)
    }
    fn set(&mut self, at: usize, value: u64) {
        write_u64(self.bytes, at, value);
    }
    fn set32(&mut self, at: usize, value: u32) {
        write_u32(self.bytes, at, value);
    }
    fn add(&mut self, at: usize, delta: i64) {
        let value = self.get(at).wrapping_add_signed(delta);
        self.set(at, value);
    }
}

// Field offsets inside the records (docs/pack-format.md).
const E_ID: usize = 0;
const E_FIRST: usize = 48;
const E_COUNT: usize = 52;
const E_RAW: usize = 56;
const E_FLAGS: usize = 72;
const C_OFFSET: usize = 0;
const C_RAW: usize = 16;
const C_CODEC: usize = 32;

enum Expect {
    /// Open fails with `Corrupt` whose message contains the text.
    Corrupt(&'static str),
    /// Open fails with `LimitExceeded`.
    Limit,
    /// Open succeeds; reading entry 2 chunk 0 fails with `Corrupt` containing the text.
    ReadCorrupt(&'static str),
}

type Edit = fn(&mut Toc<'_>);

#[rustfmt::skip]
const CASES: &[(&str, Edit, Expect)] = &[
    ("header flags", |t| t.bytes[12] = 1, Expect::Corrupt("unknown header flags")),
    ("header reserved u32", |t| t.bytes[20] = 1, Expect::Corrupt("reserved")),
    ("header reserved tail", |t| t.bytes[100] = 1, Expect::Corrupt("reserved")),
    ("alignment not a power of two", |t| t.set32(16, 48), Expect::Corrupt("alignment")),
    ("alignment too small", |t| t.set32(16, 4), Expect::Corrupt("alignment")),
    ("toc_len vs counts", |t| t.set32(24, 5), Expect::Corrupt("TOC length")),
    ("toc_offset moved", |t| { let v = t.get(32) - 8; t.set(32, v) }, Expect::Corrupt("does not end")),
    ("entries out of order", |t| t.set(t.entry(1) + E_ID, 5), Expect::Corrupt("out of order")),
    ("duplicate id", |t| { let v = t.get(t.entry(0) + E_ID); t.set(t.entry(1) + E_ID, v) }, Expect::Corrupt("appears twice")),
    ("entry flags", |t| { let at = t.entry(0) + E_FLAGS; t.bytes[at] = 1 }, Expect::Corrupt("entry flags")),
    ("first_chunk gap", |t| { let at = t.entry(1) + E_FIRST; t.set32(at, 2) }, Expect::Corrupt("first chunk is 2, expected 1")),
    ("chunk_count past table", |t| { let at = t.entry(2) + E_COUNT; t.set32(at, 10) }, Expect::Corrupt("past the chunk table")),
    ("chunk not owned", |t| {
        let (count, first) = (t.entry(2) + E_COUNT, t.entry(3) + E_FIRST);
        t.set32(count, 2);
        t.set32(first, 5);
    }, Expect::Corrupt("entries own 5 chunks")),
    ("unknown codec", |t| { let at = t.chunk(0) + C_CODEC; t.bytes[at] = 7 }, Expect::Corrupt("unknown codec byte 7")),
    ("chunk reserved", |t| { let at = t.chunk(0) + 33; t.bytes[at] = 1 }, Expect::Corrupt("chunk reserved")),
    ("misaligned entry", |t| t.add(t.chunk(0) + C_OFFSET, 8), Expect::Corrupt("not a multiple of the alignment")),
    ("chunks not contiguous", |t| t.add(t.chunk(2) + C_OFFSET, 1), Expect::Corrupt("does not follow")),
    ("chunk inside the header", |t| t.set(t.chunk(0) + C_OFFSET, 0), Expect::Corrupt("outside the data region")),
    ("chunk over the TOC", |t| {
        let at = t.chunk(0) + C_OFFSET;
        let v = (toc_offset(t.bytes) as u64).next_multiple_of(64);
        t.set(at, v);
    }, Expect::Corrupt("outside the data region")),
    ("overlapping entries", |t| { let v = t.get(t.chunk(1) + C_OFFSET); t.set(t.chunk(0) + C_OFFSET, v) }, Expect::Corrupt("overlap")),
    ("raw chunk with stored != raw", |t| t.add(t.chunk(1) + C_RAW, 1), Expect::Corrupt("uncompressed chunk")),
    ("sizes do not add up", |t| t.add(t.entry(0) + E_RAW, 1), Expect::Corrupt("sizes do not add up")),
    ("raw_len over the default cap", |t| {
        t.set(t.chunk(3) + C_RAW, 1 << 40);
        t.set(t.entry(2) + E_RAW, (1 << 40) + 120);
    }, Expect::Limit),
    ("zstd raw_len one short", |t| { t.add(t.chunk(3) + C_RAW, -1); t.add(t.entry(2) + E_RAW, -1) }, Expect::ReadCorrupt("zstd")),
    ("zstd raw_len one long", |t| { t.add(t.chunk(3) + C_RAW, 1); t.add(t.entry(2) + E_RAW, 1) }, Expect::ReadCorrupt("decoded 200 bytes, expected 201")),
];

#[test]
fn inconsistent_tables_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crafted.amsp");
    write_pack(&path, 64, &small_specs());
    let good = fs::read(&path).unwrap();
    // The layout the edits assume.
    let toc = toc_offset(&good);
    assert_eq!(read_u32(&good, 24), 4);
    assert_eq!(read_u32(&good, toc + 2 * ENTRY_LEN + E_COUNT), 3);
    assert_eq!(good[toc + 4 * ENTRY_LEN + 3 * CHUNK_LEN + C_CODEC], 2, "entry 30 chunk 0 is zstd");

    for (name, edit, expect) in CASES {
        let mut bytes = good.clone();
        edit(&mut Toc { bytes: &mut bytes });
        assert_ne!(bytes, good, "{name}: the edit changed nothing");
        reseal(&mut bytes);
        fs::write(&path, &bytes).unwrap();
        let result = PackReader::open(&path);
        match (expect, result) {
            (Expect::Corrupt(text), Err(err @ PackReadError::Corrupt { .. })) => {
                assert!(err.to_string().contains(text), "{name}: {err}");
            }
            (Expect::Limit, Err(PackReadError::LimitExceeded { .. })) => {}
            (Expect::ReadCorrupt(text), Ok(pack)) => {
                let err = pack.read_chunk(2, 0, &mut Vec::new()).unwrap_err();
                assert!(err.is_corrupt() && err.to_string().contains(text), "{name}: {err}");
                assert!(pack.read_entry(2).unwrap_err().is_corrupt(), "{name}");
                assert!(pack.verify().unwrap_err().is_corrupt(), "{name}");
            }
            (_, Err(err)) => panic!("{name}: unexpected error {err}"),
            (_, Ok(_)) => panic!("{name}: opened"),
        }
    }
}
