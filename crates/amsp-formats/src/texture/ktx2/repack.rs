//! Rewriting an existing KTX2 file into AMSP's layout without touching its
//! texels.
//!
//! [`repack`] keeps everything that describes the texture — `vkFormat`,
//! `typeSize`, dimensions, layers, faces, `levelCount`, the data format
//! descriptor, the key/value data and (for BasisLZ) the supercompression
//! global data — byte for byte, and rewrites only where things lie:
//!
//! ```text
//! header (80) | level index (24 × levels) | DFD | key/value data
//! | padding to 8 | supercompression global data (BasisLZ only)
//! | level n-1 (smallest) | … | level 0 (largest)
//! ```
//!
//! which is the layout [`layout`](crate::texture::layout) cuts into one pack
//! chunk per level. Level data that has no supercompression gets zstd (one
//! frame per level, so each level stays independently readable); zstd and
//! BasisLZ level data is copied as stored, never recompressed.

use super::header::{HEADER_LEN, Ktx2Header, LEVEL_INDEX_ENTRY_LEN, LevelIndexEntry};
use super::{Ktx2Error, Ktx2File, Ktx2Texture, Supercompression, TextureLimits};

/// Rewrites the KTX2 file `bytes` into AMSP's layout (see the module docs):
/// levels smallest first after the header sections, supercompressed with
/// zstd at `zstd_level` where the source had no supercompression.
///
/// The source is validated with [`Ktx2Texture::parse`] against `limits`
/// first; the output parses again and each of its levels, with
/// supercompression undone, equals the source's.
///
/// # Errors
///
/// Any [`Ktx2Error`] from parsing the source;
/// [`Ktx2Error::UnsupportedSupercompression`] for zlib level data;
/// [`Ktx2Error::InvalidWrite`] if zstd compression fails or a section
/// offset does not fit its header field.
pub fn repack(
    bytes: &[u8],
    limits: &TextureLimits,
    zstd_level: i32,
) -> Result<Ktx2File, Ktx2Error> {
    let texture = Ktx2Texture::parse(bytes, limits)?;
    let source = *texture.header();
    let level_count = texture.levels() as usize;
    // (stored bytes, uncompressedByteLength) per level, level 0 first.
    let mut stored: Vec<(std::borrow::Cow<'_, [u8]>, u64)> = Vec::with_capacity(level_count);
    let scheme = match texture.supercompression() {
        Supercompression::None => {
            for level in 0..texture.levels() {
                let raw = texture.raw_level(level)?;
                let compressed = zstd::bulk::compress(raw, zstd_level).map_err(|e| {
                    Ktx2Error::InvalidWrite(format!(
                        "zstd compression of level {level} failed: {e}"
                    ))
                })?;
                stored.push((compressed.into(), raw.len() as u64));
            }
            Supercompression::Zstd
        }
        kept @ (Supercompression::Zstd | Supercompression::BasisLz) => {
            for (level, entry) in texture.level_index().iter().enumerate() {
                let raw = texture.raw_level(level as u32)?;
                stored.push((raw.into(), entry.uncompressed_byte_length));
            }
            kept
        }
        _ => {
            return Err(Ktx2Error::UnsupportedSupercompression {
                scheme: source.supercompression_scheme,
                name: "zlib",
            });
        }
    };

    write_layout(bytes, &texture, &stored, scheme)
}

/// Rewrites the KTX2 file `bytes` into AMSP's layout (see the module docs)
/// with its levels stored without supercompression: zstd is undone, and
/// each level starts at a multiple of `lcm(texel block bytes, 4)` as the
/// specification asks of unsupercompressed data. For textures whose levels
/// compress too little for the decode time to pay off.
///
/// # Errors
///
/// Any [`Ktx2Error`] from parsing the source or undoing its zstd;
/// [`Ktx2Error::UnsupportedSupercompression`] for BasisLZ data (which has
/// no unsupercompressed form) and zlib.
pub fn repack_uncompressed(bytes: &[u8], limits: &TextureLimits) -> Result<Ktx2File, Ktx2Error> {
    let texture = Ktx2Texture::parse(bytes, limits)?;
    match texture.supercompression() {
        Supercompression::None | Supercompression::Zstd => {}
        other => {
            return Err(Ktx2Error::UnsupportedSupercompression {
                scheme: other.raw(),
                name: if other == Supercompression::BasisLz { "BasisLZ" } else { "zlib" },
            });
        }
    }
    let mut stored = Vec::with_capacity(texture.levels() as usize);
    for level in 0..texture.levels() {
        let data = texture.level(level)?;
        let len = data.len() as u64;
        stored.push((data, len));
    }
    write_layout(bytes, &texture, &stored, Supercompression::None)
}

/// Writes the sections of `texture` (parsed from `bytes`) and the level data
/// `stored` (level 0 first, with each level's `uncompressedByteLength`) in
/// AMSP's layout, under supercompression `scheme`.
fn write_layout(
    bytes: &[u8],
    texture: &Ktx2Texture<'_>,
    stored: &[(std::borrow::Cow<'_, [u8]>, u64)],
    scheme: Supercompression,
) -> Result<Ktx2File, Ktx2Error> {
    let source = *texture.header();
    let level_count = stored.len();
    // The parser checked that these regions lie inside the file.
    let section = |offset: u64, length: u64| -> &[u8] {
        if length == 0 { &[] } else { &bytes[offset as usize..(offset + length) as usize] }
    };
    let dfd = section(source.dfd_byte_offset.into(), source.dfd_byte_length.into());
    let kvd = section(source.kvd_byte_offset.into(), source.kvd_byte_length.into());
    let sgd = texture.supercompression_global_data();

    let dfd_offset = HEADER_LEN + LEVEL_INDEX_ENTRY_LEN * level_count;
    let kvd_offset = dfd_offset + dfd.len();
    let mut out = Vec::with_capacity(
        kvd_offset + kvd.len() + 8 + sgd.len() + stored.iter().map(|s| s.0.len()).sum::<usize>(),
    );
    out.resize(dfd_offset, 0);
    out.extend_from_slice(dfd);
    out.extend_from_slice(kvd);
    let sgd_offset = if sgd.is_empty() {
        0
    } else {
        out.resize(out.len().next_multiple_of(8), 0);
        let at = out.len();
        out.extend_from_slice(sgd);
        at
    };
    // Supercompressed levels need no alignment; others start at a multiple
    // of lcm(texel block bytes, 4).
    let align = if scheme == Supercompression::None {
        let block = texture
            .format()
            .map(|f| f.block_bytes())
            .filter(|&b| b > 0)
            .unwrap_or(u32::from(texture.dfd().bytes_planes[0]))
            .max(1) as usize;
        lcm(block, 4)
    } else {
        1
    };
    let mut ranges = vec![0..0; level_count];
    for level in (0..level_count).rev() {
        out.resize(out.len().next_multiple_of(align), 0);
        let data = &stored[level].0;
        ranges[level] = out.len()..out.len() + data.len();
        out.extend_from_slice(data);
    }

    let too_big =
        |what: &str| Ktx2Error::InvalidWrite(format!("the {what} offset does not fit in 32 bits"));
    let header = Ktx2Header {
        supercompression_scheme: scheme.raw(),
        dfd_byte_offset: u32::try_from(dfd_offset).map_err(|_| too_big("DFD"))?,
        kvd_byte_offset: if kvd.is_empty() {
            0
        } else {
            u32::try_from(kvd_offset).map_err(|_| too_big("key/value data"))?
        },
        sgd_byte_offset: sgd_offset as u64,
        ..source
    };
    out[..HEADER_LEN].copy_from_slice(&header.to_bytes());
    for (level, range) in ranges.iter().enumerate() {
        let entry = LevelIndexEntry {
            byte_offset: range.start as u64,
            byte_length: range.len() as u64,
            uncompressed_byte_length: stored[level].1,
        };
        let at = HEADER_LEN + LEVEL_INDEX_ENTRY_LEN * level;
        out[at..at + LEVEL_INDEX_ENTRY_LEN].copy_from_slice(&entry.to_bytes());
    }
    Ok(Ktx2File::from_parts(out, ranges))
}

fn lcm(a: usize, b: usize) -> usize {
    fn gcd(a: usize, b: usize) -> usize {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    a / gcd(a, b) * b
}
