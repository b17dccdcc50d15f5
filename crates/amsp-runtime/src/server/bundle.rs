//! Bundles: named groups of assets loaded and unloaded together, and the
//! progress of loads for loading screens.

use std::collections::HashMap;
use std::sync::Arc;

use amsp_core::{AssetId, AssetPath, PathError, Priority};
use amsp_io::AssetSource;
use serde::Deserialize;

use super::Inner;
use crate::handle::ErasedHandle;
use crate::slot::{FAILED, LEVEL_FULL, LOADED, UNLOADED};

/// The largest bundle file [`Bundle::parse`] reads (1 MiB of text).
pub const MAX_BUNDLE_FILE: usize = 1 << 20;

/// A named group of assets that load and unload together: a level, a UI
/// screen, a character with everything it uses.
///
/// Made from a list of ids ([`new`](Self::new)), from the assets of the
/// source with a tag ([`from_tag`](Self::from_tag)), or from a bundle file
/// ([`parse`](Self::parse)) listing paths and tags. Load one with
/// [`AssetServer::load_bundle`](crate::AssetServer::load_bundle).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The bundle's name: loading another bundle of the same name replaces
    /// it.
    pub name: String,
    /// Its assets, each once, in the order given.
    pub assets: Vec<AssetId>,
}

/// Why a bundle file could not be read.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The text is longer than [`MAX_BUNDLE_FILE`].
    #[error("bundle file {file}: {size} bytes, over the limit of {MAX_BUNDLE_FILE}")]
    TooLarge {
        /// The file, as the caller named it.
        file: String,
        /// Its size.
        size: usize,
    },
    /// The text is not a bundle (RON syntax, or fields missing).
    #[error("bundle file {file}: {detail}")]
    Syntax {
        /// The file.
        file: String,
        /// What is wrong, with the position.
        detail: String,
    },
    /// A listed path is not a valid asset path.
    #[error("bundle file {file}: {source}")]
    BadPath {
        /// The file.
        file: String,
        /// Why the path is invalid.
        #[source]
        source: PathError,
    },
    /// A listed path is not in the source.
    #[error("bundle file {file}: {path} is not in {source_name}")]
    NotFound {
        /// The file.
        file: String,
        /// The path.
        path: AssetPath,
        /// The source asked.
        source_name: String,
    },
}

/// A bundle file, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BundleFile {
    name: String,
    #[serde(default)]
    assets: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
}

impl Bundle {
    /// A bundle of `assets` (repeats dropped).
    #[must_use]
    pub fn new(name: impl Into<String>, assets: impl IntoIterator<Item = AssetId>) -> Self {
        let mut seen = std::collections::HashSet::new();
        let assets = assets.into_iter().filter(|id| seen.insert(*id)).collect();
        Self { name: name.into(), assets }
    }

    /// The assets of `source` tagged `tag` (from the catalog the cook
    /// wrote), in id order.
    #[must_use]
    pub fn from_tag(name: impl Into<String>, source: &dyn AssetSource, tag: &str) -> Self {
        let mut ids = source.tagged(tag);
        ids.sort_unstable();
        Self::new(name, ids)
    }

    /// Reads a bundle file (RON), resolving its paths in `source`:
    ///
    /// ```ron
    /// (
    ///     name: "forest",
    ///     assets: ["levels/forest.prefab.ron", "audio/birds.ogg"],
    ///     tags: ["forest"],
    /// )
    /// ```
    ///
    /// `file` names the file in errors. Listed assets come first, in
    /// order, then each tag's assets in id order.
    ///
    /// # Errors
    /// [`BundleError`] for text over the limit, bad syntax, an invalid
    /// path, or a path the source does not have.
    pub fn parse(file: &str, text: &str, source: &dyn AssetSource) -> Result<Self, BundleError> {
        if text.len() > MAX_BUNDLE_FILE {
            return Err(BundleError::TooLarge { file: file.to_owned(), size: text.len() });
        }
        let parsed: BundleFile = ron::from_str(text)
            .map_err(|e| BundleError::Syntax { file: file.to_owned(), detail: e.to_string() })?;
        let mut ids = Vec::with_capacity(parsed.assets.len());
        for listed in &parsed.assets {
            let path = AssetPath::new(listed)
                .map_err(|source| BundleError::BadPath { file: file.to_owned(), source })?;
            let id = source.resolve(&path).ok_or_else(|| BundleError::NotFound {
                file: file.to_owned(),
                path,
                source_name: source.name().to_owned(),
            })?;
            ids.push(id);
        }
        for tag in &parsed.tags {
            let mut tagged = source.tagged(tag);
            tagged.sort_unstable();
            ids.extend(tagged);
        }
        Ok(Self::new(parsed.name, ids))
    }
}

/// How far loads have got, for a loading screen: from
/// [`AssetServer::progress`](crate::AssetServer::progress) (every request)
/// or [`AssetServer::bundle_progress`](crate::AssetServer::bundle_progress).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Assets (requests) counted.
    pub total: usize,
    /// Of those, loaded.
    pub loaded: usize,
    /// Of those, failed (or cancelled, or unknown to the source).
    pub failed: usize,
    /// Cooked bytes of the loaded ones.
    pub bytes_loaded: u64,
    /// Cooked bytes of all of them, as far as the source knows.
    pub bytes_total: u64,
}

