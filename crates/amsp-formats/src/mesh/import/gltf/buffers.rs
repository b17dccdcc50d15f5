//! glTF buffer data: the GLB binary chunk, data URIs and external files,
//! each checked against its declared length, and buffer views (decoding
//! `EXT_meshopt_compression` views with the meshopt codecs).

use gltf::json::Root;
use serde_json::Value;

use crate::mesh::codec;
use crate::mesh::data::MeshLimits;
use crate::mesh::error::MeshError;

/// Reads a file the glTF refers to by its URI (relative to the glTF file).
pub(crate) type ReadExternal<'a> = &'a dyn Fn(&str) -> Result<Vec<u8>, String>;

/// The parsed document and its buffers and views, resolved on demand.
pub(crate) struct Document<'a> {
    pub root: Root,
    bin: Option<&'a [u8]>,
    read_external: ReadExternal<'a>,
    pub limits: &'a MeshLimits,
    buffers: Vec<Option<Vec<u8>>>,
    views: Vec<Option<Vec<u8>>>,
    held: u64,
}

const GLB_MAGIC: &[u8; 4] = b"glTF";

impl<'a> Document<'a> {
    /// Parses a `.gltf` (JSON) or `.glb` file without touching its buffers.
    pub fn parse(
        bytes: &'a [u8],
        read_external: ReadExternal<'a>,
        limits: &'a MeshLimits,
    ) -> Result<Self, MeshError> {
        limits.check_bytes(bytes.len() as u64)?;
        let (json, bin) = if bytes.starts_with(GLB_MAGIC) {
            let glb = gltf::binary::Glb::from_slice(bytes)
                .map_err(|e| MeshError::gltf(format!("GLB container: {e}")))?;
            let bin = match glb.bin {
                Some(std::borrow::Cow::Borrowed(bin)) => Some(bin),
                Some(std::borrow::Cow::Owned(_)) => {
                    return Err(MeshError::gltf("GLB binary chunk is not borrowed"));
                }
                None => None,
            };
            let json: &'a [u8] = match glb.json {
                std::borrow::Cow::Borrowed(json) => json,
                std::borrow::Cow::Owned(_) => {
                    return Err(MeshError::gltf("GLB JSON chunk is not borrowed"));
                }
            };
            (json, bin)
        } else {
            (bytes, None)
        };
        let root = Root::from_slice(json).map_err(|e| MeshError::gltf(format!("JSON: {e}")))?;
        for ext in &root.extensions_required {
            if !SUPPORTED.contains(&ext.as_str()) {
                return Err(MeshError::Unsupported(format!("required glTF extension {ext}")));
            }
        }
        let (buffers, views) =
            (vec![None; root.buffers.len()], vec![None; root.buffer_views.len()]);
        Ok(Self { root, bin, read_external, limits, buffers, views, held: 0 })
    }

    fn hold(&mut self, bytes: u64) -> Result<(), MeshError> {
        self.held = self.held.saturating_add(bytes);
        self.limits.check_bytes(self.held).map(|_| ())
    }

    /// Loads buffer `index` if it is not loaded yet.
    fn load_buffer(&mut self, index: usize) -> Result<(), MeshError> {
        if self.buffers.get(index).is_some_and(Option::is_some) {
            return Ok(());
        }
        let buffer = self
            .root
            .buffers
            .get(index)
            .ok_or_else(|| MeshError::gltf(format!("buffer {index} does not exist")))?;
        let declared = buffer.byte_length.0;
        self.limits.check_bytes(declared)?;
        let data = match buffer.uri.as_deref() {
            None if index == 0 && self.bin.is_some() => self.bin.unwrap_or_default().to_vec(),
            None => {
                return Err(MeshError::gltf(format!(
                    "buffer {index} has no data (no uri, no GLB chunk)"
                )));
            }
            Some(uri) if uri.starts_with("data:") => decode_data_uri(uri)
                .ok_or_else(|| MeshError::gltf(format!("buffer {index}: malformed data URI")))?,
            Some(uri) => (self.read_external)(uri)
                .map_err(|message| MeshError::External { path: uri.to_owned(), message })?,
        };
        if (data.len() as u64) < declared {
            return Err(MeshError::gltf(format!(
                "buffer {index} holds {} bytes, fewer than its byteLength {declared}",
                data.len()
            )));
        }
        self.hold(data.len() as u64)?;
        self.buffers[index] = Some(data);
        Ok(())
    }

    /// The bytes of buffer view `index` (decoded if meshopt-compressed).
    pub fn view(&mut self, index: usize) -> Result<&[u8], MeshError> {
        if self.views.get(index).is_none() {
            return Err(MeshError::gltf(format!("buffer view {index} does not exist")));
        }
        if self.views[index].is_none() {
            let data = self.load_view(index)?;
            self.views[index] = Some(data);
        }
        Ok(self.views[index].as_deref().unwrap_or_default())
    }

    /// Reads a plain slice of a buffer, checked.
    fn slice(&mut self, buffer: usize, offset: u64, length: u64) -> Result<Vec<u8>, MeshError> {
        self.load_buffer(buffer)?;
        let data = self.buffers[buffer].as_deref().unwrap_or_default();
        let end = offset.checked_add(length).filter(|&end| end <= data.len() as u64).ok_or_else(
            || {
                MeshError::gltf(format!(
                    "bytes {offset}+{length} are outside buffer {buffer} ({} bytes)",
                    data.len()
                ))
            },
        )?;
        Ok(data[offset as usize..end as usize].to_vec())
    }

    fn load_view(&mut self, index: usize) -> Result<Vec<u8>, MeshError> {
        let view = &self.root.buffer_views[index];
        let (buffer, offset, length) =
            (view.buffer.value(), view.byte_offset.map_or(0, |o| o.0), view.byte_length.0);
        let meshopt =
            view.extensions.as_ref().and_then(|e| e.others.get("EXT_meshopt_compression")).cloned();
        match meshopt {
            None => {
                self.hold(length)?;
                self.slice(buffer, offset, length)
            }
            Some(ext) => {
                let out = self
                    .decode_meshopt(&ext, length)
                    .map_err(|e| MeshError::Meshopt(format!("buffer view {index}: {e}")))?;
                self.hold(out.len() as u64)?;
                Ok(out)
            }
        }
    }

    fn decode_meshopt(&mut self, ext: &Value, view_length: u64) -> Result<Vec<u8>, MeshError> {
        let field = |name: &str| ext.get(name).and_then(Value::as_u64);
        let need = |name: &str| field(name).ok_or_else(|| MeshError::Meshopt(format!("no {name}")));
        let (buffer, length) = (need("buffer")? as usize, need("byteLength")?);
        let (count, stride) = (need("count")?, need("byteStride")?);
        let offset = field("byteOffset").unwrap_or(0);
        self.limits.check_bytes(view_length)?;
        let total = count.checked_mul(stride).ok_or(MeshError::Meshopt("size overflows".into()))?;
        if total > view_length {
            return Err(MeshError::Meshopt(format!(
                "{count} × {stride} bytes do not fit the view's {view_length}"
            )));
        }
        let count_usize = self.limits.check_bytes(total).map(|_| count as usize)?;
        self.hold(total)?;
        let source = self.slice(buffer, offset, length)?;
        let mode = ext.get("mode").and_then(Value::as_str).unwrap_or("");
        let filter = ext.get("filter").and_then(Value::as_str).unwrap_or("NONE");
        let mut out = match (mode, stride) {
            ("ATTRIBUTES", _) => codec::decode_vertices(&source, count_usize, stride as usize),
            ("TRIANGLES", 2) => meshopt::decode_index_buffer::<u16>(&source, count_usize)
                .map(|v| v.iter().flat_map(|i| i.to_le_bytes()).collect())
                .map_err(|e| e.to_string()),
            ("TRIANGLES", 4) => meshopt::decode_index_buffer::<u32>(&source, count_usize)
                .map(|v| v.iter().flat_map(|i| i.to_le_bytes()).collect())
                .map_err(|e| e.to_string()),
            ("INDICES", 2) => meshopt::decode_index_sequence::<u16>(&source, count_usize)
                .map(|v| v.iter().flat_map(|i| i.to_le_bytes()).collect())
                .map_err(|e| e.to_string()),
            ("INDICES", 4) => meshopt::decode_index_sequence::<u32>(&source, count_usize)
                .map(|v| v.iter().flat_map(|i| i.to_le_bytes()).collect())
                .map_err(|e| e.to_string()),
            _ => Err(format!("mode {mode:?} with stride {stride}")),
        }
        .map_err(MeshError::Meshopt)?;
        apply_filter(&mut out, filter, stride as usize)?;
        out.resize(view_length as usize, 0);
        Ok(out)
    }
}

