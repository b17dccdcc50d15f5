//! The cooked prefab: a compact binary form with interned strings, written
//! in one pass while the RON text is read.
//!
//! ```text
//! magic    "AMPF" (4 bytes)
//! version  u8 = 2
//! strings  varint count, then per string: varint length, UTF-8 bytes
//! name     varint string index
//! entities varint count, then entities
//! entity   fields in any order, each at most once, then 0:
//!          1 name (string index) · 2 nested prefab (path string index)
//!          · 3 components (count, then per component: name index, value)
//!          · 4 children (count, then entities)
//! value    tag u8, then: 0 unit · 1 false · 2 true · 3 integer (zigzag varint)
//!          · 4 float (f64 LE) · 5 string (index) · 6 asset (path index)
//!          · 7 list (count, values) · 8 tuple (name index + 1 or 0, count,
//!          values) · 9 struct (name index + 1 or 0, count, (field index,
//!          value)…) · 10 map (count, (key, value)…) · 11 None · 12 Some
//!          (value) · 13 identifier (index)
//! ```
//!
//! Varints are LEB128 (at most 10 bytes). Every count is checked against
//! the bytes left before anything is allocated, and nesting is limited to
//! [`MAX_DEPTH`].

use std::collections::BTreeMap;

use amsp_core::AssetPath;

use super::bytes::{ByteReader, Fault};
use super::text::MAX_DEPTH;
use super::value::{EntityData, PrefabData, Value};
use super::writer::{Writer, field, tag};

/// The magic bytes of a cooked prefab.
pub const PREFAB_MAGIC: [u8; 4] = *b"AMPF";
/// The version of the cooked prefab form.
pub const PREFAB_FORMAT_VERSION: u8 = 2;

/// Why cooked prefab bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cooked prefab, byte {offset}: {message}")]
pub struct PrefabDecodeError {
    /// Where decoding stopped.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// Encodes a prefab into its cooked form.
#[must_use]
pub fn encode_prefab(prefab: &PrefabData) -> Vec<u8> {
    fn entity<'a>(w: &mut Writer<'a>, e: &'a EntityData) {
        w.byte(field::NAME);
        let name = w.strings.intern(&e.name);
        w.varint(u64::from(name));
        if let Some(p) = &e.prefab {
            w.byte(field::PREFAB);
            let i = w.strings.intern(p.as_str());
            w.varint(u64::from(i));
        }
        w.byte(field::COMPONENTS);
        w.varint(e.components.len() as u64);
        for (name, value) in &e.components {
            let i = w.strings.intern(name);
            w.varint(u64::from(i));
            w.value(value);
        }
        w.byte(field::CHILDREN);
        w.varint(e.children.len() as u64);
        e.children.iter().for_each(|c| entity(w, c));
        w.byte(field::END);
    }
    let mut w = Writer::default();
    let name = w.strings.intern(&prefab.name);
    w.varint(prefab.entities.len() as u64);
    prefab.entities.iter().for_each(|e| entity(&mut w, e));
    w.finish(name)
}

/// Decodes one value of the cooked form whose strings are `strings`.
pub(super) fn decode_value(bytes: &[u8], strings: Vec<&str>) -> Result<Value, PrefabDecodeError> {
    let mut d = Decoder { r: ByteReader::new(bytes), strings, depth: 0 };
    let v = d.value()?;
    if !d.r.at_end() {
        return Err(d.err("trailing bytes"));
    }
    Ok(v)
}

/// Decodes a cooked prefab.
///
/// # Errors
/// [`PrefabDecodeError`] for bytes that are not a complete, valid cooked
/// prefab (wrong magic or version, truncation, bad indices, too deep).
pub fn decode_prefab(bytes: &[u8]) -> Result<PrefabData, PrefabDecodeError> {
    let mut d = Decoder { r: ByteReader::new(bytes), strings: Vec::new(), depth: 0 };
    d.r.magic(&PREFAB_MAGIC, "prefab")?;
    let version = d.r.byte()?;
    if version != PREFAB_FORMAT_VERSION {
        return Err(d.err(format!("unsupported version {version}")));
    }
    let count = d.r.count(1)?;
    d.strings.reserve(count);
    for _ in 0..count {
        let s = d.r.str()?;
        d.strings.push(s);
    }
    let name = d.string()?.to_owned();
    let n = d.r.count(1)?;
    let mut entities = Vec::with_capacity(n);
    for _ in 0..n {
        entities.push(d.entity()?);
    }
    if !d.r.at_end() {
        return Err(d.err("trailing bytes"));
    }
    Ok(PrefabData { name, entities })
}

impl From<Fault> for PrefabDecodeError {
    fn from(fault: Fault) -> Self {
        PrefabDecodeError { offset: fault.offset, message: fault.message }
    }
}

