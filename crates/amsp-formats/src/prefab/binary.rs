//! The cooked prefab: a compact binary form with interned strings.
//!
//! ```text
//! magic    "AMPF" (4 bytes)
//! version  u8 = 1
//! strings  varint count, then per string: varint length, UTF-8 bytes
//! name     varint string index
//! entities varint count, then entities
//! entity   varint name index, varint component count,
//!          per component (varint name index, value),
//!          varint nested prefab (0 = none, else path string index + 1),
//!          varint child count, then child entities
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

use foldhash::HashMap;

use amsp_core::AssetPath;

use super::bytes::{ByteReader, Fault, write_varint};
use super::text::MAX_DEPTH;
use super::value::{EntityData, PrefabData, Value};

/// The magic bytes of a cooked prefab.
pub const PREFAB_MAGIC: [u8; 4] = *b"AMPF";
/// The version of the cooked prefab form.
pub const PREFAB_FORMAT_VERSION: u8 = 1;

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
    let mut e = Encoder::default();
    let name = e.intern(&prefab.name);
    let mut body = Vec::new();
    write_varint(&mut body, name as u64);
    write_varint(&mut body, prefab.entities.len() as u64);
    for entity in &prefab.entities {
        e.entity(&mut body, entity);
    }
    let mut out = Vec::with_capacity(body.len() + e.bytes.len() + 16);
    out.extend_from_slice(&PREFAB_MAGIC);
    out.push(PREFAB_FORMAT_VERSION);
    write_varint(&mut out, e.count as u64);
    out.extend_from_slice(&e.bytes);
    out.extend_from_slice(&body);
    out
}

#[derive(Default)]
struct Encoder<'a> {
    index: HashMap<&'a str, u32>,
    bytes: Vec<u8>,
    count: u32,
}

impl<'a> Encoder<'a> {
    fn intern(&mut self, s: &'a str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.count;
        self.count += 1;
        write_varint(&mut self.bytes, s.len() as u64);
        self.bytes.extend_from_slice(s.as_bytes());
        self.index.insert(s, i);
        i
    }

    fn name(&mut self, out: &mut Vec<u8>, name: Option<&'a String>) {
        let v = name.map_or(0, |n| u64::from(self.intern(n)) + 1);
        write_varint(out, v);
    }

    fn entity(&mut self, out: &mut Vec<u8>, e: &'a EntityData) {
        write_varint(out, u64::from(self.intern(&e.name)));
        write_varint(out, e.components.len() as u64);
        for (name, value) in &e.components {
            write_varint(out, u64::from(self.intern(name)));
            self.value(out, value);
        }
        let nested = e.prefab.as_ref().map_or(0, |p| u64::from(self.intern(p.as_str())) + 1);
        write_varint(out, nested);
        write_varint(out, e.children.len() as u64);
        for child in &e.children {
            self.entity(out, child);
        }
    }

    fn value(&mut self, out: &mut Vec<u8>, v: &'a Value) {
        match v {
            Value::Unit => out.push(0),
            Value::Bool(false) => out.push(1),
            Value::Bool(true) => out.push(2),
            Value::Int(i) => {
                out.push(3);
                write_varint(out, ((i << 1) ^ (i >> 63)) as u64);
            }
            Value::Float(f) => {
                out.push(4);
                out.extend_from_slice(&f.to_le_bytes());
            }
            Value::String(s) => {
                out.push(5);
                write_varint(out, u64::from(self.intern(s)));
            }
            Value::Asset(p) => {
                out.push(6);
                write_varint(out, u64::from(self.intern(p.as_str())));
            }
            Value::List(items) => {
                out.push(7);
                write_varint(out, items.len() as u64);
                items.iter().for_each(|v| self.value(out, v));
            }
            Value::Tuple { name, items } => {
                out.push(8);
                self.name(out, name.as_ref());
                write_varint(out, items.len() as u64);
                items.iter().for_each(|v| self.value(out, v));
            }
            Value::Struct { name, fields } => {
                out.push(9);
                self.name(out, name.as_ref());
                write_varint(out, fields.len() as u64);
                for (k, v) in fields {
                    write_varint(out, u64::from(self.intern(k)));
                    self.value(out, v);
                }
            }
            Value::Map(entries) => {
                out.push(10);
                write_varint(out, entries.len() as u64);
                for (k, v) in entries {
                    self.value(out, k);
                    self.value(out, v);
                }
            }
            Value::Option(None) => out.push(11),
            Value::Option(Some(v)) => {
                out.push(12);
                self.value(out, v);
            }
            Value::Ident(s) => {
                out.push(13);
                write_varint(out, u64::from(self.intern(s)));
            }
        }
    }
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
    let n = d.r.count(4)?;
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
        let name = self.string()?.to_owned();
        let n = self.r.count(2)?;
        let mut components = BTreeMap::new();
        for _ in 0..n {
            let k = self.string()?.to_owned();
            let v = self.value()?;
            components.insert(k, v);
        }
        let prefab = match self.opt_string()? {
            Some(p) => Some(self.path(p)?),
            None => None,
        };
        let n = self.r.count(4)?;
        let mut children = Vec::with_capacity(n);
        for _ in 0..n {
            children.push(self.entity()?);
        }
        self.depth -= 1;
        Ok(EntityData { name, components, children, prefab })
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
            0 => Value::Unit,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => {
                let z = self.r.varint()?;
                Value::Int(((z >> 1) as i64) ^ -((z & 1) as i64))
            }
            4 => Value::Float(f64::from_le_bytes(self.r.array()?)),
            5 => Value::String(self.string()?.to_owned()),
            6 => {
                let s = self.string()?;
                Value::Asset(self.path(s)?)
            }
            7 => {
                let n = self.r.count(1)?;
                Value::List(self.values(n)?)
            }
            8 => {
                let name = self.opt_string()?.map(str::to_owned);
                let n = self.r.count(1)?;
                Value::Tuple { name, items: self.values(n)? }
            }
            9 => {
                let name = self.opt_string()?.map(str::to_owned);
                let n = self.r.count(2)?;
                let mut fields = Vec::with_capacity(n);
                for _ in 0..n {
                    let k = self.string()?.to_owned();
                    fields.push((k, self.value()?));
                }
                Value::Struct { name, fields }
            }
            10 => {
                let n = self.r.count(2)?;
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    let k = self.value()?;
                    entries.push((k, self.value()?));
                }
                Value::Map(entries)
            }
            11 => Value::Option(None),
            12 => Value::Option(Some(Box::new(self.value()?))),
            13 => Value::Ident(self.string()?.to_owned()),
            tag => return Err(self.err(format!("unknown value tag {tag}"))),
        };
        self.depth -= 1;
        Ok(v)
    }
}
