//! Typed components: a registry of component schemas checked at cook.
//!
//! A component whose name has a schema must match it: a struct's fields are
//! checked by name (unknown fields and wrong types are errors), missing
//! fields take their defaults, and integers become floats where a float is
//! expected. Components without a schema are kept as written.

use foldhash::HashMap;

use super::value::Value;

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
    /// normalised (defaults filled in, integers made floats); a component
    /// without a schema is returned unchanged.
    ///
    /// # Errors
    /// A message saying which field is wrong and why.
    pub fn check(&self, name: &str, value: Value) -> Result<Value, String> {
        match self.by_name.get(name) {
            Some(ty) => conform(ty, value, &FieldPath::Root),
            None => Ok(value),
        }
    }
}

/// Where in a component a value lies; text is made only for messages.
enum FieldPath<'a> {
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

fn conform(ty: &FieldType, value: Value, path: &FieldPath<'_>) -> Result<Value, String> {
    let mismatch =
        |want: &str, got: &Value| Err(format!("{}expected {want}, found {}", at(path), got.kind()));
    match (ty, value) {
        (FieldType::Any, v) => Ok(v),
        (FieldType::Bool, v @ Value::Bool(_))
        | (FieldType::Int, v @ Value::Int(_))
        | (FieldType::Float, v @ Value::Float(_))
        | (FieldType::String, v @ Value::String(_))
        | (FieldType::Asset, v @ Value::Asset(_)) => Ok(v),
        (FieldType::Float, Value::Int(i)) => Ok(Value::Float(i as f64)),
        (FieldType::Floats(n), v) => {
            let Some(items) = v.items() else {
                return mismatch(&format!("a tuple of {n} numbers"), &v);
            };
            if items.len() != *n {
                return Err(format!("{}expected {n} numbers, found {}", at(path), items.len()));
            }
            let mut out = Vec::with_capacity(*n);
            for item in items {
                let Some(f) = item.as_f64() else { return mismatch("a number", item) };
                out.push(f);
            }
            Ok(floats(&out))
        }
        (FieldType::List(inner), Value::List(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| conform(inner, v, &FieldPath::Index(path, i)))
            .collect::<Result<_, _>>()
            .map(Value::List),
        (FieldType::Option(_), Value::Option(None)) => Ok(Value::Option(None)),
        (FieldType::Option(inner), Value::Option(Some(v))) => {
            Ok(Value::Option(Some(Box::new(conform(inner, *v, path)?))))
        }
        (FieldType::Struct(schema), Value::Struct { name, fields }) => {
            let mut fields = fields;
            if let Some((unknown, _)) =
                fields.iter().find(|(n, _)| !schema.iter().any(|f| &f.name == n))
            {
                let expected: Vec<&str> = schema.iter().map(|f| f.name.as_str()).collect();
                return Err(format!(
                    "{}unknown field '{unknown}' (expected {})",
                    at(path),
                    expected.join(", ")
                ));
            }
            let mut out = Vec::with_capacity(schema.len());
            for f in schema {
                let sub = FieldPath::Field(path, &f.name);
                match fields.iter().position(|(n, _)| *n == f.name) {
                    Some(i) => {
                        let (key, v) = fields.swap_remove(i);
                        out.push((key, conform(&f.ty, v, &sub)?));
                    }
                    None => {
                        let v =
                            f.default.clone().ok_or_else(|| format!("missing field '{sub}'"))?;
                        out.push((f.name.clone(), v));
                    }
                }
            }
            Ok(Value::Struct { name, fields: out })
        }
        // `()` is a struct with every field missing.
        (ty @ FieldType::Struct(_), Value::Unit) => {
            conform(ty, Value::Struct { name: None, fields: Vec::new() }, path)
        }
        (ty, v) => mismatch(type_name(ty), &v),
    }
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
