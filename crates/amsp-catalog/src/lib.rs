//! The AMSP catalog: the SQLite database that lists every asset of a cooked
//! output.
//!
//! A cook writes one catalog next to its packs. Each [`AssetRecord`] holds an
//! asset's stable id, path, type, version, content and cook hashes, sizes,
//! codec, where it is stored ([`Location`]: pack file and entry), its
//! dependencies, tags, LOD variants and type-specific metadata. The runtime,
//! the CLI and the next incremental cook read it back.
//!
//! - [`Catalog`] opens a file (creating and migrating it), or a read-only
//!   view, or an in-memory catalog, and answers queries: by id, path, type,
//!   tag, content hash or pack; full-text [`search`](Catalog::search) over
//!   path, type and tags; [`dependency_closure`](Catalog::dependency_closure)
//!   and [`reverse_dependencies`](Catalog::reverse_dependencies), both safe
//!   on cycles; and [`integrity_check`](Catalog::integrity_check).
//! - [`CatalogTransaction`] is the only way to write: upserts and removals of
//!   assets, packs and settings, all committed at once or not at all.
//! - [`CatalogError`] says what went wrong and names the catalog file.
//!
//! The schema is versioned (`PRAGMA user_version`, [`Catalog::SCHEMA_VERSION`])
//! and migrated on open; a catalog written by a newer build is refused and
//! left untouched. `docs/catalog-schema.md` describes the tables.
//!
//! ```
//! use amsp_catalog::{AssetRecord, Catalog, Location, PackRecord};
//! use amsp_core::{AssetId, AssetPath};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut catalog = Catalog::open_in_memory()?;
//!
//! let rock = AssetId::from_u128(1);
//! let mut material = AssetRecord::new(
//!     AssetId::from_u128(2),
//!     AssetPath::new("materials/rock.material.ron")?,
//!     "material",
//! );
//! material.dependencies = vec![rock];
//! material.tags = vec!["env".into(), "rock".into()];
//! let mut texture = AssetRecord::new(rock, AssetPath::new("textures/rock_albedo.png")?, "texture");
//! texture.location = Some(Location { pack: "packs/pack-000001.amsp".into(), entry: 0 });
//!
//! let tx = catalog.transaction()?;
//! tx.upsert_pack(&PackRecord {
//!     name: "packs/pack-000001.amsp".into(),
//!     uuid: "00112233445566778899aabbccddeeff".into(),
//!     file_len: 4096,
//!     entry_count: 1,
//! })?;
//! tx.upsert_asset(&texture)?;
//! tx.upsert_asset(&material)?;
//! tx.commit()?;
//!
//! assert_eq!(catalog.count()?, 2);
//! assert_eq!(catalog.search("albedo")?[0].id, rock);
//! assert_eq!(catalog.by_tag("rock")?[0].path.as_str(), "materials/rock.material.ron");
//! assert_eq!(catalog.reverse_dependencies(rock, true)?, [material.id]);
//! assert!(catalog.integrity_check()?.is_empty());
//! # Ok(())
//! # }
//! ```

mod catalog;
mod error;
mod fts;
mod integrity;
mod query;
mod record;
mod schema;
mod write;

pub use catalog::Catalog;
pub use error::CatalogError;
pub use record::{AssetRecord, Location, LodVariant, PackRecord};
pub use write::CatalogTransaction;
