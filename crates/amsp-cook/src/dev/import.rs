//! Importing one source file of a development tree: its sidecar, its
//! importer, its assets (the file's own and its sub-assets) and their
//! dependencies, resolved by path like the cook does.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use amsp_core::{AssetId, AssetPath};
use amsp_io::vfs::{FileTree, TreeError};

use super::DevOptions;
use crate::importer::{ImportInput, ImporterRegistry, SourceSet, sub_asset_id};
use crate::meta::{AssetMeta, META_EXTENSION};

/// Attempts at reading a file whose read fails with a transient error (an
/// editor holding it, a network folder), and the first pause between them;
/// the pause doubles each time.
const READ_ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(2);

/// The id of a source file without a sidecar: the first 16 bytes of a
/// BLAKE3 hash of its path. Stable as long as the file keeps its path.
#[must_use]
pub fn path_id(path: &AssetPath) -> AssetId {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"amsp-dev-path/1\0");
    hasher.update(path.as_str().as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
    let id = AssetId::from_le_bytes(bytes);
    if id.is_nil() { AssetId::from_u128(1) } else { id }
}

/// Whether `path` is hidden (a segment starts with `.`): the cook skips
/// such files and folders (`.git/`, editors' `.x.swp`), and so does
/// development mode.
pub(super) fn is_hidden(path: &AssetPath) -> bool {
    path.as_str().split('/').any(|segment| segment.starts_with('.'))
}

/// Whether `path` names a sidecar (`x.png.meta`) rather than a source.
pub(super) fn is_sidecar(path: &AssetPath) -> bool {
    path.file_name()
        .strip_suffix(META_EXTENSION)
        .is_some_and(|stem| stem.len() > 1 && stem.ends_with('.'))
}

/// The source a sidecar belongs to (`x.png` for `x.png.meta`).
pub(super) fn sidecar_source(path: &AssetPath) -> Option<AssetPath> {
    if !is_sidecar(path) {
        return None;
    }
    let text = path.as_str();
    AssetPath::new(&text[..text.len() - META_EXTENSION.len() - 1]).ok()
}

/// A source file's identity: its id and sidecar, or why its sidecar is
/// unusable.
pub(super) struct Identity {
    pub path: AssetPath,
    pub meta: AssetMeta,
    /// A sidecar that exists but cannot be read or parsed.
    pub problem: Option<String>,
}

