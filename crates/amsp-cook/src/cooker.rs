//! The cook run: scan, plan, import in parallel, pack, commit the catalog.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use amsp_catalog::{AssetRecord, Catalog, Location, PackRecord};
use amsp_core::{AssetId, AssetPath};
use amsp_pack::{PackReader, PreparedEntry};
use rayon::prelude::*;

use crate::error::CookError;
use crate::importer::{ImportInput, ImporterRegistry, SourceSet, sub_asset_id};
use crate::layout::{PACK_DIR, PackSetWriter, Placed, clean_packs_dir, lock_output};
use crate::options::{CookOptions, CookProgress};
use crate::plan::{self, Source, lost_location, moved, propagate_failures};
use crate::report::{CookFailure, CookReport};

/// File name of the catalog inside the output folder.
pub const CATALOG_FILE: &str = "catalog.db";

/// Cooks a source folder into packs and a catalog in an output folder.
pub struct Cooker {
    src: PathBuf,
    out: PathBuf,
    registry: ImporterRegistry,
    options: CookOptions,
    progress: Option<Arc<dyn CookProgress>>,
}

impl std::fmt::Debug for Cooker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cooker")
            .field("src", &self.src)
            .field("out", &self.out)
            .finish_non_exhaustive()
    }
}

/// One asset imported and compressed in this run.
struct Cooked {
    record: AssetRecord,
    entry: PreparedEntry,
}

