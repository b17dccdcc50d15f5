//! Chunk compression and decompression.
//!
//! LZ4 chunks are LZ4 *block* format without a size prefix; zstd chunks are
//! single zstd frames. The decoded length is always known from the TOC, so
//! both decode into a buffer of exactly that length and anything else is an
//! error.

use std::cell::RefCell;
use std::io;

use amsp_core::Codec;

/// A chunk is stored compressed only if that saves at least 1/16 of its size:
/// it is kept when `compressed_len * 16 < raw_len * 15`.
pub(crate) fn compression_pays(raw_len: usize, compressed_len: usize) -> bool {
    (compressed_len as u128) * 16 < (raw_len as u128) * 15
}

/// Compresses chunks for the writer, reusing its buffers and zstd context.
pub(crate) struct Encoder {
    zstd_level: i32,
    zstd: Option<zstd::bulk::Compressor<'static>>,
    scratch: Vec<u8>,
}

impl Encoder {
    pub fn new(zstd_level: i32) -> Self {
        Self { zstd_level, zstd: None, scratch: Vec::new() }
    }

    /// Encodes `raw` with `codec`, or returns it as is (codec `None`) when
    /// compression does not pay. Returns the codec used and the stored bytes.
    ///
    /// # Errors
    /// Returns the compressor's error (zstd only; in practice out of memory).
    pub fn encode<'a>(&'a mut self, raw: &'a [u8], codec: Codec) -> io::Result<(Codec, &'a [u8])> {
        let compressed_len = match codec {
            Codec::None => return Ok((Codec::None, raw)),
            Codec::Lz4 => {
                self.scratch.clear();
                self.scratch.resize(lz4_flex::block::get_maximum_output_size(raw.len()), 0);
                lz4_flex::block::compress_into(raw, &mut self.scratch).map_err(io::Error::other)?
            }
            Codec::Zstd => {
                if self.zstd.is_none() {
                    self.zstd = Some(zstd::bulk::Compressor::new(self.zstd_level)?);
                }
                let Some(compressor) = self.zstd.as_mut() else {
                    return Err(io::Error::other("zstd compressor missing"));
                };
                self.scratch.clear();
                self.scratch.reserve(zstd::zstd_safe::compress_bound(raw.len()));
                compressor.compress_to_buffer(raw, &mut self.scratch)?
            }
        };
        if compression_pays(raw.len(), compressed_len) {
            Ok((codec, &self.scratch[..compressed_len]))
        } else {
            Ok((Codec::None, raw))
        }
    }
}

