//! Writing the cooked prefab form: a string interner, the value and record
//! tags, counts written before their items are known, and the encoding of
//! [`Value`]s (schema defaults and [`encode_prefab`](super::encode_prefab)).

use std::borrow::Cow;
use std::collections::hash_map::Entry;

use foldhash::HashMap;

use super::bytes::write_varint;
use super::value::Value;

/// Value tags of the cooked form (see [`binary`](super::binary)).
pub(super) mod tag {
    pub const UNIT: u8 = 0;
    pub const FALSE: u8 = 1;
    pub const TRUE: u8 = 2;
    pub const INT: u8 = 3;
    pub const FLOAT: u8 = 4;
    pub const STRING: u8 = 5;
    pub const ASSET: u8 = 6;
    pub const LIST: u8 = 7;
    pub const TUPLE: u8 = 8;
    pub const STRUCT: u8 = 9;
    pub const MAP: u8 = 10;
    pub const NONE: u8 = 11;
    pub const SOME: u8 = 12;
    pub const IDENT: u8 = 13;

    /// A short name of the kind of value a tag starts, for messages.
    pub fn kind(tag: u8) -> &'static str {
        match tag {
            UNIT => "unit",
            FALSE | TRUE => "bool",
            INT => "integer",
            FLOAT => "float",
            STRING => "string",
            ASSET => "asset reference",
            LIST => "list",
            TUPLE => "tuple",
            STRUCT => "struct",
            MAP => "map",
            NONE | SOME => "option",
            IDENT => "identifier",
            _ => "unknown value",
        }
    }
}

/// Entity record fields of the cooked form; a record ends with [`END`](field::END).
pub(super) mod field {
    pub const END: u8 = 0;
    pub const NAME: u8 = 1;
    pub const PREFAB: u8 = 2;
    pub const COMPONENTS: u8 = 3;
    pub const CHILDREN: u8 = 4;
}

/// Zigzag form of a signed integer.
pub(super) fn zigzag(i: i64) -> u64 {
    ((i << 1) ^ (i >> 63)) as u64
}

/// Slots of [`Interner`]'s cache of short strings.
const SHORT_SLOTS: usize = 256;

/// A string of up to 15 bytes as one number: its bytes, then its length in
/// the last byte (so that no two strings share a key).
fn short_key(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() > 15 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..b.len()].copy_from_slice(b);
    buf[15] = b.len() as u8;
    Some(u128::from_le_bytes(buf))
}

fn short_slot(key: u128) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
    (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize
}

/// Adds `s` to the table and its bytes; returns its index.
fn push<'a>(table: &mut Vec<Cow<'a, str>>, bytes: &mut Vec<u8>, s: Cow<'a, str>) -> u32 {
    let i = u32::try_from(table.len()).unwrap_or(u32::MAX);
    write_varint(bytes, s.len() as u64);
    bytes.extend_from_slice(s.as_bytes());
    table.push(s);
    i
}

/// Strings interned by content: each distinct string is stored once, in
/// order of first use, and referred to by index.
pub(super) struct Interner<'a> {
    /// Strings of up to 15 bytes by their bytes and length packed in a
    /// `u128`: a direct-mapped cache in front of the maps, exact on a hit.
    short: Box<[(u128, u32); SHORT_SLOTS]>,
    borrowed: HashMap<&'a str, u32>,
    owned: HashMap<Box<str>, u32>,
    table: Vec<Cow<'a, str>>,
    bytes: Vec<u8>,
}

impl Default for Interner<'_> {
    fn default() -> Self {
        Self {
            short: Box::new([(0, 0); SHORT_SLOTS]),
            borrowed: HashMap::with_capacity_and_hasher(64, Default::default()),
            owned: HashMap::default(),
            table: Vec::with_capacity(64),
            bytes: Vec::with_capacity(1024),
        }
    }
}

impl<'a> Interner<'a> {
    /// The index of `s`, interning it if new.
    pub(super) fn intern(&mut self, s: &'a str) -> u32 {
        let Some(key) = short_key(s) else { return self.intern_long(s) };
        let slot = short_slot(key);
        let (k, i) = self.short[slot];
        if k == key && i > 0 {
            return i - 1;
        }
        let i = self.intern_long(s);
        self.short[slot] = (key, i + 1);
        i
    }

    fn intern_long(&mut self, s: &'a str) -> u32 {
        if !self.owned.is_empty()
            && let Some(&i) = self.owned.get(s)
        {
            return i;
        }
        match self.borrowed.entry(s) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => *e.insert(push(&mut self.table, &mut self.bytes, Cow::Borrowed(s))),
        }
    }

    /// The index of `s` (a string made while reading, such as one with
    /// escapes), interning it if new.
    pub(super) fn intern_owned(&mut self, s: String) -> u32 {
        if let Some(&i) = self.borrowed.get(s.as_str()) {
            return i;
        }
        if let Some(&i) = self.owned.get(s.as_str()) {
            return i;
        }
        let i = push(&mut self.table, &mut self.bytes, Cow::Owned(s.clone()));
        self.owned.insert(s.into_boxed_str(), i);
        i
    }

    /// The string at index `i` (an index this interner gave).
    pub(super) fn get(&self, i: u32) -> &str {
        self.table.get(i as usize).map_or("", |s| s)
    }

    /// Number of strings.
    pub(super) fn len(&self) -> usize {
        self.table.len()
    }

    /// The strings, in index order.
    pub(super) fn strings(&self) -> impl Iterator<Item = &str> {
        self.table.iter().map(|s| &**s)
    }
}

