//! The cook pipeline: turns a folder of source files into packs and a catalog.
//!
//! A run ([`Cooker::run`]) scans the source folder, reads or creates each
//! file's `.meta` sidecar ([`AssetMeta`]: stable id, tags, dependencies,
//! settings), picks an [`Importer`] by extension, and cooks only what changed
//! since the last run: sources whose bytes, sidecar or importer version
//! changed, and everything that depends on them. Imports and compression run in
//! parallel on all cores; the results go into new pack files, and one SQLite
//! transaction makes them visible in the catalog. A run that changes nothing
//! writes nothing.
//!
//! ```no_run
//! use amsp_cook::Cooker;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let report = Cooker::new("assets", "build").run()?;
//! println!("cooked {}, unchanged {}, failed {}", report.cooked, report.unchanged, report.failed);
//! for failure in &report.errors {
//!     eprintln!("{}: {}", failure.path, failure.error);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Development mode ([`dev::DevSource`]) serves a source folder through the
//! same importers without a cook step, and re-imports what changes.
//!
//! Output layout: `OUT/catalog.db` (the catalog) and `OUT/packs/pack-NNNNNN.amsp`.
//! Each run with changes writes its cooked assets into new packs; packs whose
//! live content falls below half their size are compacted into the new pack and
//! deleted after the catalog commits, so a crash at any moment leaves the
//! previous output or the new one.

mod atomic;
mod cooker;
pub mod dev;
mod error;
mod importer;
pub mod importers;
mod layout;
mod meta;
mod options;
mod plan;
mod report;
mod scan;
pub mod synthetic;

pub use atomic::{sync_dir, sync_tree, write_atomic, write_replace_unsynced};
pub use cooker::{CATALOG_FILE, Cooker};
pub use error::CookError;
pub use importer::{
    ImportError, ImportInput, ImportedAsset, Importer, ImporterRegistry, SourceSet, SubAsset,
    sub_asset_id,
};
pub use layout::{PACK_DIR, PACK_EXTENSION, pack_name, pack_seq};
pub use meta::{AssetMeta, META_EXTENSION};
pub use options::{CookOptions, CookProgress};
pub use report::{CookFailure, CookReport};
pub use scan::{SourceFile, scan};
