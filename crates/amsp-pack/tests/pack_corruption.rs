//! Damaged packs: every truncation and every single bit flip of small packs.
//!
//! For each damaged file, either open fails with a corruption error, or open
//! succeeds, `verify` fails, and every read returns exactly the original bytes
//! or a corruption error naming the entry. Region by region the expectation
//! is sharper: damage to the header or TOC fails open, damage to chunk data
//! fails the reads of that chunk, damage to padding fails only `verify`.

mod common;

use std::fs;
use std::path::PathBuf;

use amsp_core::AssetId;
use amsp_pack::{EntryInfo, PackReadError, PackReader};
use common::{HEADER_LEN, small_specs, toc_offset, write_pack};
use rand::{Rng, SeedableRng, rngs::StdRng};

/// What a good pack holds, read through the reader.
struct Original {
    entries: Vec<EntryInfo>,
    /// Per entry, per chunk: (raw bytes, stored bytes).
    chunks: Vec<Vec<(Vec<u8>, Vec<u8>)>>,
    /// Byte ranges of stored chunk data.
    data: Vec<(usize, usize)>,
    toc_offset: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Region {
    Header,
    Data,
    Padding,
    Toc,
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    OpenFailed,
    /// Opened; `verify` failed; `true` if some read failed too.
    Caught {
        reads_failed: bool,
    },
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    good: Vec<u8>,
    original: Original,
}

impl Fixture {
    fn new(alignment: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("damaged.amsp");
        write_pack(&path, alignment, &small_specs());
        let good = fs::read(&path).unwrap();
        let pack = PackReader::open(&path).unwrap();
        pack.verify().unwrap();
        let mut chunks = Vec::new();
        let mut data = Vec::new();
        for (entry, info) in pack.entries().iter().enumerate() {
            let mut list = Vec::new();
            for c in 0..info.chunk_count {
                let (mut raw, mut stored) = (Vec::new(), Vec::new());
                pack.read_chunk(entry, c, &mut raw).unwrap();
                let chunk = pack.read_stored_chunk(entry, c, &mut stored).unwrap();
                data.push((chunk.offset as usize, (chunk.offset + chunk.stored_len) as usize));
                list.push((raw, stored));
            }
            chunks.push(list);
        }
        let original = Original {
            entries: pack.entries().to_vec(),
            chunks,
            data,
            toc_offset: toc_offset(&good),
        };
        Self { _dir: dir, path, good, original }
    }

    fn region(&self, offset: usize) -> Region {
        if offset < HEADER_LEN {
            Region::Header
        } else if offset >= self.original.toc_offset {
            Region::Toc
        } else if self.original.data.iter().any(|&(s, e)| (s..e).contains(&offset)) {
            Region::Data
        } else {
            Region::Padding
        }
    }

    /// Writes `bytes` as the pack and checks the reader's behaviour on it.
    fn check(&self, bytes: &[u8], what: &str) -> Outcome {
        fs::write(&self.path, bytes).unwrap();
        let pack = match PackReader::open(&self.path) {
            Err(err) => {
                assert!(err.is_corrupt(), "{what}: open failed without corruption: {err}");
                assert_eq!(err.path(), self.path, "{what}");
                return Outcome::OpenFailed;
            }
            Ok(pack) => pack,
        };
        // The TOC is checksummed: if open succeeds, it is the original TOC.
        assert_eq!(pack.entries(), self.original.entries, "{what}");
        let err = pack.verify().expect_err(what);
        assert!(err.is_corrupt(), "{what}: verify: {err}");

        let mut reads_failed = false;
        let mut buf = Vec::new();
        for (entry, chunks) in self.original.chunks.iter().enumerate() {
            let id = self.original.entries[entry].id;
            for (c, (raw, stored)) in (0u32..).zip(chunks) {
                match pack.read_chunk(entry, c, &mut buf) {
                    Ok(()) => assert_eq!(&buf, raw, "{what}: read_chunk({entry}, {c})"),
                    Err(err) => {
                        expect_corrupt(&err, id, Some(c), what);
                        assert!(buf.is_empty(), "{what}: failed read left bytes");
                        reads_failed = true;
                    }
                }
                match pack.read_stored_chunk(entry, c, &mut buf) {
                    Ok(_) => assert_eq!(&buf, stored, "{what}: read_stored_chunk({entry}, {c})"),
                    Err(err) => expect_corrupt(&err, id, Some(c), what),
                }
            }
            // Every range of chunks read in one request: the original chunks,
            // or an error naming the first damaged one after the good ones.
            let n = chunks.len() as u32;
            for start in 0..n {
                for end in start + 1..=n {
                    let mut out = Vec::new();
                    let result = pack.read_chunks(entry, start..end, &mut out);
                    let read = start as usize..start as usize + out.len();
                    for (got, (raw, _)) in out.iter().zip(&chunks[read]) {
                        assert_eq!(got, raw, "{what}: read_chunks({entry}, {start}..{end})");
                    }
                    match result {
                        Ok(()) => assert_eq!(out.len() as u32, end - start, "{what}"),
                        Err(err) => {
                            expect_corrupt(&err, id, Some(start + out.len() as u32), what);
                        }
                    }
                }
            }
            let whole: Vec<u8> = chunks.iter().flat_map(|(raw, _)| raw.iter().copied()).collect();
            match pack.read_entry(entry) {
                Ok(bytes) => assert_eq!(bytes, whole, "{what}: read_entry({entry})"),
                Err(err) => expect_corrupt(&err, id, None, what),
            }
        }
        Outcome::Caught { reads_failed }
    }

