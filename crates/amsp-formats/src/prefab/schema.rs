//! Typed components: a registry of component schemas checked at cook.
//!
//! A component whose name has a schema must match it: a struct's fields are
//! checked by name (unknown fields and wrong types are errors), missing
//! fields take their defaults, and integers become floats where a float is
//! expected. Components without a schema are kept as written.

use foldhash::HashMap;

use super::binary::decode_value;
use super::bytes::{ByteReader, Fault};
use super::text::MAX_DEPTH;
use super::value::Value;
use super::writer::{Writer, tag};

/// The type of a component or field.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FieldType {
    /// Any value.
    Any,
    /// `true` or `false`.
    Bool,
    /// An integer.
    Int,
    /// A number (an integer is converted).
    Float,
    /// A string.
    String,
    /// An asset reference (`"asset:PATH"`).
    Asset,
    /// `N` numbers, as a tuple or list (`(f32, f32, f32)`).
    Floats(usize),
    /// A list of values of one type.
    List(Box<FieldType>),
    /// `Some(value)` or `None`.
    Option(Box<FieldType>),
    /// A struct with named fields.
    Struct(Vec<FieldSchema>),
}

/// One field of a [`FieldType::Struct`].
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSchema {
    /// The field's name.
    pub name: String,
    /// Its type.
    pub ty: FieldType,
    /// The value used when the field is missing; `None` makes it required.
    pub default: Option<Value>,
}

impl FieldSchema {
    /// A field with a default.
    #[must_use]
    pub fn new(name: &str, ty: FieldType, default: Option<Value>) -> Self {
        Self { name: name.to_owned(), ty, default }
    }
}

/// Component schemas by component name.
#[derive(Debug, Clone, Default)]
pub struct SchemaRegistry {
    by_name: HashMap<String, FieldType>,
}

fn floats(values: &[f64]) -> Value {
    Value::Tuple { name: None, items: values.iter().map(|&f| Value::Float(f)).collect() }
}

impl SchemaRegistry {
    /// A registry with no schemas: every component is dynamic.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in schemas: `Transform { translation: (f32, f32, f32) =
    /// (0, 0, 0), rotation: (f32, f32, f32, f32) = (0, 0, 0, 1), scale:
    /// (f32, f32, f32) = (1, 1, 1) }` and `Name(String)`-like `Tag { name:
    /// String }`.
    #[must_use]
    pub fn with_defaults() -> Self {
        let mut r = Self::new();
        r.register(
            "Transform",
            FieldType::Struct(vec![
                FieldSchema::new("translation", FieldType::Floats(3), Some(floats(&[0.0; 3]))),
                FieldSchema::new(
                    "rotation",
                    FieldType::Floats(4),
                    Some(floats(&[0.0, 0.0, 0.0, 1.0])),
                ),
                FieldSchema::new("scale", FieldType::Floats(3), Some(floats(&[1.0; 3]))),
            ]),
        );
        r.register(
            "Tag",
            FieldType::Struct(vec![FieldSchema::new("name", FieldType::String, None)]),
        );
        r
    }

    /// Registers (or replaces) the schema of component `name`.
    pub fn register(&mut self, name: &str, ty: FieldType) {
        self.by_name.insert(name.to_owned(), ty);
    }

    /// The schema of component `name`, if one is registered.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&FieldType> {
        self.by_name.get(name)
    }

    /// Checks component `name`'s value against its schema, returning it
    /// normalised (defaults filled in, integers made floats, struct fields
    /// in schema order); a component without a schema is returned unchanged.
    ///
    /// # Errors
    /// A message saying which field is wrong and why.
    pub fn check(&self, name: &str, value: Value) -> Result<Value, String> {
        let Some(ty) = self.by_name.get(name) else { return Ok(value) };
        let mut w = Writer::default();
        w.value(&value);
        let encoded = std::mem::take(&mut w.body);
        conform(ty, &mut ByteReader::new(&encoded), &mut w, &FieldPath::Root)?;
        decode_value(&w.body, w.strings.strings().collect()).map_err(|e| e.to_string())
    }
}

/// Where in a component a value lies; text is made only for messages.
pub(super) enum FieldPath<'a> {
    /// The component itself.
    Root,
    Field(&'a FieldPath<'a>, &'a str),
    Index(&'a FieldPath<'a>, usize),
}

impl std::fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Root => Ok(()),
            Self::Field(Self::Root, name) => f.write_str(name),
            Self::Field(parent, name) => write!(f, "{parent}.{name}"),
            Self::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

fn at(path: &FieldPath<'_>) -> String {
    match path {
        FieldPath::Root => String::new(),
        _ => format!("field '{path}': "),
    }
}

fn fault(f: Fault) -> String {
    format!("malformed value at byte {}: {}", f.offset, f.message)
}