impl Cooker {
    /// A cooker from `src` into `out` with the built-in importers.
    pub fn new(src: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Self {
        Self {
            src: src.into(),
            out: out.into(),
            registry: ImporterRegistry::with_defaults(),
            options: CookOptions::default(),
            progress: None,
        }
    }

    /// The importer registry, to add importers.
    pub fn registry_mut(&mut self) -> &mut ImporterRegistry {
        &mut self.registry
    }

    /// Replaces the options.
    #[must_use]
    pub fn with_options(mut self, options: CookOptions) -> Self {
        self.options = options;
        self
    }

    /// Sets a progress receiver.
    #[must_use]
    pub fn with_progress(mut self, progress: Arc<dyn CookProgress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Runs the cook.
    ///
    /// Per-asset failures do not stop the run: they are listed in the report
    /// and the asset keeps its previous cooked version, if any. The output is
    /// changed atomically: new packs are complete and synced before the
    /// catalog transaction that references them commits, and superseded packs
    /// are deleted only after it.
    ///
    /// # Errors
    /// Failures of the run itself: the source folder is unreadable, the output
    /// cannot be written, the catalog fails, or another cook holds the output.
    pub fn run(&self) -> Result<CookReport, CookError> {
        let started = Instant::now();
        let threads = self.options.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        });
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("amsp-cook-{i}"))
            .build()
            .map_err(|e| CookError::io(&self.out, std::io::Error::other(e)))?;
        let mut report = pool.install(|| self.run_inner())?;
        report.threads = threads;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    fn run_inner(&self) -> Result<CookReport, CookError> {
        let mut report = CookReport::default();
        let packs_dir = self.out.join(PACK_DIR);
        std::fs::create_dir_all(&packs_dir).map_err(|e| CookError::io(&packs_dir, e))?;
        let _lock = lock_output(&self.out)?;
        let mut catalog = Catalog::open(self.out.join(CATALOG_FILE))?;

        // What the previous run left.
        let previous: HashMap<AssetId, AssetRecord> =
            catalog.all()?.into_iter().map(|r| (r.id, r)).collect();
        let known_packs = catalog.packs()?;
        let next_seq = clean_packs_dir(&packs_dir, &known_packs)?;
        let mut readers: HashMap<String, PackReader> = HashMap::new();
        for pack in &known_packs {
            match PackReader::open(self.out.join(&pack.name)) {
                Ok(reader) => {
                    readers.insert(pack.name.clone(), reader);
                }
                Err(e) => report.warnings.push(format!("{e}; its assets will be re-cooked")),
            }
        }

        // Sources, sidecars and cook keys. A source that cannot be read now
        // (or lies in a folder that cannot be listed) keeps its previous
        // cooked version instead of disappearing from the catalog.
        let previous_by_path: HashMap<AssetPath, AssetId> =
            previous.values().map(|r| (r.path.clone(), r.id)).collect();
        let mut previous_subs: HashMap<AssetId, Vec<&AssetRecord>> = HashMap::new();
        for r in previous.values().filter(|r| r.path.label().is_some()) {
            if let Some(&parent) = previous_by_path.get(&r.path.without_label()) {
                previous_subs.entry(parent).or_default().push(r);
            }
        }
        let (files, scan_errors) = crate::scan::scan(&self.src, Some(&self.out))?;
        let mut kept: HashMap<AssetId, AssetPath> = HashMap::new();
        let mut kept_errors: Vec<(AssetId, CookError)> = Vec::new();
        let mut failures: Vec<(String, CookError)> = Vec::new();
        for e in scan_errors {
            if let CookError::Io { path, .. } = &e
                && let Ok(relative) = path.strip_prefix(&self.src)
                && let Some(prefix) = relative.to_str().map(|p| p.replace('\\', "/"))
            {
                for record in previous.values().filter(|r| under(&r.path, &prefix)) {
                    kept.insert(record.id, record.path.clone());
                }
            }
            failures.push((error_path(&e), e));
        }
        let mut sources = Vec::new();
        for result in plan::load_sources(
            files,
            &self.registry,
            self.options.default_codec,
            self.options.write_meta,
        ) {
            match result {
                Ok(source) => sources.push(source),
                Err(failure) => {
                    let (path, e) = *failure;
                    match previous_by_path.get(&path) {
                        Some(&id) => {
                            kept.insert(id, path);
                            kept_errors.push((id, e));
                        }
                        None => failures.push((path.to_string(), e)),
                    }
                }
            }
        }
        for (path, e) in plan::fix_duplicate_ids(
            &mut sources,
            &previous,
            self.options.write_meta,
            &mut report.warnings,
        ) {
            sources.retain(|s| s.file.path != path);
            failures.push((path.to_string(), e));
        }
        for s in &sources {
            kept.remove(&s.id());
        }
        let mut by_path: HashMap<AssetPath, AssetId> =
            kept.iter().map(|(&id, path)| (path.clone(), id)).collect();
        by_path.extend(sources.iter().map(|s| (s.file.path.clone(), s.id())));
        let mut failed: HashMap<AssetId, CookError> =
            plan::resolve_dependencies(&mut sources, &by_path);
        failed.extend(kept_errors.into_iter().filter(|(id, _)| kept.contains_key(id)));

        // What must be cooked: new, changed or moved sources, sources whose
        // pack is unreadable, and everything that depends on them.
        let source_ids: HashSet<AssetId> =
            sources.iter().map(Source::id).chain(kept.keys().copied()).collect();
        let graph: HashMap<AssetId, Vec<AssetId>> = sources
            .iter()
            .map(|s| (s.id(), s.deps.clone()))
            .chain(kept.keys().map(|&id| (id, Vec::new())))
            .map(|(id, mut deps)| {
                if let Some(prev) = previous.get(&id) {
                    deps.extend(prev.dependencies.iter().filter(|d| source_ids.contains(d)));
                }
                deps.sort();
                deps.dedup();
                (id, deps)
            })
            .collect();
        let changed: HashSet<AssetId> = sources
            .iter()
            .filter(|s| match previous.get(&s.id()) {
                None => true,
                Some(prev) => {
                    prev.source_hash != s.key
                        || prev.path != s.file.path
                        || prev.importer != s.importer_tag()
                        || prev.location.as_ref().is_none_or(|l| !readers.contains_key(&l.pack))
                        || previous_subs.get(&s.id()).is_some_and(|subs| {
                            subs.iter().any(|sub| {
                                sub.location.as_ref().is_none_or(|l| !readers.contains_key(&l.pack))
                            })
                        })
                }
            })
            .map(Source::id)
            .collect();
        let to_cook = plan::with_dependents(&changed, &graph);

        let by_id: HashMap<AssetId, &Source> = sources.iter().map(|s| (s.id(), s)).collect();
        let path_of = |id: AssetId| {
            by_id
                .get(&id)
                .map(|s| s.file.path.clone())
                .or_else(|| previous.get(&id).map(|r| r.path.clone()))
        };
        for (id, chain) in plan::find_cycles(&graph) {
            if let Some(path) = path_of(id) {
                let chain = chain.into_iter().filter_map(path_of).collect();
                failed.entry(id).or_insert(CookError::DependencyCycle { path, chain });
            }
        }
        propagate_failures(&mut failed, &to_cook, &graph, &path_of);
        report.unchanged = sources.iter().filter(|s| !to_cook.contains(&s.id())).count();

        // Import and compress in bounded parallel batches, then pack.
        let mut cook_list: Vec<&Source> = sources
            .iter()
            .filter(|s| to_cook.contains(&s.id()) && !failed.contains_key(&s.id()))
            .collect();
        cook_list.sort_by(|a, b| a.file.path.cmp(&b.file.path));
        if let Some(p) = &self.progress {
            p.start(cook_list.len() as u64);
        }
        let source_set = CookSources {
            by_path: &by_path,
            files: sources.iter().map(|s| (&s.file.path, &s.file.file)).collect(),
        };
        let mut writer =
            PackSetWriter::new(&self.out, next_seq, self.options.max_pack_bytes, self.options.pack);
        let mut cooked: Vec<AssetRecord> = Vec::new();
        // Sub-assets cooked in this run, with their source.
        let mut sub_parent: HashMap<AssetId, AssetId> = HashMap::new();
        for batch in cook_list.chunks(self.options.batch_size.max(1)) {
            let results: Vec<Result<Vec<Cooked>, CookError>> =
                batch.par_iter().map(|s| self.cook_one(s, &source_set, &previous)).collect();
            for (source, result) in batch.iter().zip(results) {
                match result {
                    Ok(assets) => {
                        for c in assets {
                            if let Err(e) = writer.add(c.entry) {
                                writer.discard();
                                return Err(e);
                            }
                            if c.record.id != source.id() {
                                sub_parent.insert(c.record.id, source.id());
                            }
                            cooked.push(c.record);
                        }
                    }
                    Err(e) => {
                        failed.insert(source.id(), e);
                    }
                }
            }
        }
        if let Some(p) = &self.progress {
            p.finish();
        }
        // A dependency that failed during import fails its dependents too.
        propagate_failures(&mut failed, &to_cook, &graph, &path_of);
        cooked.retain(|r| !failed.contains_key(sub_parent.get(&r.id).unwrap_or(&r.id)));

        // Assets gone with their source, and sub-assets gone with theirs:
        // its source is gone, failed after moving, or was cooked again
        // without them.
        let cooked_ids: HashSet<AssetId> = cooked.iter().map(|r| r.id).collect();
        let mut removed: Vec<AssetId> = previous
            .values()
            .filter(|r| r.path.label().is_none() && !source_ids.contains(&r.id))
            .map(|r| r.id)
            .collect();
        for r in previous.values().filter(|r| r.path.label().is_some()) {
            let parent = previous_by_path.get(&r.path.without_label()).copied();
            let keep = parent.is_some_and(|parent| {
                source_ids.contains(&parent)
                    && !(failed.contains_key(&parent)
                        && previous.get(&parent).is_some_and(|p| moved(p, &by_id)))
                    && (!cooked_ids.contains(&parent) || cooked_ids.contains(&r.id))
            });
            if !keep {
                removed.push(r.id);
            }
        }

        // Compaction: old packs whose live bytes fell below the threshold.
        let superseded: HashSet<AssetId> =
            cooked.iter().map(|r| r.id).chain(removed.iter().copied()).collect();
        let mut relocated: Vec<AssetRecord> = Vec::new();
        let mut retired: Vec<String> = Vec::new();
        if !superseded.is_empty() {
            for pack in &known_packs {
                let live: Vec<&AssetRecord> = previous
                    .values()
                    .filter(|r| r.location.as_ref().is_some_and(|l| l.pack == pack.name))
                    .filter(|r| !superseded.contains(&r.id))
                    // A failed asset that moved loses its old row (below).
                    .filter(|r| !(failed.contains_key(&r.id) && moved(r, &by_id)))
                    .collect();
                let live_bytes: u64 = live.iter().map(|r| r.stored_size).sum();
                let Some(reader) = readers.get(&pack.name) else {
                    retired.push(pack.name.clone());
                    continue;
                };
                let sparse =
                    (live_bytes as f64) < self.options.compact_below * pack.file_len as f64;
                if live.is_empty() || sparse {
                    for record in live {
                        let Some(index) = reader.find(record.id) else { continue };
                        if let Err(e) = writer.copy(reader, index) {
                            writer.discard();
                            return Err(e);
                        }
                        relocated.push(record.clone());
                    }
                    retired.push(pack.name.clone());
                }
            }
        }
        let (new_packs, placed) = writer.finish()?;
        let placed: HashMap<AssetId, Placed> = placed.into_iter().collect();

        // Sidecars written in this run must be on disk before the catalog
        // records their ids.
        let created: Vec<PathBuf> = sources
            .iter()
            .filter(|s| s.new_meta)
            .map(|s| crate::meta::AssetMeta::sidecar_path(&s.file.file))
            .collect();
        if let Err(e) = crate::atomic::sync_tree(&self.src, &created) {
            for (name, _) in &new_packs {
                let _ = std::fs::remove_file(self.out.join(name));
            }
            return Err(CookError::io(&self.src, e));
        }

        // One catalog transaction makes the new state visible.
        let commit = (|| -> Result<(), CookError> {
            let tx = catalog.transaction()?;
            let moving: Vec<AssetId> = cooked
                .iter()
                .filter(|r| previous.get(&r.id).is_some_and(|p| p.path != r.path))
                .map(|r| r.id)
                .chain(
                    failed
                        .keys()
                        .filter(|id| previous.get(id).is_some_and(|r| moved(r, &by_id)))
                        .copied(),
                )
                .chain(
                    failed
                        .keys()
                        .filter(|id| lost_location(**id, &previous, &retired, &relocated))
                        .copied(),
                )
                .collect();
            for id in removed.iter().chain(&moving) {
                tx.remove_asset(*id)?;
            }
            for mut record in cooked.iter().cloned().chain(relocated.iter().cloned()) {
                if let Some(p) = placed.get(&record.id) {
                    record.location = Some(Location { pack: p.pack.clone(), entry: p.entry });
                    record.stored_size = p.stored_size;
                }
                tx.upsert_asset(&record)?;
            }
            for (name, summary) in &new_packs {
                tx.upsert_pack(&PackRecord {
                    name: name.clone(),
                    uuid: hex(&summary.uuid),
                    file_len: summary.file_len,
                    entry_count: u32::try_from(summary.entries.len()).unwrap_or(u32::MAX),
                })?;
            }
            for name in &retired {
                tx.remove_pack(name)?;
            }
            tx.commit()?;
            Ok(())
        })();
        if let Err(e) = commit {
            for (name, _) in &new_packs {
                let _ = std::fs::remove_file(self.out.join(name));
            }
            return Err(e);
        }
        for name in &retired {
            let _ = std::fs::remove_file(self.out.join(name));
        }
        let _ = crate::atomic::sync_dir(&packs_dir);

        report.cooked = cooked.len();
        report.source_bytes = cooked.iter().map(|r| r.source_size).sum();
        report.cooked_bytes = cooked.iter().map(|r| r.cooked_size).sum();
        report.stored_bytes =
            cooked.iter().filter_map(|r| placed.get(&r.id)).map(|p| p.stored_size).sum();
        report.removed = removed.len();
        report.relocated = relocated.len();
        report.packs_written = new_packs.into_iter().map(|(name, _)| name).collect();
        report.packs_removed = retired;
        failures.extend(
            failed
                .into_iter()
                .map(|(id, e)| (path_of(id).map_or_else(|| id.to_string(), |p| p.to_string()), e)),
        );
        failures.sort_by(|a, b| a.0.cmp(&b.0));
        report.failed = failures.len();
        report.errors = failures
            .into_iter()
            .map(|(path, e)| CookFailure { path, error: e.to_string() })
            .collect();
        Ok(report)
    }

