//! The meshopt vertex and index codecs for byte buffers of any stride that
//! is a multiple of 4 (up to 256 bytes), as the cooked layout and
//! `EXT_meshopt_compression` use them.

/// One vertex of `N` 32-bit words, for strides past 128 bytes (arrays
/// implement `Default` only up to 32 elements).
#[derive(Clone, Copy)]
#[repr(transparent)]
struct Words<const N: usize>([u32; N]);

impl<const N: usize> Default for Words<N> {
    fn default() -> Self {
        Self([0; N])
    }
}

// The codec treats a vertex as raw bytes: vertices are moved between byte
// buffers and word arrays by reinterpreting them (bytemuck), so the bytes
// round-trip exactly whatever the host's endianness.

fn encode_n<const N: usize>(bytes: &[u8]) -> Result<Vec<u8>, String>
where
    [u32; N]: Default,
{
    let words: Vec<[u32; N]> = bytemuck::pod_collect_to_vec(bytes);
    meshopt::encode_vertex_buffer(&words).map_err(|e| e.to_string())
}

fn decode_n<const N: usize>(encoded: &[u8], count: usize) -> Result<Vec<u8>, String>
where
    [u32; N]: Default,
{
    let words =
        meshopt::decode_vertex_buffer::<[u32; N]>(encoded, count).map_err(|e| e.to_string())?;
    Ok(bytemuck::cast_slice::<[u32; N], u8>(&words).to_vec())
}

fn encode_wide<const N: usize>(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let words: Vec<Words<N>> =
        bytemuck::pod_collect_to_vec::<u8, [u32; N]>(bytes).into_iter().map(Words).collect();
    meshopt::encode_vertex_buffer(&words).map_err(|e| e.to_string())
}

fn decode_wide<const N: usize>(encoded: &[u8], count: usize) -> Result<Vec<u8>, String> {
    let words =
        meshopt::decode_vertex_buffer::<Words<N>>(encoded, count).map_err(|e| e.to_string())?;
    let arrays: Vec<[u32; N]> = words.into_iter().map(|w| w.0).collect();
    Ok(bytemuck::cast_slice::<[u32; N], u8>(&arrays).to_vec())
}

macro_rules! by_words {
    ($words:expr, $narrow:ident, $wide:ident $args:tt) => {
        by_words!(@ $words, $narrow, $wide, $args,
            [1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32]
            [33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60
             61 62 63 64])
    };
    (@ $words:expr, $narrow:ident, $wide:ident, $args:tt, [$($n:literal)*] [$($w:literal)*]) => {
        match $words {
            $($n => $narrow::<$n> $args,)*
            $($w => $wide::<$w> $args,)*
            other => Err(format!("vertex stride of {} bytes is not supported", other * 4)),
        }
    };
}

/// Checks that `stride` is a multiple of 4 between 4 and 256.
fn words(stride: usize) -> Result<usize, String> {
    if stride == 0 || !stride.is_multiple_of(4) || stride > 256 {
        return Err(format!("vertex stride of {stride} bytes is not a multiple of 4 up to 256"));
    }
    Ok(stride / 4)
}

/// Encodes `vertices` (whole vertices of `stride` bytes) with the meshopt
/// vertex codec.
///
/// # Errors
/// A message when the stride is unsupported or `vertices` is not a whole
/// number of vertices.
pub fn encode_vertices(vertices: &[u8], stride: usize) -> Result<Vec<u8>, String> {
    let n = words(stride)?;
    if !vertices.len().is_multiple_of(stride) {
        return Err(format!("{} bytes is not a whole number of vertices", vertices.len()));
    }
    by_words!(n, encode_n, encode_wide(vertices))
}

/// Decodes `count` vertices of `stride` bytes. The caller checks `count`
/// against its limits first: the output is allocated up front.
///
/// # Errors
/// A message when the stride is unsupported or the data is malformed.
pub fn decode_vertices(encoded: &[u8], count: usize, stride: usize) -> Result<Vec<u8>, String> {
    let n = words(stride)?;
    if meshopt::decode_vertex_version(encoded).is_none() {
        return Err("not a meshopt vertex buffer".into());
    }
    by_words!(n, decode_n, decode_wide(encoded, count))
}

/// Decodes `count` triangle-list indices encoded with the meshopt index
/// codec, checking each against `vertex_count`.
///
/// # Errors
/// A message when the data is malformed or an index is out of range.
pub fn decode_indices(
    encoded: &[u8],
    count: usize,
    vertex_count: usize,
) -> Result<Vec<u32>, String> {
    if !count.is_multiple_of(3) {
        return Err(format!("{count} indices is not a triangle list"));
    }
    if meshopt::decode_index_version(encoded).is_none() {
        return Err("not a meshopt index buffer".into());
    }
    let indices = meshopt::decode_index_buffer::<u32>(encoded, count).map_err(|e| e.to_string())?;
    if let Some(bad) = indices.iter().find(|&&i| i as usize >= vertex_count) {
        return Err(format!("index {bad} out of range of {vertex_count} vertices"));
    }
    Ok(indices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vertices_round_trip_at_every_supported_stride() {
        for stride in [4usize, 12, 32, 64, 128, 132, 256] {
            let bytes: Vec<u8> = (0..stride * 10).map(|i| (i * 7 % 251) as u8).collect();
            let enc = encode_vertices(&bytes, stride).unwrap();
            assert_eq!(decode_vertices(&enc, 10, stride).unwrap(), bytes);
        }
        assert!(encode_vertices(&[0; 6], 6).is_err());
        assert!(decode_vertices(&[0xa1, 0, 0], 3, 12).is_err());
    }
}
