//! Where the runtime's bytes come from.
//!
//! An [`AssetSource`] answers three questions for the runtime: which id a path
//! names ([`AssetSource::resolve`]), what an asset is ([`AssetSource::describe`]:
//! its type, dependencies and chunks) and what its bytes are
//! ([`AssetSource::read_chunk`]). Resolution and description come from an
//! in-memory index and never do I/O, so the request path stays non-blocking;
//! only reads touch storage, and they run on worker threads.
//!
//! Implementations here:
//! - [`CookedSource`]: the output of `amsp cook` (catalog and packs).
//! - [`MemorySource`]: assets held in memory (embedded bytes, tests).
//! - [`CachingSource`]: another source's chunks kept in a [`DiskCache`]
//!   (the disk cache, L2: content-addressed, size-capped, verified).
//! - [`conformance::check_source`]: the `AssetSource` contract as one check
//!   for the tests of every source.
//! - [`vfs::Vfs`]: a mount table of sources, later mounts overriding
//!   earlier ones (patches, mods); [`vfs::FileTree`]s of source files in
//!   folders, zip archives and embedded bytes.
//! - [`RefreshSource`]: a source of files that can be told which changed
//!   (development mode, hot reload).
//!
//! ```
//! use amsp_core::{AssetId, AssetPath};
//! use amsp_io::{AssetSource, MemorySource};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut source = MemorySource::new("embedded");
//! let id = AssetId::from_u128(7);
//! source.insert(id, AssetPath::new("config/game.json")?, "json", vec![b"{}".to_vec()], vec![]);
//!
//! assert_eq!(source.resolve(&AssetPath::new("config/game.json")?), Some(id));
//! let mut bytes = Vec::new();
//! source.read_chunk(id, 0, &mut bytes)?;
//! assert_eq!(bytes, b"{}");
//! # Ok(())
//! # }
//! ```

pub mod conformance;
mod cooked;
pub mod disk_cache;
mod memory;
mod refresh;
mod source;
pub mod vfs;

pub use cooked::{CATALOG_FILE, CookedSource, OpenError};
pub use disk_cache::{
    CacheKey, CachingSource, DiskCache, DiskCacheConfig, DiskCacheError, DiskCacheStats,
    default_cache_dir,
};
pub use memory::MemorySource;
pub use refresh::RefreshSource;
pub use source::{AssetDescriptor, AssetSource, ReadError};
