//! Checking every byte of a pack.

use std::io;
use std::sync::Arc;

use amsp_core::ContentHash;
use xxhash_rust::xxh3::xxh3_64;

use crate::error::PackReadError;
use crate::format::{ChunkInfo, EntryInfo, HEADER_LEN};
use crate::reader::{PackReader, chunk_range};

/// What [`PackReader::verify`] checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Number of entries checked.
    pub entries: usize,
    /// Number of chunks checked.
    pub chunks: u64,
    /// Total decoded bytes.
    pub raw_bytes: u64,
    /// Total stored bytes.
    pub stored_bytes: u64,
    /// Total alignment padding checked to be zero.
    pub padding_bytes: u64,
}

/// Padding is checked in blocks of this many bytes.
const PADDING_BLOCK: usize = 64 * 1024;

impl PackReader {
    /// Checks the whole file as it is now: its length, that the header and
    /// TOC are unchanged since open, every chunk's checksum and decoding,
    /// every entry's content hash, and that all padding is zero.
    ///
    /// Reads go through the file in offset order, one chunk in memory at a time.
    ///
    /// # Errors
    /// The first problem found: [`PackReadError::Corrupt`] naming the entry
    /// and chunk where it applies, [`PackReadError::Truncated`] when the file
    /// shrank, or [`PackReadError::Io`].
    pub fn verify(&self) -> Result<VerifyReport, PackReadError> {
        self.verify_header_and_toc()?;
        let mut order: Vec<&EntryInfo> = self.entries().iter().collect();
        order.sort_by_key(|e| self.chunks_of(e).first().map(|c| c.offset));

        let mut report = VerifyReport { entries: order.len(), ..VerifyReport::default() };
        let mut cursor = HEADER_LEN;
        let mut decoded = Vec::new();
        let mut scratch = Vec::new();
        for entry in order {
            let chunks = self.chunks_of(entry);
            if let Some(first) = chunks.first() {
                report.padding_bytes += self.check_zero(cursor, first.offset)?;
                cursor = first.offset + entry.stored_size;
            }
            let mut hasher = blake3::Hasher::new();
            for (index, chunk) in (0u32..).zip(chunks) {
                decoded.clear();
                self.append_chunk(entry.id, index, chunk, &mut decoded, &mut scratch)?;
                hasher.update(&decoded);
            }
            let computed = ContentHash(*hasher.finalize().as_bytes());
            if computed != entry.content_hash {
                return Err(self.corrupt(
                    entry.id,
                    None,
                    format!(
                        "content hash mismatch (stored {}, computed {computed})",
                        entry.content_hash
                    ),
                ));
            }
            report.chunks += u64::from(entry.chunk_count);
            report.raw_bytes += entry.raw_size;
            report.stored_bytes += entry.stored_size;
        }
        report.padding_bytes += self.check_zero(cursor, self.header.toc_offset)?;
        Ok(report)
    }

    fn chunks_of(&self, entry: &EntryInfo) -> &[ChunkInfo] {
        // Validated at open: the range is inside the chunk table.
        self.chunks.get(chunk_range(entry)).unwrap_or(&[])
    }

    /// The file length, header bytes and TOC checksum, re-read from disk.
    fn verify_header_and_toc(&self) -> Result<(), PackReadError> {
        let io_err = |e: io::Error| PackReadError::Io {
            path: self.path.clone(),
            entry: None,
            source: Arc::new(e),
        };
        let corrupt = |detail: String| PackReadError::Corrupt {
            path: self.path.clone(),
            entry: None,
            chunk: None,
            detail,
        };
        let actual = self.file.metadata().map_err(io_err)?.len();
        if actual < self.header.file_len {
            return Err(PackReadError::Truncated {
                path: self.path.clone(),
                expected: self.header.file_len,
                actual,
            });
        }
        if actual > self.header.file_len {
            return Err(corrupt(format!(
                "the file is {actual} bytes but its header records {}: bytes were appended",
                self.header.file_len
            )));
        }
        let mut header = [0; HEADER_LEN as usize];
        self.read_at(&mut header, 0, None, None)?;
        if header != self.header_bytes {
            return Err(corrupt("the header changed since the pack was opened".to_owned()));
        }
        // The TOC length was bounded by the file length at open.
        let mut toc = vec![0; self.header.toc_len as usize];
        self.read_at(&mut toc, self.header.toc_offset, None, None)?;
        let computed = xxh3_64(&toc);
        if computed != self.header.toc_checksum {
            return Err(corrupt(format!(
                "TOC checksum mismatch (stored {:#018x}, computed {computed:#018x})",
                self.header.toc_checksum
            )));
        }
        Ok(())
    }

    /// Checks that the bytes in `start..end` are zero; returns how many there were.
    fn check_zero(&self, start: u64, end: u64) -> Result<u64, PackReadError> {
        let mut block = vec![0; PADDING_BLOCK.min(end.saturating_sub(start) as usize)];
        let mut at = start;
        while at < end {
            let len = PADDING_BLOCK.min((end - at) as usize);
            let buf = &mut block[..len];
            self.read_at(buf, at, None, None)?;
            if let Some(i) = buf.iter().position(|&b| b != 0) {
                return Err(PackReadError::Corrupt {
                    path: self.path.clone(),
                    entry: None,
                    chunk: None,
                    detail: format!(
                        "padding byte at offset {} is {:#04x}, expected zero",
                        at + i as u64,
                        buf[i]
                    ),
                });
            }
            at += len as u64;
        }
        Ok(end.saturating_sub(start))
    }
}