impl Progress {
    /// Assets not finished yet.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.total - self.loaded - self.failed
    }

    /// Whether every asset finished (loaded or failed).
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.pending() == 0
    }

    /// The share done, 0 to 1: by bytes when they are known (a big texture
    /// counts for more than a small table), by count otherwise; a failed
    /// asset counts as done.
    #[must_use]
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            return 1.0;
        }
        let count = (self.loaded + self.failed) as f64 / self.total as f64;
        if self.bytes_total == 0 || self.failed > 0 {
            return count;
        }
        self.bytes_loaded as f64 / self.bytes_total as f64
    }
}

/// A bundle the server holds: a handle per asset (`None`: it could not be
/// requested) and its cooked size.
pub(crate) struct LoadedBundle {
    assets: Vec<(Option<ErasedHandle>, u64)>,
}

impl LoadedBundle {
    fn progress(&self) -> Progress {
        let mut progress = Progress { total: self.assets.len(), ..Progress::default() };
        for (handle, bytes) in &self.assets {
            progress.bytes_total += bytes;
            match handle.as_ref().map(|h| h.slot().core().state_code()) {
                Some(LOADED) => {
                    progress.loaded += 1;
                    progress.bytes_loaded += bytes;
                }
                None | Some(FAILED | UNLOADED) => progress.failed += 1,
                Some(_) => {}
            }
        }
        progress
    }
}

/// The bundles a server holds, by name.
pub(crate) type Bundles = parking_lot::Mutex<HashMap<String, Arc<LoadedBundle>>>;

impl Inner {
    /// Requests every asset of `bundle` as the default type of its cooked
    /// type and holds them under the bundle's name.
    pub(crate) fn load_bundle(&self, bundle: &Bundle, priority: Priority) -> Progress {
        let assets = bundle
            .assets
            .iter()
            .map(|&id| {
                let desc = self.source.describe(id);
                let bytes = desc.as_ref().map_or(0, |d| d.raw_size);
                let asset_type = desc.as_ref().map(|d| d.asset_type.as_str());
                let loader = desc.as_ref().and(self.loaders.read().default_for(asset_type));
                let handle = loader.map(|loader| {
                    let key = (id, loader.output_type(), LEVEL_FULL);
                    let slot = self.request_slot(key, priority, None, || {
                        loader.new_slot(id, priority, Arc::clone(&self.tracker))
                    });
                    ErasedHandle::from_acquired(slot)
                });
                (handle, bytes)
            })
            .collect();
        let loaded = Arc::new(LoadedBundle { assets });
        let progress = loaded.progress();
        // The old bundle of that name goes after the new one holds its
        // assets, so what both hold never becomes unused.
        let old = self.bundles.lock().insert(bundle.name.clone(), loaded);
        drop(old);
        progress
    }

    pub(crate) fn unload_bundle(&self, name: &str) -> bool {
        let removed = self.bundles.lock().remove(name);
        removed.is_some()
    }

    pub(crate) fn bundle_progress(&self, name: &str) -> Option<Progress> {
        let bundle = self.bundles.lock().get(name).cloned()?;
        Some(bundle.progress())
    }

    pub(crate) fn bundle_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.bundles.lock().keys().cloned().collect();
        names.sort();
        names
    }

    /// Progress over every registered request.
    pub(crate) fn progress(&self) -> Progress {
        let mut progress = Progress::default();
        self.registry.for_each(|slot| {
            let core = slot.core();
            let state = core.state_code();
            if state == UNLOADED {
                return;
            }
            progress.total += 1;
            let bytes = if core.level().is_none() {
                self.source.describe(core.id).map_or(0, |d| d.raw_size)
            } else {
                0
            };
            progress.bytes_total += bytes;
            match state {
                LOADED => {
                    progress.loaded += 1;
                    progress.bytes_loaded += bytes;
                }
                FAILED => progress.failed += 1,
                _ => {}
            }
        });
        progress
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_goes_by_bytes_when_known() {
        let p = Progress { total: 4, loaded: 1, failed: 0, bytes_loaded: 900, bytes_total: 1000 };
        assert!((p.fraction() - 0.9).abs() < 1e-9);
        assert_eq!((p.pending(), p.is_done()), (3, false));
        let by_count = Progress { bytes_total: 0, bytes_loaded: 0, ..p };
        assert!((by_count.fraction() - 0.25).abs() < 1e-9);
        assert!((Progress::default().fraction() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn bundles_drop_repeats_and_bad_files_are_errors() {
        let a = AssetId::from_u128(1);
        let b = AssetId::from_u128(2);
        assert_eq!(Bundle::new("x", [a, b, a]).assets, vec![a, b]);
        let source = amsp_io::MemorySource::new("empty");
        let big = "x".repeat(MAX_BUNDLE_FILE + 1);
        assert!(matches!(Bundle::parse("b.ron", &big, &source), Err(BundleError::TooLarge { .. })));
        for bad in ["(", "(name: 3)", "(name: \"a\", extra: 1)", "[1, 2]"] {
            assert!(
                matches!(Bundle::parse("b.ron", bad, &source), Err(BundleError::Syntax { .. })),
                "{bad}"
            );
        }
        let err = Bundle::parse("b.ron", "(name: \"a\", assets: [\"../x\"])", &source).unwrap_err();
        assert!(matches!(err, BundleError::BadPath { .. }), "{err}");
        let err =
            Bundle::parse("b.ron", "(name: \"a\", assets: [\"x.png\"])", &source).unwrap_err();
        assert!(err.to_string().contains("x.png") && err.to_string().contains("b.ron"), "{err}");
    }
}
