//! How a cooked texture is split into pack chunks.
//!
//! A cooked texture is one KTX2 file. KTX2 stores mip levels smallest first
//! after the header, so the file is cut at level boundaries: chunk 0 holds
//! the header, index, data format descriptor and key/value data; chunk 1 the
//! smallest mip; the last chunk mip level 0 (the largest). Each chunk keeps
//! the padding that follows it. The chunks concatenated in order are the
//! KTX2 file byte for byte, and a client that reads chunk 0 and the first
//! few chunks has the mip tail without touching the large levels.

use std::ops::Range;

/// The cooked type name of textures.
pub const TEXTURE_TYPE: &str = "texture";

/// Cuts a KTX2 file whose level byte ranges (level 0 first) are
/// `level_ranges` into chunks: the header chunk, then one per level,
/// smallest level first.
#[must_use]
pub fn split_into_chunks(file: &[u8], level_ranges: &[Range<usize>]) -> Vec<Vec<u8>> {
    let mut starts: Vec<usize> = level_ranges.iter().map(|r| r.start.min(file.len())).collect();
    starts.sort_unstable();
    let mut chunks = Vec::with_capacity(starts.len() + 1);
    let mut from = 0;
    for &start in &starts {
        chunks.push(file[from..start].to_vec());
        from = start;
    }
    chunks.push(file[from..].to_vec());
    chunks
}

/// The pack chunk holding mip level `level` of a texture with `levels`
/// levels, as laid out by [`split_into_chunks`].
#[must_use]
pub fn chunk_of_level(level: u32, levels: u32) -> u32 {
    1 + levels.saturating_sub(1).saturating_sub(level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_concatenate_to_the_file_and_hold_one_level_each() {
        // Header 0..10, level 2 at 10..12, level 1 at 12..16 (+ padding to 20),
        // level 0 at 20..36.
        let file: Vec<u8> = (0..36).collect();
        let ranges = [20..36, 12..16, 10..12];
        let chunks = split_into_chunks(&file, &ranges);
        assert_eq!(chunks.len(), 4);
        assert_eq!(chunks.concat(), file);
        assert_eq!(chunks[0], (0..10).collect::<Vec<u8>>());
        assert_eq!(chunks[chunk_of_level(2, 3) as usize], vec![10, 11]);
        assert_eq!(&chunks[chunk_of_level(1, 3) as usize][..4], &[12, 13, 14, 15]);
        assert_eq!(chunks[chunk_of_level(0, 3) as usize], (20..36).collect::<Vec<u8>>());
    }
}