/// Reads the sidecar of `path`, if any (without one the id is
/// [`path_id`]), and adds the `defaults` settings for its extension that
/// the sidecar does not set.
pub(super) fn identify(tree: &dyn FileTree, path: &AssetPath, defaults: &DevOptions) -> Identity {
    let fallback = AssetMeta::with_id(path_id(path));
    let Ok(sidecar) = AssetPath::new(&format!("{path}.{META_EXTENSION}")) else {
        return Identity { path: path.clone(), meta: fallback, problem: None };
    };
    let (meta, problem) = match read_retrying(tree, &sidecar) {
        Ok(bytes) => match std::str::from_utf8(&bytes) {
            Ok(text) => match AssetMeta::parse(Path::new(sidecar.as_str()), text) {
                Ok(meta) => (meta, None),
                Err(e) => (fallback, Some(e.to_string())),
            },
            Err(e) => (fallback, Some(format!("sidecar {sidecar} is not UTF-8: {e}"))),
        },
        Err(TreeError::NotFound { .. }) => (fallback, None),
        Err(e) => (fallback, Some(format!("sidecar: {e}"))),
    };
    let mut meta = meta;
    if let Some(settings) =
        path.extension().and_then(|ext| defaults.default_settings.get(&ext.to_ascii_lowercase()))
    {
        for (key, value) in settings {
            meta.settings.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    Identity { path: path.clone(), meta, problem }
}

/// Reads a file, retrying transient failures a few times with a doubling
/// pause.
pub(super) fn read_retrying(tree: &dyn FileTree, path: &AssetPath) -> Result<Vec<u8>, TreeError> {
    let mut pause = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        match tree.read(path) {
            Err(e) if e.is_transient() && attempt < READ_ATTEMPTS => {
                std::thread::sleep(pause);
                pause *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// What one asset of a file is served as.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Served {
    /// Imported: its cooked type, chunks and dependencies.
    Ok { asset_type: String, chunks: Vec<Vec<u8>>, dependencies: Vec<AssetId> },
    /// The import failed: reads of it fail with this message.
    Failed { detail: String },
}

/// The outcome of importing one source file.
pub(super) struct FileImport {
    pub path: AssetPath,
    /// The file's own asset first, then its sub-assets.
    pub assets: Vec<(AssetId, AssetPath, Served)>,
    /// Sources whose content or presence this outcome depends on.
    pub reads: Vec<AssetPath>,
}

impl FileImport {
    fn failed(identity: &Identity, reads: Vec<AssetPath>, detail: String) -> Self {
        Self {
            path: identity.path.clone(),
            assets: vec![(identity.meta.id, identity.path.clone(), Served::Failed { detail })],
            reads,
        }
    }

    /// Whether the file's own asset failed.
    pub fn is_failed(&self) -> bool {
        matches!(self.assets.first(), Some((_, _, Served::Failed { .. })))
    }
}

/// The sources an importer may read: the tree's files, by the paths the
/// source knows.
struct TreeSources<'a> {
    tree: &'a dyn FileTree,
    by_path: &'a HashMap<AssetPath, AssetId>,
}

impl SourceSet for TreeSources<'_> {
    fn contains(&self, path: &AssetPath) -> bool {
        self.by_path.contains_key(path)
    }

    fn read(&self, path: &AssetPath) -> Option<Vec<u8>> {
        if !self.contains(path) {
            return None;
        }
        read_retrying(self.tree, path).ok()
    }
}

/// Imports the file `identity` names, resolving dependencies against
/// `by_path` (every source and sub-asset path the source knows).
pub(super) fn import_file(
    tree: &dyn FileTree,
    registry: &ImporterRegistry,
    identity: &Identity,
    bytes: Result<Vec<u8>, TreeError>,
    by_path: &HashMap<AssetPath, AssetId>,
) -> FileImport {
    let path = &identity.path;
    let mut reads = identity.meta.dependencies.clone();
    if let Some(problem) = &identity.problem {
        return FileImport::failed(identity, reads, format!("import failed: {problem}"));
    }
    let Some(importer) = registry.find(path).cloned() else {
        return FileImport::failed(
            identity,
            reads,
            "import failed: no importer is registered for this extension".into(),
        );
    };
    let fail = |reads, detail: String| {
        FileImport::failed(
            identity,
            reads,
            format!("import failed ({} importer): {detail}", importer.name()),
        )
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(e) => return fail(reads, e.to_string()),
    };
    if let Err(e) = identity.meta.codec_setting(path) {
        return fail(reads, e.to_string());
    }
    let mut sidecar_deps = Vec::new();
    for dep in &identity.meta.dependencies {
        match by_path.get(dep) {
            Some(&id) if !sidecar_deps.contains(&id) => sidecar_deps.push(id),
            Some(_) => {}
            None => return fail(reads, format!("dependency {dep} is not a source")),
        }
    }
    let sources = TreeSources { tree, by_path };
    let input = ImportInput { path, bytes: &bytes, meta: &identity.meta };
    // An importer must not panic; if one does, the file fails and the
    // watcher driving refreshes lives on.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        importer.import_with_sources(&input, &sources)
    }));
    let mut imported = match result {
        Ok(Ok(imported)) => imported,
        Ok(Err(e)) => return fail(reads, e.0),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return fail(reads, format!("the importer panicked: {message}"));
        }
    };
    reads.extend(imported.dependencies.iter().map(AssetPath::without_label));
    for sub in &imported.sub_assets {
        reads.extend(sub.asset.dependencies.iter().map(AssetPath::without_label));
    }
    match assets_of(identity, &mut imported, sidecar_deps, by_path) {
        Ok(assets) => FileImport { path: path.clone(), assets, reads },
        Err(detail) => fail(reads, detail),
    }
}

/// The file's own asset and its sub-assets, with dependencies resolved as
/// the cook resolves them: a source, a sub-asset of this source, or a
/// sub-asset of another source by its derived id.
fn assets_of(
    identity: &Identity,
    imported: &mut crate::ImportedAsset,
    sidecar_deps: Vec<AssetId>,
    by_path: &HashMap<AssetPath, AssetId>,
) -> Result<Vec<(AssetId, AssetPath, Served)>, String> {
    let path = &identity.path;
    let id = identity.meta.id;
    let subs = std::mem::take(&mut imported.sub_assets);
    let mut labels = HashSet::new();
    for sub in &subs {
        path.with_label(&sub.label).map_err(|e| e.to_string())?;
        if !labels.insert(sub.label.clone()) {
            return Err(format!("two sub-assets are labelled {:?}", sub.label));
        }
        if !sub.asset.sub_assets.is_empty() {
            return Err(format!("sub-asset {:?} has sub-assets of its own", sub.label));
        }
    }
    let resolve = |dep: &AssetPath| -> Result<AssetId, String> {
        let found = match dep.label() {
            None => by_path.get(dep).copied(),
            Some(label) if dep.without_label() == *path => {
                labels.contains(label).then(|| sub_asset_id(id, label))
            }
            Some(label) => by_path.get(&dep.without_label()).map(|&p| sub_asset_id(p, label)),
        };
        found.ok_or_else(|| format!("dependency {dep} is not a source"))
    };
    let main = std::iter::once((id, path.clone(), sidecar_deps, std::mem::take(imported)));
    let rest = subs.into_iter().map(|sub| {
        let sub_path = path.with_label(&sub.label).unwrap_or_else(|_| path.clone());
        (sub_asset_id(id, &sub.label), sub_path, Vec::new(), sub.asset)
    });
    let mut out = Vec::new();
    for (asset_id, asset_path, mut dependencies, asset) in main.chain(rest) {
        for dep in &asset.dependencies {
            let dep_id = resolve(dep)?;
            if dep_id != asset_id && !dependencies.contains(&dep_id) {
                dependencies.push(dep_id);
            }
        }
        let served =
            Served::Ok { asset_type: asset.asset_type, chunks: asset.chunks, dependencies };
        out.push((asset_id, asset_path, served));
    }
    Ok(out)
}
