//! The prefab model: a prefab of entities, each with named components whose
//! values are dynamic [`Value`] trees.

use std::collections::BTreeMap;

use amsp_core::AssetPath;

/// The prefix that marks a RON string as a reference to another asset:
/// `"asset:textures/crate.png"`.
pub const ASSET_PREFIX: &str = "asset:";

/// A dynamic component value, as written in RON.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `()`.
    Unit,
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A number with a fraction or exponent (or an integer a schema asked
    /// to be a float).
    Float(f64),
    /// A string (or a character literal).
    String(String),
    /// A reference to another asset, written `"asset:PATH"`.
    Asset(AssetPath),
    /// `[a, b, …]`.
    List(Vec<Value>),
    /// `(a, b, …)` or `Name(a, b, …)`.
    Tuple {
        /// The type name before the parenthesis, if any.
        name: Option<String>,
        /// The elements.
        items: Vec<Value>,
    },
    /// `(field: a, …)` or `Name(field: a, …)`, fields in source order.
    Struct {
        /// The type name before the parenthesis, if any.
        name: Option<String>,
        /// The fields.
        fields: Vec<(String, Value)>,
    },
    /// `{key: value, …}`, entries in source order.
    Map(Vec<(Value, Value)>),
    /// `None` or `Some(value)`.
    Option(Option<Box<Value>>),
    /// A bare identifier: a unit enum variant such as `Static`.
    Ident(String),
}

impl Value {
    /// The value as a float, for integers and floats.
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Self::Int(i) => Some(i as f64),
            Self::Float(f) => Some(f),
            _ => None,
        }
    }

    /// The field `name` of a struct value.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&Value> {
        match self {
            Self::Struct { fields, .. } => fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The elements of a tuple or list.
    #[must_use]
    pub fn items(&self) -> Option<&[Value]> {
        match self {
            Self::Tuple { items, .. } | Self::List(items) => Some(items),
            _ => None,
        }
    }

    /// Every asset reference in the value, depth first.
    pub fn references<'a>(&'a self, out: &mut Vec<&'a AssetPath>) {
        match self {
            Self::Asset(path) => out.push(path),
            Self::List(items) | Self::Tuple { items, .. } => {
                items.iter().for_each(|v| v.references(out));
            }
            Self::Struct { fields, .. } => fields.iter().for_each(|(_, v)| v.references(out)),
            Self::Map(entries) => entries.iter().for_each(|(k, v)| {
                k.references(out);
                v.references(out);
            }),
            Self::Option(Some(v)) => v.references(out),
            _ => {}
        }
    }

    /// A short name of the value's kind, for messages.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::Bool(_) => "bool",
            Self::Int(_) => "integer",
            Self::Float(_) => "float",
            Self::String(_) => "string",
            Self::Asset(_) => "asset reference",
            Self::List(_) => "list",
            Self::Tuple { .. } => "tuple",
            Self::Struct { .. } => "struct",
            Self::Map(_) => "map",
            Self::Option(_) => "option",
            Self::Ident(_) => "identifier",
        }
    }
}

/// A prefab or scene as cooked: named entities with components, children and
/// nested prefabs, every asset reference by path.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrefabData {
    /// The prefab's name.
    pub name: String,
    /// The top-level entities.
    pub entities: Vec<EntityData>,
}

/// One entity of a [`PrefabData`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntityData {
    /// The entity's name.
    pub name: String,
    /// Components by name.
    pub components: BTreeMap<String, Value>,
    /// Child entities.
    pub children: Vec<EntityData>,
    /// A prefab instanced at this entity (`prefab: "props/barrel.prefab.ron"`).
    pub prefab: Option<AssetPath>,
}

impl PrefabData {
    /// Every entity, depth first.
    pub fn walk(&self, mut visit: impl FnMut(&EntityData)) {
        fn go(e: &EntityData, visit: &mut impl FnMut(&EntityData)) {
            visit(e);
            e.children.iter().for_each(|c| go(c, visit));
        }
        self.entities.iter().for_each(|e| go(e, &mut visit));
    }

    /// Number of entities, children included.
    #[must_use]
    pub fn entity_count(&self) -> usize {
        let mut n = 0;
        self.walk(|_| n += 1);
        n
    }
}
