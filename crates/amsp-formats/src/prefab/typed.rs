//! Typed views of components: any component read as a Rust type through
//! serde, and the built-in [`Transform`].
//!
//! ```
//! use amsp_formats::prefab::{SchemaRegistry, parse_prefab};
//!
//! #[derive(serde::Deserialize)]
//! struct Health {
//!     max: u32,
//!     #[serde(default)]
//!     regen: f32,
//! }
//!
//! let text = r#"(entities: [(name: "orc", components: {
//!     "Health": (max: 100),
//!     "Transform": (translation: (1, 2, 3)),
//! })])"#;
//! let prefab = parse_prefab(text, &SchemaRegistry::with_defaults())?.data;
//! let orc = &prefab.entities[0];
//! let health: Health = orc.component("Health")?;
//! assert_eq!((health.max, health.regen), (100, 0.0));
//! assert_eq!(orc.transform()?.translation, [1.0, 2.0, 3.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use super::de::from_value;
use super::value::{EntityData, Value};

pub use crate::transform::Transform;

/// Name of the built-in transform component.
pub const TRANSFORM: &str = "Transform";

/// Why a component could not be read as a Rust type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ComponentError {
    /// The entity has no component of that name.
    #[error("entity '{entity}' has no component '{component}'")]
    Missing {
        /// The entity's name.
        entity: String,
        /// The component asked for.
        component: String,
    },
    /// The component's value does not fit the type.
    #[error("entity '{entity}', component '{component}': {message}")]
    Mismatch {
        /// The entity's name.
        entity: String,
        /// The component.
        component: String,
        /// Where the value does not fit and why.
        message: String,
    },
}

/// Reads component `name` of the entity `entity` from `components` as `T`.
pub(super) fn component<T: DeserializeOwned>(
    entity: &str,
    components: &BTreeMap<String, Value>,
    name: &str,
) -> Result<T, ComponentError> {
    let value = components.get(name).ok_or_else(|| ComponentError::Missing {
        entity: entity.to_owned(),
        component: name.to_owned(),
    })?;
    from_value(value).map_err(|e| ComponentError::Mismatch {
        entity: entity.to_owned(),
        component: name.to_owned(),
        message: e.to_string(),
    })
}

/// The entity's transform: the identity when it has none.
pub(super) fn transform(
    entity: &str,
    components: &BTreeMap<String, Value>,
) -> Result<Transform, ComponentError> {
    if !components.contains_key(TRANSFORM) {
        return Ok(Transform::default());
    }
    component(entity, components, TRANSFORM)
}

impl EntityData {
    /// Component `name` read as a `T` (any `serde::Deserialize` type).
    ///
    /// # Errors
    /// [`ComponentError::Missing`] when the entity has no such component,
    /// [`ComponentError::Mismatch`] (naming the field) when its value does
    /// not fit `T`.
    pub fn component<T: DeserializeOwned>(&self, name: &str) -> Result<T, ComponentError> {
        component(&self.name, &self.components, name)
    }

    /// The entity's [`Transform`] component; the identity when it has none.
    ///
    /// # Errors
    /// [`ComponentError::Mismatch`] when its `Transform` does not fit.
    pub fn transform(&self) -> Result<Transform, ComponentError> {
        transform(&self.name, &self.components)
    }
}
