//! Reading a dynamic [`Value`] as any `serde::Deserialize` type: a serde
//! `Deserializer` over borrowed values.
//!
//! Values map to serde's data model the way RON's do: structs to maps with
//! string keys (or sequences), tuples and lists to sequences, `Some`/`None`
//! to options (any other value is an implicit `Some`), identifiers and
//! named records to enum variants, asset references to their path string,
//! integers to floats where a float is asked for.

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::value::Value;

/// Why a [`Value`] could not be read as the requested type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("at {path}: ") })]
pub struct ValueError {
    /// Where in the value the problem is (`translation[1]`, `body.mass`);
    /// empty for the value itself.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl de::Error for ValueError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self { path: String::new(), message: msg.to_string() }
    }
}

impl ValueError {
    /// The error as one inside field `name`.
    fn in_field(mut self, name: &str) -> Self {
        let rest = std::mem::take(&mut self.path);
        self.path = if rest.is_empty() {
            name.to_owned()
        } else if rest.starts_with('[') {
            format!("{name}{rest}")
        } else {
            format!("{name}.{rest}")
        };
        self
    }

    /// The error as one inside element `i`.
    fn at_index(mut self, i: usize) -> Self {
        let rest = std::mem::take(&mut self.path);
        self.path = if rest.is_empty() || rest.starts_with('[') {
            format!("[{i}]{rest}")
        } else {
            format!("[{i}].{rest}")
        };
        self
    }
}

/// Reads `value` as a `T`.
///
/// ```
/// use amsp_formats::prefab::{Value, from_value};
///
/// let v = Value::Tuple { name: None, items: vec![Value::Int(1), Value::Float(2.5)] };
/// let (a, b): (u8, f32) = from_value(&v)?;
/// assert_eq!((a, b), (1, 2.5));
/// # Ok::<(), amsp_formats::prefab::ValueError>(())
/// ```
///
/// # Errors
/// [`ValueError`] saying where the value does not fit `T` and why.
pub fn from_value<'de, T: de::Deserialize<'de>>(
    value: &'de Value,
) -> std::result::Result<T, ValueError> {
    T::deserialize(ValueDeserializer(value))
}

/// A serde `Deserializer` over a borrowed [`Value`].
#[derive(Debug, Clone, Copy)]
pub struct ValueDeserializer<'de>(pub &'de Value);

type Result<T> = std::result::Result<T, ValueError>;

