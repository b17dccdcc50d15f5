//! Checks of the key/value metadata against the KTX2 specification's rules
//! for reserved `KTX…` keys. None of them affects where texel data is, so
//! they only produce [`Ktx2Warning`]s.

use super::header::{Ktx2Header, read_u32};
use super::validate::Ktx2Warning;

/// The keys the specification reserves and defines.
const KNOWN_KEYS: &[&str] = &[
    "KTXcubemapIncomplete",
    "KTXorientation",
    "KTXglFormat",
    "KTXdxgiFormat__",
    "KTXmetalPixelFormat",
    "KTXswizzle",
    "KTXwriter",
    "KTXwriterScParams",
    "KTXastcDecodeMode",
    "KTXanimData",
    "KTXmapRange",
];

/// The ASTC SFLOAT (HDR) formats: `ASTC_4x4_SFLOAT_BLOCK` … `ASTC_12x12_SFLOAT_BLOCK`
/// and the 3D `ASTC_3x3x3_SFLOAT_BLOCK_EXT` … `ASTC_6x6x6_SFLOAT_BLOCK_EXT`.
fn is_astc_hdr(raw: u32) -> bool {
    (1_000_066_000..=1_000_066_013).contains(&raw)
        || (1_000_288_000..1_000_288_030).contains(&raw) && (raw - 1_000_288_000) % 3 == 2
}

/// The text of a NUL-terminated UTF-8 value, or what is wrong with it.
fn text(value: &[u8]) -> Result<&str, String> {
    match value.split_last() {
        Some((0, body)) => {
            std::str::from_utf8(body).map_err(|e| format!("the value is not UTF-8 ({e})"))
        }
        _ => Err("the value is not NUL-terminated".into()),
    }
}

/// Adds a warning for every broken metadata rule.
///
/// `key_values` are the parsed entries (UTF-8 keys only); `kvd` is the raw
/// key/value section, read again for padding and for keys that are not UTF-8.
pub(super) fn warnings(
    h: &Ktx2Header,
    key_values: &[(&str, &[u8])],
    kvd: &[u8],
    out: &mut Vec<Ktx2Warning>,
) {
    let mut warn = |key: &str, detail: String| {
        out.push(Ktx2Warning::Metadata { key: key.to_owned(), detail });
    };
    raw_entry_warnings(kvd, &mut warn);
    for (i, (key, value)) in key_values.iter().enumerate() {
        if key_values[..i].iter().any(|(k, _)| k == key) {
            warn(key, "the key appears more than once".into());
        }
        let reserved = key.starts_with("KTX") || key.starts_with("ktx");
        if reserved && !KNOWN_KEYS.contains(key) {
            warn(
                key,
                "keys starting with KTX or ktx are reserved, and this one is not defined".into(),
            );
        }
        if let Some(detail) = value_problem(h, key, value) {
            warn(key, detail);
        }
    }
}

/// Padding after each entry must be zero.
fn raw_entry_warnings(kvd: &[u8], warn: &mut impl FnMut(&str, String)) {
    let mut at = 0usize;
    while kvd.len().saturating_sub(at) >= 4 {
        let len = read_u32(kvd, at) as usize;
        let end = at.saturating_add(4).saturating_add(len);
        if end > kvd.len() {
            return; // Parsing refuses this; nothing more to say.
        }
        let padded = end.next_multiple_of(4).min(kvd.len());
        if kvd[end..padded].iter().any(|&b| b != 0) {
            warn("", format!("padding bytes {end}..{padded} of the key/value data are not zero"));
        }
        at = padded;
    }
}

/// What is wrong with the value of a reserved key, if anything.
fn value_problem(h: &Ktx2Header, key: &str, value: &[u8]) -> Option<String> {
    match key {
        "KTXorientation" => {
            let dims = if h.pixel_depth > 0 {
                3
            } else if h.pixel_height > 0 {
                2
            } else {
                1
            };
            let t = match text(value) {
                Ok(t) => t,
                Err(e) => return Some(e),
            };
            let ok = t.len() == dims
                && t.bytes().zip([b"rl", b"du", b"oi"]).all(|(c, allowed)| allowed.contains(&c));
            (!ok).then(|| {
                format!("{t:?} is not one of r/l, d/u, o/i for each of the {dims} dimensions")
            })
        }
        "KTXswizzle" => {
            let t = match text(value) {
                Ok(t) => t,
                Err(e) => return Some(e),
            };
            if t.len() != 4 || !t.bytes().all(|c| b"rgba01".contains(&c)) {
                Some(format!("{t:?} is not four of r, g, b, a, 0, 1"))
            } else if (124..=130).contains(&h.vk_format) {
                Some(format!("a swizzle is not allowed on depth/stencil format {}", h.vk_format))
            } else {
                None
            }
        }
        "KTXcubemapIncomplete" => match value {
            [bits] if bits & 0xC0 != 0 => {
                Some(format!("{bits:08b} sets bits 6 or 7; only the six face bits may be set"))
            }
            [bits] if bits & 0x3F == 0 => Some("no face is marked present".into()),
            [_] if h.pixel_depth > 0 => Some(format!(
                "set on a texture with pixelDepth {}; cube faces are 2D",
                h.pixel_depth
            )),
            [_] => None,
            _ => Some(format!("the value is {} bytes, not 1", value.len())),
        },
        "KTXglFormat" if h.vk_format != 0 => {
            Some(format!("only allowed with vkFormat 0, but vkFormat is {}", h.vk_format))
        }
        "KTXdxgiFormat__" | "KTXmetalPixelFormat" if value.len() != 4 => {
            Some(format!("the value is {} bytes, not a 4-byte integer", value.len()))
        }
        "KTXwriter" | "KTXwriterScParams" => text(value).err(),
        "KTXanimData" if h.layer_count == 0 => {
            Some("animation data needs an array texture, but layerCount is 0".into())
        }
        "KTXastcDecodeMode" => match text(value) {
            Err(e) => Some(e),
            Ok("unorm8") if is_astc_hdr(h.vk_format) => Some(format!(
                "unorm8 decoding is for LDR ASTC, but vkFormat {} is HDR",
                h.vk_format
            )),
            Ok("unorm8" | "rgb9e5") => None,
            Ok(other) => Some(format!("{other:?} is neither unorm8 nor rgb9e5")),
        },
        _ => None,
    }
}