    /// Flips one bit and checks the region-specific expectation.
    fn check_bit(&self, bit: usize) {
        let offset = bit / 8;
        let mut bytes = self.good.clone();
        bytes[offset] ^= 1 << (bit % 8);
        let region = self.region(offset);
        let what = format!("bit {} of byte {offset} ({region:?})", bit % 8);
        let outcome = self.check(&bytes, &what);
        let expected = match region {
            Region::Header | Region::Toc => Outcome::OpenFailed,
            Region::Data => Outcome::Caught { reads_failed: true },
            Region::Padding => Outcome::Caught { reads_failed: false },
        };
        assert_eq!(outcome, expected, "{what}");
    }

    fn check_truncation(&self, len: usize) {
        fs::write(&self.path, &self.good[..len]).unwrap();
        let err = PackReader::open(&self.path).expect_err("truncated pack opened");
        assert!(matches!(err, PackReadError::Truncated { .. }), "cut at {len}: {err}");
        assert_eq!(err.path(), self.path);
    }
}

fn expect_corrupt(err: &PackReadError, id: AssetId, chunk: Option<u32>, what: &str) {
    let PackReadError::Corrupt { entry, chunk: err_chunk, .. } = err else {
        panic!("{what}: expected a corruption error, got {err}");
    };
    assert_eq!(*entry, Some(id), "{what}: {err}");
    if chunk.is_some() {
        assert_eq!(*err_chunk, chunk, "{what}: {err}");
    }
    assert!(err.to_string().contains("damaged.amsp"), "{what}: {err}");
}

#[test]
fn every_truncation_is_detected() {
    for alignment in [64, 4096] {
        let fixture = Fixture::new(alignment);
        for len in 0..fixture.good.len() {
            fixture.check_truncation(len);
        }
        let mut longer = fixture.good.clone();
        longer.push(0);
        assert_eq!(fixture.check(&longer, "one byte appended"), Outcome::OpenFailed);
    }
}

#[test]
fn every_bit_flip_of_a_small_pack_is_detected() {
    let fixture = Fixture::new(64);
    let mut seen = [0usize; 4];
    for bit in 0..fixture.good.len() * 8 {
        fixture.check_bit(bit);
        seen[fixture.region(bit / 8) as usize] += 1;
    }
    // The fixture must exercise every region.
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
}

#[test]
fn bit_flips_of_a_page_aligned_pack_are_detected() {
    let fixture = Fixture::new(4096);
    let mut rng = StdRng::seed_from_u64(4096);
    for offset in 0..fixture.good.len() {
        match fixture.region(offset) {
            // Every bit of the header, the TOC and the chunk data.
            Region::Header | Region::Toc | Region::Data => {
                for bit in 0..8 {
                    fixture.check_bit(offset * 8 + bit);
                }
            }
            // Padding: a random bit of every 16th byte, and the bytes next to data.
            Region::Padding => {
                let next_to_data = fixture.region(offset + 1) != Region::Padding
                    || fixture.region(offset.saturating_sub(1)) != Region::Padding;
                if offset % 16 == 0 || next_to_data {
                    fixture.check_bit(offset * 8 + rng.random_range(0..8));
                }
            }
        }
    }
}

#[test]
fn random_multi_byte_damage_is_detected() {
    let fixture = Fixture::new(64);
    let mut rng = StdRng::seed_from_u64(7);
    for round in 0..2000 {
        let mut bytes = fixture.good.clone();
        for _ in 0..rng.random_range(1..=4) {
            let at = rng.random_range(0..bytes.len());
            let len = rng.random_range(1..=8).min(bytes.len() - at);
            rng.fill(&mut bytes[at..at + len]);
        }
        if bytes == fixture.good {
            continue;
        }
        fixture.check(&bytes, &format!("round {round}"));
    }
}

#[test]
fn a_torn_write_without_header_is_refused() {
    // What a crash before the header is written leaves: data and TOC behind a
    // zeroed header.
    let fixture = Fixture::new(64);
    let mut bytes = fixture.good.clone();
    bytes[..HEADER_LEN].fill(0);
    assert_eq!(fixture.check(&bytes, "zeroed header"), Outcome::OpenFailed);
    let err = PackReader::open(&fixture.path).unwrap_err();
    assert!(err.to_string().contains("not a pack file"), "{err}");
}

#[test]
fn a_file_changed_after_open_is_reported() {
    let fixture = Fixture::new(64);
    fs::write(&fixture.path, &fixture.good).unwrap();
    let pack = PackReader::open(&fixture.path).unwrap();
    let last = pack.entries().len() - 2; // the last entry with data
    let end = pack.chunks(last).iter().map(|c| c.offset + c.stored_len).max().unwrap();
    fs::OpenOptions::new().write(true).open(&fixture.path).unwrap().set_len(end - 1).unwrap();
    assert!(matches!(pack.verify(), Err(PackReadError::Truncated { .. })));
    let err = pack.read_entry(last).unwrap_err();
    assert!(err.is_corrupt(), "{err}");
    assert_eq!(err.entry(), Some(pack.entries()[last].id));
}
