//! Settings of a cook run and its progress callback.

use amsp_core::{AssetPath, Codec};
use amsp_pack::WriteOptions;

/// Tuning of a cook run.
#[derive(Debug, Clone)]
pub struct CookOptions {
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Codec for assets whose importer and sidecar do not choose one.
    pub default_codec: Codec,
    /// Pack writer options (alignment, zstd level).
    pub pack: WriteOptions,
    /// A new pack is started when the current one would grow past this.
    pub max_pack_bytes: u64,
    /// An old pack whose live bytes fall below this fraction of its size is
    /// compacted: its live entries are copied into the new pack and it is
    /// deleted.
    pub compact_below: f64,
    /// Write `.meta` sidecars for sources that have none (turn off for
    /// read-only source trees; ids are then not stable across runs).
    pub write_meta: bool,
    /// Assets imported and compressed per batch: bounds the memory a run holds.
    pub batch_size: usize,
}

impl Default for CookOptions {
    fn default() -> Self {
        Self {
            threads: None,
            default_codec: Codec::Zstd,
            pack: WriteOptions::default(),
            max_pack_bytes: 1 << 30,
            compact_below: 0.5,
            write_meta: true,
            batch_size: 512,
        }
    }
}

/// Receives progress while a run imports assets (a progress bar, a log).
pub trait CookProgress: Send + Sync {
    /// The run will import `total` assets.
    fn start(&self, total: u64);
    /// One asset was imported (or failed).
    fn advance(&self, path: &AssetPath);
    /// Importing is over.
    fn finish(&self);
}