    /// Imports one source and prepares its entry and those of its
    /// sub-assets (the source's own first).
    fn cook_one(
        &self,
        source: &Source,
        sources: &CookSources<'_>,
        previous: &HashMap<AssetId, AssetRecord>,
    ) -> Result<Vec<Cooked>, CookError> {
        let path = &source.file.path;
        let result = (|| {
            let bytes = std::fs::read(&source.file.file)
                .map_err(|e| CookError::io(&source.file.file, e))?;
            let import_error = |detail: String| CookError::Import {
                path: path.clone(),
                importer: source.importer.name().to_owned(),
                detail,
            };
            let mut imported = source
                .importer
                .import_with_sources(
                    &ImportInput { path, bytes: &bytes, meta: &source.meta },
                    sources,
                )
                .map_err(|e| import_error(e.0))?;
            let subs = std::mem::take(&mut imported.sub_assets);
            let mut labels = HashSet::new();
            for sub in &subs {
                path.with_label(&sub.label).map_err(|e| import_error(e.to_string()))?;
                if !labels.insert(sub.label.clone()) {
                    return Err(import_error(format!(
                        "two sub-assets are labelled {:?}",
                        sub.label
                    )));
                }
                if !sub.asset.sub_assets.is_empty() {
                    return Err(import_error(format!(
                        "sub-asset {:?} has sub-assets of its own",
                        sub.label
                    )));
                }
            }
            // A dependency is a source of this run, a sub-asset of this
            // source, or a sub-asset of another source (by its derived id).
            let resolve = |dep: &AssetPath| -> Result<AssetId, CookError> {
                let missing =
                    || CookError::MissingDependency { path: path.clone(), dependency: dep.clone() };
                match dep.label() {
                    None => sources.by_path.get(dep).copied().ok_or_else(missing),
                    Some(label) if dep.without_label() == *path => labels
                        .contains(label)
                        .then(|| sub_asset_id(source.id(), label))
                        .ok_or_else(missing),
                    Some(label) => sources
                        .by_path
                        .get(&dep.without_label())
                        .map(|&parent| sub_asset_id(parent, label))
                        .ok_or_else(missing),
                }
            };
            let mut tags = source.meta.tags.clone();
            tags.sort();
            tags.dedup();
            let mut out = Vec::with_capacity(1 + subs.len());
            let main = std::iter::once((source.id(), path.clone(), source.deps.clone(), imported));
            let rest = subs.into_iter().map(|sub| {
                let sub_path = path.with_label(&sub.label).unwrap_or_else(|_| path.clone());
                (sub_asset_id(source.id(), &sub.label), sub_path, Vec::new(), sub.asset)
            });
            for (id, asset_path, mut dependencies, imported) in main.chain(rest) {
                for dep in &imported.dependencies {
                    let dep_id = resolve(dep)?;
                    if dep_id != id && !dependencies.contains(&dep_id) {
                        dependencies.push(dep_id);
                    }
                }
                let codec = source
                    .meta
                    .codec_setting(path)?
                    .or(imported.codec)
                    .unwrap_or(self.options.default_codec);
                let chunks: Vec<&[u8]> = imported.chunks.iter().map(Vec::as_slice).collect();
                let entry = PreparedEntry::new(id, &chunks, codec, &self.options.pack);
                let version = match previous.get(&id) {
                    Some(p) if p.content_hash == entry.content_hash() => p.version,
                    Some(p) => p.version + 1,
                    None => 1,
                };
                let is_source = id == source.id();
                let record = AssetRecord {
                    id,
                    path: asset_path,
                    asset_type: imported.asset_type,
                    version,
                    content_hash: entry.content_hash(),
                    source_hash: source.key,
                    importer: source.importer_tag(),
                    // The source's bytes are counted once, on its own asset.
                    source_size: if is_source { source.size } else { 0 },
                    cooked_size: entry.raw_size(),
                    stored_size: entry.stored_size(),
                    codec: entry.codec(),
                    location: None,
                    chunk_count: entry.chunk_count(),
                    dependencies,
                    tags: tags.clone(),
                    lods: imported.lods,
                    metadata: imported.metadata,
                };
                out.push(Cooked { record, entry });
            }
            Ok(out)
        })();
        if let Some(p) = &self.progress {
            p.advance(path);
        }
        result
    }
}

/// The sources of this run, for importers that read other sources.
struct CookSources<'a> {
    by_path: &'a HashMap<AssetPath, AssetId>,
    files: HashMap<&'a AssetPath, &'a PathBuf>,
}

impl SourceSet for CookSources<'_> {
    fn contains(&self, path: &AssetPath) -> bool {
        self.by_path.contains_key(path)
    }

    fn read(&self, path: &AssetPath) -> Option<Vec<u8>> {
        std::fs::read(self.files.get(path)?).ok()
    }

    fn size(&self, path: &AssetPath) -> Option<u64> {
        std::fs::metadata(self.files.get(path)?).ok().map(|m| m.len())
    }
}

/// Whether `path` is `prefix` or lies below it.
fn under(path: &AssetPath, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    prefix.is_empty()
        || path.as_str() == prefix
        || path.as_str().strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
}

fn error_path(e: &CookError) -> String {
    match e {
        CookError::Io { path, .. }
        | CookError::BadPath { path, .. }
        | CookError::Meta { path, .. } => path.display().to_string(),
        other => other.to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