thread_local! {
    /// One encoder per thread, for entries prepared outside a writer.
    static THREAD_ENCODER: RefCell<Option<Encoder>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's encoder for `zstd_level`, creating it (or
/// replacing one of another level) first.
pub(crate) fn with_thread_encoder<R>(zstd_level: i32, f: impl FnOnce(&mut Encoder) -> R) -> R {
    THREAD_ENCODER.with_borrow_mut(|slot| {
        let encoder = match slot {
            Some(encoder) if encoder.zstd_level == zstd_level => encoder,
            _ => slot.insert(Encoder::new(zstd_level)),
        };
        f(encoder)
    })
}

thread_local! {
    /// One zstd decompression context per thread, created on first use.
    static ZSTD_DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { RefCell::new(None) };
}

/// Runs `f` with this thread's zstd decompression context.
fn with_zstd<R>(
    f: impl FnOnce(&mut zstd::bulk::Decompressor<'static>) -> Result<R, String>,
) -> Result<R, String> {
    ZSTD_DECOMPRESSOR.with_borrow_mut(|slot| {
        if slot.is_none() {
            *slot = Some(
                zstd::bulk::Decompressor::new()
                    .map_err(|e| format!("zstd context creation failed: {e}"))?,
            );
        }
        let Some(decompressor) = slot.as_mut() else {
            return Err("zstd context missing".to_owned());
        };
        f(decompressor)
    })
}

/// Decodes `stored` into the empty vector `out`, which ends up `raw_len`
/// bytes long. Zstd writes straight into the vector's spare capacity, so the
/// output is not zero-filled first; other codecs go through [`decode`].
///
/// # Errors
/// As [`decode`]; `out` is left empty.
pub(crate) fn decode_into_vec(
    codec: Codec,
    stored: &[u8],
    out: &mut Vec<u8>,
    raw_len: usize,
) -> Result<(), String> {
    debug_assert!(out.is_empty());
    let result = if codec == Codec::Zstd {
        out.reserve_exact(raw_len);
        with_zstd(|d| {
            d.decompress_to_buffer(stored, out).map_err(|e| format!("zstd decode failed: {e}"))
        })
        .and_then(|written| {
            if written == raw_len {
                Ok(())
            } else {
                Err(format!("decoded {written} bytes, expected {raw_len}"))
            }
        })
    } else {
        out.resize(raw_len, 0);
        decode(codec, stored, out)
    };
    if result.is_err() {
        out.clear();
    }
    result
}

/// Decodes `stored` into `out`, whose length is the chunk's raw length.
///
/// # Errors
/// Returns a description when the stored bytes are not a valid encoding or
/// decode to a different length than `out.len()`.
pub(crate) fn decode(codec: Codec, stored: &[u8], out: &mut [u8]) -> Result<(), String> {
    let written = match codec {
        Codec::None => {
            if stored.len() != out.len() {
                return Err(format!("raw chunk is {} bytes, expected {}", stored.len(), out.len()));
            }
            out.copy_from_slice(stored);
            stored.len()
        }
        Codec::Lz4 => lz4_flex::block::decompress_into(stored, out)
            .map_err(|e| format!("lz4 decode failed: {e}"))?,
        Codec::Zstd => with_zstd(|d| {
            d.decompress_to_buffer(stored, out).map_err(|e| format!("zstd decode failed: {e}"))
        })?,
    };
    if written != out.len() {
        return Err(format!("decoded {written} bytes, expected {}", out.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compressible(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i / 64) as u8).collect()
    }

    #[test]
    fn round_trips_every_codec() {
        let raw = compressible(10_000);
        let mut encoder = Encoder::new(3);
        for codec in Codec::ALL {
            let (used, stored) = encoder.encode(&raw, codec).unwrap();
            assert_eq!(used, codec);
            let stored = stored.to_vec();
            let mut out = vec![0; raw.len()];
            decode(used, &stored, &mut out).unwrap();
            assert_eq!(out, raw);
        }
    }

    #[test]
    fn stores_raw_when_compression_does_not_pay() {
        let mut encoder = Encoder::new(3);
        // A short input never shrinks by 1/16.
        for codec in Codec::ALL {
            assert_eq!(encoder.encode(b"abc", codec).unwrap(), (Codec::None, &b"abc"[..]));
            assert_eq!(encoder.encode(b"", codec).unwrap(), (Codec::None, &b""[..]));
        }
        assert!(compression_pays(16, 14));
        assert!(!compression_pays(16, 15));
        assert!(!compression_pays(0, 0));
    }

    #[test]
    fn wrong_lengths_and_garbage_are_errors() {
        let raw = compressible(4096);
        let mut encoder = Encoder::new(3);
        for codec in [Codec::Lz4, Codec::Zstd] {
            let stored = encoder.encode(&raw, codec).unwrap().1.to_vec();
            let mut short = vec![0; raw.len() - 1];
            assert!(decode(codec, &stored, &mut short).is_err(), "{codec} short");
            let mut long = vec![0; raw.len() + 1];
            assert!(decode(codec, &stored, &mut long).is_err(), "{codec} long");
            let mut out = vec![0; raw.len()];
            assert!(decode(codec, &[0xff; 32], &mut out).is_err(), "{codec} garbage");
        }
        assert!(decode(Codec::None, b"ab", &mut [0; 3]).is_err());
    }
}
