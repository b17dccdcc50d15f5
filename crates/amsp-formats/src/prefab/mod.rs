//! Prefabs and scenes, scripts and data tables.
//!
//! - Prefabs and scenes (`*.prefab.ron`, `*.scene.ron`): named entities with
//!   components, child entities and nested prefabs, written in RON:
//!
//!   ```ron
//!   (name: "crate", entities: [
//!       (name: "root",
//!        components: {
//!            "Transform": (translation: (1.0, 0.0, 0.0)),
//!            "Sprite": (texture: "asset:textures/crate.png", layer: 2),
//!        },
//!        children: [(name: "lid", prefab: Some("props/lid.prefab.ron"))]),
//!   ])
//!   ```
//!
//!   Component values are any RON value ([`Value`]); a string
//!   `"asset:PATH"` is a reference to the asset at `PATH`, and an entity's
//!   `prefab` names a prefab instanced there. Components with a schema in a
//!   [`SchemaRegistry`] (the built-in `Transform`) are checked at cook and
//!   get their defaults. `PrefabImporter` (feature `import`) checks syntax,
//!   schemas, that references exist among the cook's sources (errors name
//!   file and line) and that nested prefabs form no cycle (the error names
//!   the chain), then stores the [binary form](binary). `Prefab` and
//!   `PrefabLoader` (feature `runtime`) load it with every reference a
//!   handle. Any component reads as a Rust type through serde
//!   (`entity.component::<T>("Name")`, [`from_value`]), the built-in one as
//!   a [`Transform`] (`entity.transform()`).
//! - Scripts ([`script`]): Lua source (syntax-checked at cook by [`lua`])
//!   and WebAssembly modules (validated at cook) as `Script`.
//! - Data tables ([`table`]): CSV and `*.table.json` as typed [`DataTable`]s.

#[cfg(feature = "runtime")]
mod asset;
pub mod binary;
pub(crate) mod bytes;
mod cursor;
mod de;
#[cfg(feature = "import")]
mod import;
pub mod lua;
pub mod schema;
pub mod script;
pub mod table;
#[cfg(feature = "import")]
mod table_import;
pub mod text;
mod typed;
mod value;
mod writer;

use amsp_core::AssetPath;

#[cfg(feature = "runtime")]
pub use asset::{AssetHandle, Entity, Prefab, PrefabLoader};
pub use binary::{PrefabDecodeError, decode_prefab, encode_prefab};
pub use de::{ValueDeserializer, ValueError, from_value};
#[cfg(feature = "import")]
pub use import::PrefabImporter;
pub use schema::{FieldSchema, FieldType, SchemaRegistry};
#[cfg(feature = "import")]
pub use script::ScriptImporter;
#[cfg(feature = "runtime")]
pub use script::{Script, ScriptLoader};
#[cfg(feature = "runtime")]
pub use table::DataTableLoader;
pub use table::{Cell, ColumnType, DataTable};
#[cfg(feature = "import")]
pub use table_import::{DataTableImporter, MAX_TABLE_SOURCE_BYTES, csv_table, json_table};
pub use text::{CompiledPrefab, ParsedPrefab, PrefabParseError, compile_prefab, parse_prefab};
pub use typed::{ComponentError, TRANSFORM, Transform};
pub use value::{ASSET_PREFIX, EntityData, PrefabData, Value};

/// Cooked type of prefabs and scenes.
pub const PREFAB_TYPE: &str = "prefab";

/// Largest prefab source accepted, in bytes.
pub const MAX_PREFAB_SOURCE_BYTES: usize = 16 << 20;

/// Whether `path` names a prefab or scene source (`*.prefab.ron`,
/// `*.scene.ron`).
#[must_use]
pub fn is_prefab_path(path: &AssetPath) -> bool {
    let name = path.file_name().to_ascii_lowercase();
    name.ends_with(".prefab.ron") || name.ends_with(".scene.ron")
}