/// The cooked form being written: interned strings and the body.
#[derive(Default)]
pub(super) struct Writer<'a> {
    /// The string table.
    pub(super) strings: Interner<'a>,
    /// Everything after the prefab's name.
    pub(super) body: Vec<u8>,
}

impl<'a> Writer<'a> {
    /// Appends a varint.
    pub(super) fn varint(&mut self, v: u64) {
        write_varint(&mut self.body, v);
    }

    /// Appends a byte.
    pub(super) fn byte(&mut self, b: u8) {
        self.body.push(b);
    }

    /// Reserves room for a count written later by [`end_count`](Self::end_count).
    pub(super) fn begin_count(&mut self) -> usize {
        self.body.push(0);
        self.body.len() - 1
    }

    /// Writes `n` at a count reserved at `at`, making room if it takes more
    /// than one byte (only counts of 128 and more move what follows).
    pub(super) fn end_count(&mut self, at: usize, n: usize) {
        if n < 0x80 {
            self.body[at] = n as u8;
            return;
        }
        let mut v = Vec::with_capacity(10);
        write_varint(&mut v, n as u64);
        self.body.splice(at..=at, v);
    }

    /// Appends `Some(name)` as its string index + 1, `None` as 0.
    pub(super) fn opt_name(&mut self, name: Option<&'a str>) {
        let v = name.map_or(0, |n| u64::from(self.strings.intern(n)) + 1);
        self.varint(v);
    }

    /// Appends a float value.
    pub(super) fn float(&mut self, f: f64) {
        self.body.push(tag::FLOAT);
        self.body.extend_from_slice(&f.to_le_bytes());
    }

    /// Appends a [`Value`].
    pub(super) fn value(&mut self, v: &'a Value) {
        match v {
            Value::Unit => self.byte(tag::UNIT),
            Value::Bool(false) => self.byte(tag::FALSE),
            Value::Bool(true) => self.byte(tag::TRUE),
            Value::Int(i) => {
                self.byte(tag::INT);
                self.varint(zigzag(*i));
            }
            Value::Float(f) => self.float(*f),
            Value::String(s) | Value::Ident(s) => {
                self.byte(if matches!(v, Value::Ident(_)) { tag::IDENT } else { tag::STRING });
                let i = self.strings.intern(s);
                self.varint(u64::from(i));
            }
            Value::Asset(p) => {
                self.byte(tag::ASSET);
                let i = self.strings.intern(p.as_str());
                self.varint(u64::from(i));
            }
            Value::List(items) => {
                self.byte(tag::LIST);
                self.varint(items.len() as u64);
                items.iter().for_each(|v| self.value(v));
            }
            Value::Tuple { name, items } => {
                self.byte(tag::TUPLE);
                self.opt_name(name.as_deref());
                self.varint(items.len() as u64);
                items.iter().for_each(|v| self.value(v));
            }
            Value::Struct { name, fields } => {
                self.byte(tag::STRUCT);
                self.opt_name(name.as_deref());
                self.varint(fields.len() as u64);
                for (k, v) in fields {
                    let i = self.strings.intern(k);
                    self.varint(u64::from(i));
                    self.value(v);
                }
            }
            Value::Map(entries) => {
                self.byte(tag::MAP);
                self.varint(entries.len() as u64);
                for (k, v) in entries {
                    self.value(k);
                    self.value(v);
                }
            }
            Value::Option(None) => self.byte(tag::NONE),
            Value::Option(Some(v)) => {
                self.byte(tag::SOME);
                self.value(v);
            }
        }
    }

    /// The whole cooked prefab: header, string table, `name`, body.
    pub(super) fn finish(self, name: u32) -> Vec<u8> {
        let s = &self.strings;
        let mut out = Vec::with_capacity(s.bytes.len() + self.body.len() + 24);
        out.extend_from_slice(&super::binary::PREFAB_MAGIC);
        out.push(super::binary::PREFAB_FORMAT_VERSION);
        write_varint(&mut out, s.len() as u64);
        out.extend_from_slice(&s.bytes);
        write_varint(&mut out, u64::from(name));
        out.extend_from_slice(&self.body);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prefab::bytes::ByteReader;

    #[test]
    fn counts_of_any_size_are_written_in_place() {
        for n in [0usize, 1, 127, 128, 300, 70_000] {
            let mut w = Writer::default();
            w.byte(0xaa);
            let at = w.begin_count();
            w.body.extend(std::iter::repeat_n(7u8, 3));
            w.end_count(at, n);
            let mut r = ByteReader::new(&w.body);
            assert_eq!(r.byte().unwrap(), 0xaa);
            assert_eq!(r.varint().unwrap(), n as u64);
            assert_eq!(r.take(3).unwrap(), [7, 7, 7]);
            assert!(r.at_end());
        }
    }

    #[test]
    fn borrowed_and_owned_strings_share_one_index() {
        let mut s = Interner::default();
        let a = s.intern("a");
        assert_eq!(s.intern_owned("a".to_owned()), a);
        let b = s.intern_owned("b".to_owned());
        assert_eq!(s.intern("b"), b);
        assert_eq!((s.len(), s.get(a), s.get(b)), (2, "a", "b"));
    }
}
