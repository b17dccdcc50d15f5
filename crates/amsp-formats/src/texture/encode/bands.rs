//! Encoding a large level in bands of block rows on several threads.
//!
//! BCn blocks are encoded independently of each other, so a level split
//! into horizontal bands (whole rows of blocks) and encoded band by band
//! gives exactly the bytes of one pass: each band's blocks land in their
//! own contiguous part of the output.

/// Levels with fewer texels than this are encoded on one thread: below it,
/// starting threads costs more than it saves.
const PARALLEL_MIN_TEXELS: usize = 64 * 1024;

/// How many threads share a `width`×`height` level.
pub(super) fn threads_for(width: u32, height: u32) -> usize {
    let texels = width as usize * height as usize;
    if texels < PARALLEL_MIN_TEXELS {
        return 1;
    }
    let block_rows = height.div_ceil(4) as usize;
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(block_rows).min(16)
}

/// Encodes a surface of `height` texel rows (a multiple of 4) of
/// `row_bytes` bytes each into `out`, `block_row_bytes` per row of blocks,
/// in bands of block rows on `threads` threads: `encode(data, rows, out)`
/// encodes the `rows` texel rows of `data` into `out`.
pub(super) fn encode_bands(
    data: &[u8],
    row_bytes: usize,
    height: u32,
    out: &mut [u8],
    block_row_bytes: usize,
    threads: usize,
    encode: impl Fn(&[u8], u32, &mut [u8]) + Sync,
) {
    let block_rows = height.div_ceil(4) as usize;
    if threads <= 1 || block_rows <= 1 {
        encode(data, height, out);
        return;
    }
    let band = block_rows.div_ceil(threads);
    let encode = &encode;
    std::thread::scope(|scope| {
        let inputs = data.chunks(band * 4 * row_bytes);
        for (input, output) in inputs.zip(out.chunks_mut(band * block_row_bytes)) {
            let rows = u32::try_from(input.len() / row_bytes).unwrap_or(u32::MAX);
            scope.spawn(move || encode(input, rows, output));
        }
    });
}