/// Reads one encoded value from `r` and writes it to `out` conformed to
/// `ty`. The value's strings are indices into `out`'s string table.
pub(super) fn conform<'a>(
    ty: &'a FieldType,
    r: &mut ByteReader<'_>,
    out: &mut Writer<'a>,
    path: &FieldPath<'_>,
) -> Result<(), String> {
    let start = r.position();
    let t = r.byte().map_err(fault)?;
    let mismatch =
        |want: &str, got: u8| Err(format!("{}expected {want}, found {}", at(path), tag::kind(got)));
    match (ty, t) {
        (FieldType::Any, _)
        | (FieldType::Bool, tag::FALSE | tag::TRUE)
        | (FieldType::Int, tag::INT)
        | (FieldType::Float, tag::FLOAT)
        | (FieldType::String, tag::STRING)
        | (FieldType::Asset, tag::ASSET) => {
            r.set_position(start);
            skip_value(r, 0).map_err(fault)?;
            out.body.extend_from_slice(r.consumed_since(start));
            Ok(())
        }
        (FieldType::Float, tag::INT) => {
            out.float(unzigzag(r.varint().map_err(fault)?) as f64);
            Ok(())
        }
        (FieldType::Floats(n), tag::LIST | tag::TUPLE) => {
            if t == tag::TUPLE {
                r.varint().map_err(fault)?;
            }
            let count = r.varint().map_err(fault)?;
            if count != *n as u64 {
                return Err(format!("{}expected {n} numbers, found {count}", at(path)));
            }
            out.byte(tag::TUPLE);
            out.varint(0);
            out.varint(count);
            for _ in 0..count {
                match r.byte().map_err(fault)? {
                    tag::INT => out.float(unzigzag(r.varint().map_err(fault)?) as f64),
                    tag::FLOAT => out.float(f64::from_le_bytes(r.array().map_err(fault)?)),
                    other => return mismatch("a number", other),
                }
            }
            Ok(())
        }
        (FieldType::Floats(n), other) => mismatch(&format!("a tuple of {n} numbers"), other),
        (FieldType::List(inner), tag::LIST) => {
            let count = r.varint().map_err(fault)?;
            out.byte(tag::LIST);
            out.varint(count);
            for i in 0..count {
                conform(inner, r, out, &FieldPath::Index(path, i as usize))?;
            }
            Ok(())
        }
        (FieldType::Option(_), tag::NONE) => {
            out.byte(tag::NONE);
            Ok(())
        }
        (FieldType::Option(inner), tag::SOME) => {
            out.byte(tag::SOME);
            conform(inner, r, out, path)
        }
        (FieldType::Struct(schema), tag::STRUCT | tag::UNIT) => {
            conform_struct(schema, t == tag::STRUCT, r, out, path)
        }
        (ty, other) => mismatch(type_name(ty), other),
    }
}

/// A struct (or `()`, a struct with every field missing) whose tag was read.
fn conform_struct<'a>(
    schema: &'a [FieldSchema],
    is_struct: bool,
    r: &mut ByteReader<'_>,
    out: &mut Writer<'a>,
    path: &FieldPath<'_>,
) -> Result<(), String> {
    let (name, count) =
        if is_struct { (r.varint().map_err(fault)?, r.varint().map_err(fault)?) } else { (0, 0) };
    // Each field's name index and where its value starts.
    let mut fields: Vec<(u32, usize)> = Vec::with_capacity(schema.len());
    for _ in 0..count {
        let key = u32::try_from(r.varint().map_err(fault)?).unwrap_or(u32::MAX);
        let key_str = out.strings.get(key);
        if !schema.iter().any(|f| f.name == key_str) {
            let expected: Vec<&str> = schema.iter().map(|f| f.name.as_str()).collect();
            return Err(format!(
                "{}unknown field '{key_str}' (expected {})",
                at(path),
                expected.join(", ")
            ));
        }
        fields.push((key, r.position()));
        skip_value(r, 0).map_err(fault)?;
    }
    let end = r.position();
    out.byte(tag::STRUCT);
    out.varint(name);
    out.varint(schema.len() as u64);
    for f in schema {
        let sub = FieldPath::Field(path, &f.name);
        match fields.iter().find(|(k, _)| out.strings.get(*k) == f.name) {
            Some(&(key, at)) => {
                out.varint(u64::from(key));
                r.set_position(at);
                conform(&f.ty, r, out, &sub)?;
            }
            None => {
                let default = f.default.as_ref().ok_or_else(|| format!("missing field '{sub}'"))?;
                let key = out.strings.intern(&f.name);
                out.varint(u64::from(key));
                out.value(default);
            }
        }
    }
    r.set_position(end);
    Ok(())
}

fn unzigzag(z: u64) -> i64 {
    ((z >> 1) as i64) ^ -((z & 1) as i64)
}

/// Moves `r` past one encoded value.
pub(super) fn skip_value(r: &mut ByteReader<'_>, depth: u32) -> Result<(), Fault> {
    if depth > MAX_DEPTH {
        return Err(r.fault("nested too deep"));
    }
    match r.byte()? {
        tag::UNIT | tag::FALSE | tag::TRUE | tag::NONE => {}
        tag::INT | tag::STRING | tag::ASSET | tag::IDENT => {
            r.varint()?;
        }
        tag::FLOAT => {
            r.take(8)?;
        }
        tag::LIST | tag::TUPLE | tag::MAP => {
            let t = r.last();
            if t == tag::TUPLE {
                r.varint()?;
            }
            let n = r.varint()?;
            let per = if t == tag::MAP { 2 } else { 1 };
            for _ in 0..n.saturating_mul(per) {
                skip_value(r, depth + 1)?;
            }
        }
        tag::STRUCT => {
            r.varint()?;
            for _ in 0..r.varint()? {
                r.varint()?;
                skip_value(r, depth + 1)?;
            }
        }
        tag::SOME => skip_value(r, depth + 1)?,
        t => return Err(r.fault(format!("unknown value tag {t}"))),
    }
    Ok(())
}

fn type_name(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::Any => "any value",
        FieldType::Bool => "a bool",
        FieldType::Int => "an integer",
        FieldType::Float => "a number",
        FieldType::String => "a string",
        FieldType::Asset => "an asset reference (\"asset:PATH\")",
        FieldType::Floats(_) => "a tuple of numbers",
        FieldType::List(_) => "a list",
        FieldType::Option(_) => "Some(…) or None",
        FieldType::Struct(_) => "a struct",
    }
}