/// The extensions a file may require.
const SUPPORTED: &[&str] = &[
    "KHR_draco_mesh_compression",
    "EXT_meshopt_compression",
    "KHR_mesh_quantization",
    "KHR_materials_unlit",
    "KHR_texture_transform",
];

fn apply_filter(data: &mut [u8], filter: &str, stride: usize) -> Result<(), MeshError> {
    macro_rules! via {
        ($t:ty, $n:expr, $size:expr, $decode:expr) => {{
            let mut items: Vec<[$t; $n]> = data
                .chunks_exact($n * $size)
                .map(|v| {
                    std::array::from_fn(|k| {
                        <$t>::from_le_bytes(
                            v[k * $size..(k + 1) * $size].try_into().unwrap_or_default(),
                        )
                    })
                })
                .collect();
            $decode(&mut items);
            for (dst, src) in data.chunks_exact_mut($n * $size).zip(&items) {
                for (k, c) in src.iter().enumerate() {
                    dst[k * $size..(k + 1) * $size].copy_from_slice(&c.to_le_bytes());
                }
            }
            Ok(())
        }};
    }
    match (filter, stride) {
        ("NONE", _) => Ok(()),
        ("OCTAHEDRAL", 4) => via!(i8, 4, 1, meshopt::decode_filter_oct::<i8>),
        ("OCTAHEDRAL", 8) => via!(i16, 4, 2, meshopt::decode_filter_oct::<i16>),
        ("QUATERNION", 8) => via!(i16, 4, 2, meshopt::decode_filter_quat),
        ("EXPONENTIAL", 4) => via!(u32, 1, 4, meshopt::decode_filter_exp::<1>),
        ("EXPONENTIAL", 8) => via!(u32, 2, 4, meshopt::decode_filter_exp::<2>),
        ("EXPONENTIAL", 12) => via!(u32, 3, 4, meshopt::decode_filter_exp::<3>),
        ("EXPONENTIAL", 16) => via!(u32, 4, 4, meshopt::decode_filter_exp::<4>),
        _ => Err(MeshError::Meshopt(format!("filter {filter} with stride {stride}"))),
    }
}

/// Decodes a `data:…;base64,…` URI.
pub(crate) fn decode_data_uri(uri: &str) -> Option<Vec<u8>> {
    let (header, data) = uri.split_once(',')?;
    if !header.ends_with(";base64") {
        return None;
    }
    decode_base64(data.as_bytes())
}

/// Standard base64 with optional padding.
fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    };
    let text = text.strip_suffix(b"==").or_else(|| text.strip_suffix(b"=")).unwrap_or(text);
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text {
        acc = acc << 6 | u32::from(value(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(decode_base64(b"aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64(b"aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64(b"AAEC").unwrap(), [0, 1, 2]);
        assert!(decode_base64(b"a*b").is_none());
        assert_eq!(
            decode_data_uri("data:application/octet-stream;base64,AAEC").unwrap(),
            [0, 1, 2]
        );
    }
}
