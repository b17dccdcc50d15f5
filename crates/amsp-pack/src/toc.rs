//! Parsing and validating the table of contents at open.
//!
//! After this pass every entry and chunk the reader hands out is known to be
//! consistent: entries sorted by unique id and covering the chunk table in
//! order, chunks of known codecs inside the data region, each entry's chunks
//! contiguous and its first chunk aligned, entries not overlapping, sizes
//! summing up and under the [`ReadLimits`].

use std::path::Path;

use amsp_core::{AssetId, Codec};

use crate::error::PackReadError;
use crate::format::{
    CHUNK_RECORD_LEN, ChunkInfo, ENTRY_RECORD_LEN, EntryInfo, HEADER_LEN, Header, decode_chunk,
    decode_entry,
};
use crate::reader::ReadLimits;

/// The validated contents of a TOC.
pub(crate) struct Toc {
    pub entries: Vec<EntryInfo>,
    pub chunks: Vec<ChunkInfo>,
}

/// Parses `toc` (whose checksum the caller has checked) and validates it
/// against `header` and `limits`.
///
/// # Errors
/// [`PackReadError::Corrupt`] for any inconsistency, naming the entry and
/// chunk, and [`PackReadError::LimitExceeded`] for sizes over `limits`.
pub(crate) fn parse(
    path: &Path,
    header: &Header,
    toc: &[u8],
    limits: &ReadLimits,
) -> Result<Toc, PackReadError> {
    let corrupt = |entry: Option<AssetId>, chunk: Option<u32>, detail: String| {
        PackReadError::Corrupt { path: path.to_owned(), entry, chunk, detail }
    };
    let limit =
        |entry: AssetId, chunk: Option<u32>, what, size, limit| PackReadError::LimitExceeded {
            path: path.to_owned(),
            entry: Some(entry),
            chunk,
            what,
            size,
            limit,
        };

    let entries_len = u64::from(header.entry_count) * ENTRY_RECORD_LEN;
    let (entry_bytes, chunk_bytes) = usize::try_from(entries_len)
        .ok()
        .and_then(|at| toc.split_at_checked(at))
        .ok_or_else(|| corrupt(None, None, "TOC is shorter than its entry table".to_owned()))?;
    if chunk_bytes.len() as u64 != u64::from(header.chunk_count) * CHUNK_RECORD_LEN {
        return Err(corrupt(None, None, "TOC length does not match its chunk table".to_owned()));
    }
    // Both counts are bounded by the TOC length, itself bounded by the file length.
    let mut entries = Vec::with_capacity(header.entry_count as usize);
    let mut chunks = Vec::with_capacity(header.chunk_count as usize);
    // (start, end) of each entry's stored bytes, to check for overlaps.
    let mut spans = Vec::with_capacity(header.entry_count as usize);
    let alignment = u64::from(header.alignment);
    let data_end = header.toc_offset;

    for (index, record) in entry_bytes.chunks_exact(ENTRY_RECORD_LEN as usize).enumerate() {
        let entry = decode_entry(record)
            .map_err(|d| corrupt(None, None, format!("entry record {index}: {d}")))?;
        let id = Some(entry.id);
        if let Some(prev) = entries.last().map(|e: &EntryInfo| e.id)
            && prev >= entry.id
        {
            let what = if prev == entry.id { "appears twice" } else { "is out of order" };
            return Err(corrupt(id, None, format!("entry record {index}: asset id {what}")));
        }
        if entry.first_chunk as usize != chunks.len() {
            return Err(corrupt(
                id,
                None,
                format!(
                    "first chunk is {}, expected {} (entries must cover the chunk table in order)",
                    entry.first_chunk,
                    chunks.len()
                ),
            ));
        }
        let end = u64::from(entry.first_chunk) + u64::from(entry.chunk_count);
        if end > u64::from(header.chunk_count) {
            return Err(corrupt(
                id,
                None,
                format!(
                    "chunks {}..{end} are past the chunk table ({} chunks)",
                    entry.first_chunk, header.chunk_count
                ),
            ));
        }

        let mut raw_sum = 0u64;
        let mut stored_sum = 0u64;
        let mut next_offset = None;
        for c in 0..entry.chunk_count {
            let at = (entry.first_chunk as usize + c as usize) * CHUNK_RECORD_LEN as usize;
            let record = chunk_bytes
                .get(at..at + CHUNK_RECORD_LEN as usize)
                .ok_or_else(|| corrupt(id, Some(c), "chunk record is past the TOC".to_owned()))?;
            let chunk = decode_chunk(record).map_err(|d| corrupt(id, Some(c), d))?;
            if chunk.raw_len > limits.max_chunk_raw_len {
                return Err(limit(
                    entry.id,
                    Some(c),
                    "raw chunk length",
                    chunk.raw_len,
                    limits.max_chunk_raw_len,
                ));
            }
            if chunk.codec == Codec::None && chunk.stored_len != chunk.raw_len {
                return Err(corrupt(
                    id,
                    Some(c),
                    format!(
                        "uncompressed chunk has stored length {} but raw length {}",
                        chunk.stored_len, chunk.raw_len
                    ),
                ));
            }
            match next_offset {
                None if chunk.offset % alignment != 0 => {
                    return Err(corrupt(
                        id,
                        Some(c),
                        format!(
                            "offset {} is not a multiple of the alignment {alignment}",
                            chunk.offset
                        ),
                    ));
                }
                Some(expected) if chunk.offset != expected => {
                    return Err(corrupt(
                        id,
                        Some(c),
                        format!(
                            "offset {} does not follow the previous chunk (expected {expected})",
                            chunk.offset
                        ),
                    ));
                }
                _ => {}
            }
            let chunk_end = chunk.offset.checked_add(chunk.stored_len);
            if chunk.offset < HEADER_LEN || chunk_end.is_none_or(|e| e > data_end) {
                return Err(corrupt(
                    id,
                    Some(c),
                    format!(
                        "stored bytes {}+{} are outside the data region {HEADER_LEN}..{data_end}",
                        chunk.offset, chunk.stored_len
                    ),
                ));
            }
            next_offset = chunk_end;
            // Cannot overflow: each term is bounded as checked above.
            raw_sum += chunk.raw_len;
            stored_sum += chunk.stored_len;
            chunks.push(chunk);
        }
        if raw_sum != entry.raw_size || stored_sum != entry.stored_size {
            return Err(corrupt(
                id,
                None,
                format!(
                    "sizes do not add up: entry records raw {} stored {}, chunks sum to raw {raw_sum} \
                     stored {stored_sum}",
                    entry.raw_size, entry.stored_size
                ),
            ));
        }
        if entry.raw_size > limits.max_entry_raw_len {
            return Err(limit(
                entry.id,
                None,
                "raw entry size",
                entry.raw_size,
                limits.max_entry_raw_len,
            ));
        }
        if let (Some(first), Some(end)) = (chunks.get(entry.first_chunk as usize), next_offset) {
            spans.push((first.offset, end, entry.id));
        }
        entries.push(entry);
    }
    if chunks.len() != header.chunk_count as usize {
        return Err(corrupt(
            None,
            None,
            format!(
                "entries own {} chunks but the chunk table has {}",
                chunks.len(),
                header.chunk_count
            ),
        ));
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        if let [(_, end, a), (start, _, b)] = pair
            && end > start
        {
            return Err(corrupt(
                Some(*b),
                None,
                format!("stored bytes overlap those of entry {a}"),
            ));
        }
    }
    Ok(Toc { entries, chunks })
}