impl<'de> IntoDeserializer<'de, ValueError> for ValueDeserializer<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for ValueDeserializer<'de> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Value::Unit => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::String(s) | Value::Ident(s) => visitor.visit_borrowed_str(s),
            Value::Asset(p) => visitor.visit_borrowed_str(p.as_str()),
            Value::List(items) | Value::Tuple { items, .. } => visitor.visit_seq(Seq::new(items)),
            Value::Struct { fields, .. } => visitor.visit_map(Fields::new(fields)),
            Value::Map(entries) => visitor.visit_map(Entries::new(entries)),
            Value::Option(None) => visitor.visit_none(),
            Value::Option(Some(v)) => visitor.visit_some(ValueDeserializer(v)),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Value::Int(i) => visitor.visit_f64(*i as f64),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Value::Option(None) => visitor.visit_none(),
            Value::Option(Some(v)) => visitor.visit_some(ValueDeserializer(v)),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Value::Tuple { items, .. } if items.is_empty() => visitor.visit_unit(),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        match self.0 {
            Value::Ident(_) => visitor.visit_unit(),
            _ => self.deserialize_unit(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        match self.0 {
            Value::Tuple { items, .. } if items.len() == 1 => {
                visitor.visit_newtype_struct(ValueDeserializer(&items[0]))
            }
            _ => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.0 {
            // `()`: a struct with every field at its default.
            Value::Unit => visitor.visit_map(Fields::new(&[])),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let (variant, content) = match self.0 {
            Value::Ident(s) | Value::String(s) => (s.as_str(), None),
            Value::Tuple { name: Some(n), .. } | Value::Struct { name: Some(n), .. } => {
                (n.as_str(), Some(self.0))
            }
            other => {
                return Err(de::Error::custom(format!(
                    "expected an enum variant (`Name`, `Name(…)` or `Name(field: …)`), found {}",
                    other.kind()
                )));
            }
        };
        visitor.visit_enum(Variant { variant, content })
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 char str string bytes byte_buf
        seq tuple tuple_struct map identifier
    }
}

/// The elements of a list or tuple.
struct Seq<'de> {
    items: std::slice::Iter<'de, Value>,
    index: usize,
}

impl<'de> Seq<'de> {
    fn new(items: &'de [Value]) -> Self {
        Self { items: items.iter(), index: 0 }
    }
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = ValueError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some(v) = self.items.next() else { return Ok(None) };
        let i = self.index;
        self.index += 1;
        seed.deserialize(ValueDeserializer(v)).map(Some).map_err(|e| e.at_index(i))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The fields of a struct value, keys as strings.
struct Fields<'de> {
    fields: std::slice::Iter<'de, (String, Value)>,
    value: Option<(&'de str, &'de Value)>,
}

impl<'de> Fields<'de> {
    fn new(fields: &'de [(String, Value)]) -> Self {
        Self { fields: fields.iter(), value: None }
    }
}

impl<'de> MapAccess<'de> for Fields<'de> {
    type Error = ValueError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((k, v)) = self.fields.next() else { return Ok(None) };
        self.value = Some((k, v));
        seed.deserialize(k.as_str().into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let (k, v) = self.value.take().ok_or_else(|| de::Error::custom("value before key"))?;
        seed.deserialize(ValueDeserializer(v)).map_err(|e| e.in_field(k))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len())
    }
}

/// The entries of a map value.
struct Entries<'de> {
    entries: std::slice::Iter<'de, (Value, Value)>,
    value: Option<&'de Value>,
    index: usize,
}

impl<'de> Entries<'de> {
    fn new(entries: &'de [(Value, Value)]) -> Self {
        Self { entries: entries.iter(), value: None, index: 0 }
    }
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = ValueError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((k, v)) = self.entries.next() else { return Ok(None) };
        self.value = Some(v);
        seed.deserialize(ValueDeserializer(k)).map(Some).map_err(|e| e.at_index(self.index))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let v = self.value.take().ok_or_else(|| de::Error::custom("value before key"))?;
        let i = self.index;
        self.index += 1;
        seed.deserialize(ValueDeserializer(v)).map_err(|e| e.at_index(i))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An enum variant: its name and, for `Name(…)`, the record after it.
struct Variant<'de> {
    variant: &'de str,
    content: Option<&'de Value>,
}

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = ValueError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let v = seed.deserialize(self.variant.into_deserializer())?;
        Ok((v, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'de> {
    type Error = ValueError;

    fn unit_variant(self) -> Result<()> {
        match self.content {
            None => Ok(()),
            Some(Value::Tuple { items, .. }) if items.is_empty() => Ok(()),
            Some(v) => Err(de::Error::custom(format!(
                "variant '{}' takes no value, found {}",
                self.variant,
                v.kind()
            ))),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        match self.content {
            Some(Value::Tuple { items, .. }) if items.len() == 1 => {
                seed.deserialize(ValueDeserializer(&items[0]))
            }
            Some(v) => seed.deserialize(ValueDeserializer(v)),
            None => Err(de::Error::custom(format!("variant '{}' needs a value", self.variant))),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        match self.content {
            Some(v @ Value::Tuple { .. }) => ValueDeserializer(v).deserialize_any(visitor),
            _ => Err(de::Error::custom(format!("variant '{}' needs a tuple", self.variant))),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.content {
            Some(v @ (Value::Struct { .. } | Value::Tuple { .. })) => {
                ValueDeserializer(v).deserialize_any(visitor)
            }
            _ => Err(de::Error::custom(format!("variant '{}' needs fields", self.variant))),
        }
    }
}
