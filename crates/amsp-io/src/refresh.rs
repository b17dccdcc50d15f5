//! Sources whose content follows files that change while the program runs.

use amsp_core::{AssetId, AssetPath};

use crate::AssetSource;

/// An [`AssetSource`] built from source files that can be told which files
/// changed, so that it serves their new content (a development source that
/// imports files as they are; hot reload drives it).
///
/// # Note for implementors
/// [`refresh`](RefreshSource::refresh) may block (it reads and imports
/// files) and is called from one thread at a time by a watcher, but reads
/// may run on other threads meanwhile: each read must see either the old
/// version of an asset or the new one, never a mix.
pub trait RefreshSource: AssetSource {
    /// The folder on disk whose files this source serves, to be watched;
    /// `None` for a source without one (an archive, embedded bytes).
    fn watch_root(&self) -> Option<std::path::PathBuf>;

    /// Reads the files at `changed` again (new, modified or deleted; paths
    /// relative to the source's root, sidecars included) and everything
    /// whose content depends on them, and returns the ids of the assets
    /// whose served content changed: those to reload. An asset whose content
    /// is unchanged is not returned; one that disappeared is.
    fn refresh(&self, changed: &[AssetPath]) -> Vec<AssetId>;
}