struct Decoder<'a> {
    r: ByteReader<'a>,
    strings: Vec<&'a str>,
    depth: u32,
}

impl<'a> Decoder<'a> {
    fn err(&self, message: impl Into<String>) -> PrefabDecodeError {
        self.r.fault(message).into()
    }

    fn string(&mut self) -> Result<&'a str, PrefabDecodeError> {
        let i = self.r.varint()?;
        usize::try_from(i)
            .ok()
            .and_then(|i| self.strings.get(i).copied())
            .ok_or_else(|| self.err(format!("string index {i} out of range")))
    }

    fn opt_string(&mut self) -> Result<Option<&'a str>, PrefabDecodeError> {
        let i = self.r.varint()?;
        if i == 0 {
            return Ok(None);
        }
        usize::try_from(i - 1)
            .ok()
            .and_then(|i| self.strings.get(i).copied())
            .map(Some)
            .ok_or_else(|| self.err(format!("string index {} out of range", i - 1)))
    }

    fn path(&self, s: &str) -> Result<AssetPath, PrefabDecodeError> {
        AssetPath::new(s).map_err(|e| self.err(format!("invalid asset path {s:?}: {e}")))
    }

    fn enter(&mut self) -> Result<(), PrefabDecodeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("nested too deep"));
        }
        Ok(())
    }

    fn entity(&mut self) -> Result<EntityData, PrefabDecodeError> {
        self.enter()?;
        let mut e = EntityData::default();
        let mut seen = 0u8;
        loop {
            let f = self.r.byte()?;
            if f == field::END {
                break;
            }
            if f > field::CHILDREN {
                return Err(self.err(format!("unknown entity field {f}")));
            }
            if seen & (1 << f) != 0 {
                return Err(self.err(format!("entity field {f} appears twice")));
            }
            seen |= 1 << f;
            match f {
                field::NAME => e.name = self.string()?.to_owned(),
                field::PREFAB => {
                    let p = self.string()?;
                    e.prefab = Some(self.path(p)?);
                }
                field::COMPONENTS => {
                    let n = self.r.count(2)?;
                    let mut components = BTreeMap::new();
                    for _ in 0..n {
                        let k = self.string()?;
                        let v = self.value()?;
                        if components.insert(k.to_owned(), v).is_some() {
                            return Err(self.err(format!("component '{k}' appears twice")));
                        }
                    }
                    e.components = components;
                }
                _ => {
                    let n = self.r.count(1)?;
                    let mut children = Vec::with_capacity(n);
                    for _ in 0..n {
                        children.push(self.entity()?);
                    }
                    e.children = children;
                }
            }
        }
        self.depth -= 1;
        Ok(e)
    }

    fn values(&mut self, n: usize) -> Result<Vec<Value>, PrefabDecodeError> {
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(self.value()?);
        }
        Ok(items)
    }

    fn value(&mut self) -> Result<Value, PrefabDecodeError> {
        self.enter()?;
        let v = match self.r.byte()? {
            tag::UNIT => Value::Unit,
            tag::FALSE => Value::Bool(false),
            tag::TRUE => Value::Bool(true),
            tag::INT => {
                let z = self.r.varint()?;
                Value::Int(((z >> 1) as i64) ^ -((z & 1) as i64))
            }
            tag::FLOAT => Value::Float(f64::from_le_bytes(self.r.array()?)),
            tag::STRING => Value::String(self.string()?.to_owned()),
            tag::ASSET => {
                let s = self.string()?;
                Value::Asset(self.path(s)?)
            }
            tag::LIST => {
                let n = self.r.count(1)?;
                Value::List(self.values(n)?)
            }
            tag::TUPLE => {
                let name = self.opt_string()?.map(str::to_owned);
                let n = self.r.count(1)?;
                Value::Tuple { name, items: self.values(n)? }
            }
            tag::STRUCT => {
                let name = self.opt_string()?.map(str::to_owned);
                let n = self.r.count(2)?;
                let mut fields = Vec::with_capacity(n);
                for _ in 0..n {
                    let k = self.string()?.to_owned();
                    fields.push((k, self.value()?));
                }
                Value::Struct { name, fields }
            }
            tag::MAP => {
                let n = self.r.count(2)?;
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    let k = self.value()?;
                    entries.push((k, self.value()?));
                }
                Value::Map(entries)
            }
            tag::NONE => Value::Option(None),
            tag::SOME => Value::Option(Some(Box::new(self.value()?))),
            tag::IDENT => Value::Ident(self.string()?.to_owned()),
            t => return Err(self.err(format!("unknown value tag {t}"))),
        };
        self.depth -= 1;
        Ok(v)
    }
}
