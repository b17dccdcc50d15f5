//! Deciding what a cook run must do: which sources are new or changed, which
//! must re-cook because a dependency changed, which are gone.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use amsp_catalog::AssetRecord;
use amsp_core::{AssetId, AssetPath, Codec, ContentHash};
use rayon::prelude::*;

use crate::error::CookError;
use crate::importer::{Importer, ImporterRegistry};
use crate::meta::AssetMeta;
use crate::scan::SourceFile;

/// A source file with its sidecar, importer and cook key.
pub(crate) struct Source {
    pub file: SourceFile,
    pub meta: AssetMeta,
    pub importer: Arc<dyn Importer>,
    /// Hash of everything the cooked output depends on, except dependencies.
    pub key: ContentHash,
    pub size: u64,
    /// Sidecar dependencies, resolved to ids.
    pub deps: Vec<AssetId>,
    /// Whether this run wrote the sidecar (not yet flushed to disk).
    pub new_meta: bool,
}

impl Source {
    pub fn id(&self) -> AssetId {
        self.meta.id
    }

    pub fn importer_tag(&self) -> String {
        format!("{}@{}", self.importer.name(), self.importer.version())
    }
}

/// Reads (or creates) each source's sidecar and computes its cook key, in
/// parallel. Failures come back per file.
pub(crate) fn load_sources(
    files: Vec<SourceFile>,
    registry: &ImporterRegistry,
    default_codec: Codec,
    write_meta: bool,
) -> Vec<Result<Source, Box<(AssetPath, CookError)>>> {
    files
        .into_par_iter()
        .map(|file| {
            let path = file.path.clone();
            load_source(file, registry, default_codec, write_meta).map_err(|e| Box::new((path, e)))
        })
        .collect()
}

fn load_source(
    file: SourceFile,
    registry: &ImporterRegistry,
    default_codec: Codec,
    write_meta: bool,
) -> Result<Source, CookError> {
    let importer = registry.find(&file.path).cloned().ok_or_else(|| CookError::Import {
        path: file.path.clone(),
        importer: "none".into(),
        detail: "no importer is registered for this extension".into(),
    })?;
    let existing = AssetMeta::read_for(&file.file)?;
    let new_meta = existing.is_none() && write_meta;
    let meta = match existing {
        Some(meta) => meta,
        None => {
            let meta = AssetMeta::new_random();
            if write_meta {
                meta.write_for_unsynced(&file.file)?;
            }
            meta
        }
    };
    meta.codec_setting(&file.path)?;
    let bytes = std::fs::read(&file.file).map_err(|e| CookError::io(&file.file, e))?;
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"amsp-cook-key/1\0");
    hasher.update(importer.name().as_bytes());
    hasher.update(&importer.version().to_le_bytes());
    hasher.update(&[default_codec.to_byte()]);
    hasher.update(meta.fingerprint().as_bytes());
    hasher.update(&(bytes.len() as u64).to_le_bytes());
    hasher.update(&bytes);
    let key = ContentHash(*hasher.finalize().as_bytes());
    Ok(Source { file, meta, importer, key, size: bytes.len() as u64, deps: Vec::new(), new_meta })
}

/// Gives fresh ids to all but one of the sources sharing an id (a copied file
/// with its sidecar). The one the catalog already knows under that id at the
/// same path keeps it; otherwise the first by path does.
pub(crate) fn fix_duplicate_ids(
    sources: &mut [Source],
    previous: &HashMap<AssetId, AssetRecord>,
    write_meta: bool,
    warnings: &mut Vec<String>,
) -> Vec<(AssetPath, CookError)> {
    let mut by_id: HashMap<AssetId, Vec<usize>> = HashMap::new();
    for (i, s) in sources.iter().enumerate() {
        by_id.entry(s.id()).or_default().push(i);
    }
    let mut failures = Vec::new();
    for (id, indices) in by_id {
        if indices.len() < 2 {
            continue;
        }
        let keeper = indices
            .iter()
            .copied()
            .find(|&i| previous.get(&id).is_some_and(|r| r.path == sources[i].file.path))
            .unwrap_or(indices[0]);
        for &i in indices.iter().filter(|&&i| i != keeper) {
            let fresh = AssetMeta { id: AssetMeta::new_random().id, ..sources[i].meta.clone() };
            if write_meta && let Err(e) = fresh.write_for_unsynced(&sources[i].file.file) {
                failures.push((sources[i].file.path.clone(), e));
                continue;
            }
            warnings.push(format!(
                "{}: id {id} was also used by '{}'; gave it the new id {}",
                sources[i].file.path, sources[keeper].file.path, fresh.id
            ));
            sources[i].meta = fresh;
            sources[i].new_meta = true;
        }
    }
    failures
}

/// Resolves sidecar dependencies to ids; a dependency that is not a source is
/// an error for the dependent.
pub(crate) fn resolve_dependencies(
    sources: &mut [Source],
    by_path: &HashMap<AssetPath, AssetId>,
) -> HashMap<AssetId, CookError> {
    let mut failures = HashMap::new();
    for s in sources.iter_mut() {
        let mut deps = Vec::with_capacity(s.meta.dependencies.len());
        for dep in &s.meta.dependencies {
            match by_path.get(dep) {
                Some(&id) if !deps.contains(&id) => deps.push(id),
                Some(_) => {}
                None => {
                    failures.insert(
                        s.id(),
                        CookError::MissingDependency {
                            path: s.file.path.clone(),
                            dependency: dep.clone(),
                        },
                    );
                }
            }
        }
        s.deps = deps;
    }
    failures
}

/// Finds the assets that lie on dependency cycles and the cycle of each.
pub(crate) fn find_cycles(
    graph: &HashMap<AssetId, Vec<AssetId>>,
) -> HashMap<AssetId, Vec<AssetId>> {
    // Iterative DFS with colours; a back edge closes a cycle made of the
    // stack segment from its target.
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let mut colour: HashMap<AssetId, Colour> = graph.keys().map(|&k| (k, Colour::White)).collect();
    let mut cycles = HashMap::new();
    let mut roots: Vec<AssetId> = graph.keys().copied().collect();
    roots.sort();
    for root in roots {
        if colour[&root] != Colour::White {
            continue;
        }
        let mut stack: Vec<(AssetId, usize)> = vec![(root, 0)];
        colour.insert(root, Colour::Grey);
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let edges = graph.get(&node).map_or(&[][..], Vec::as_slice);
            if *next < edges.len() {
                let dep = edges[*next];
                *next += 1;
                match colour.get(&dep).copied() {
                    Some(Colour::White) => {
                        colour.insert(dep, Colour::Grey);
                        stack.push((dep, 0));
                    }
                    Some(Colour::Grey) => {
                        let start = stack.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                        let mut chain: Vec<AssetId> =
                            stack[start..].iter().map(|&(n, _)| n).collect();
                        chain.push(dep);
                        for &(member, _) in &stack[start..] {
                            cycles.entry(member).or_insert_with(|| rotate(&chain, member));
                        }
                    }
                    _ => {}
                }
            } else {
                colour.insert(node, Colour::Black);
                stack.pop();
            }
        }
    }
    cycles
}

/// The cycle `chain` (first == last) rotated to start and end at `member`.
fn rotate(chain: &[AssetId], member: AssetId) -> Vec<AssetId> {
    let ring = &chain[..chain.len() - 1];
    let at = ring.iter().position(|&n| n == member).unwrap_or(0);
    let mut out: Vec<AssetId> = ring[at..].iter().chain(&ring[..at]).copied().collect();
    out.push(member);
    out
}

/// Everything that (transitively) depends on an asset in `changed`, including
/// `changed` itself.
pub(crate) fn with_dependents(
    changed: &HashSet<AssetId>,
    graph: &HashMap<AssetId, Vec<AssetId>>,
) -> HashSet<AssetId> {
    let mut reverse: HashMap<AssetId, Vec<AssetId>> = HashMap::new();
    for (&node, deps) in graph {
        for &dep in deps {
            reverse.entry(dep).or_default().push(node);
        }
    }
    let mut out = changed.clone();
    let mut queue: VecDeque<AssetId> = changed.iter().copied().collect();
    while let Some(node) = queue.pop_front() {
        for &dependent in reverse.get(&node).map_or(&[][..], Vec::as_slice) {
            if out.insert(dependent) {
                queue.push_back(dependent);
            }
        }
    }
    out
}

/// Marks, until nothing changes, every asset to cook whose dependency failed.
pub(crate) fn propagate_failures(
    failed: &mut HashMap<AssetId, CookError>,
    to_cook: &HashSet<AssetId>,
    graph: &HashMap<AssetId, Vec<AssetId>>,
    path_of: &impl Fn(AssetId) -> Option<AssetPath>,
) {
    loop {
        let mut newly = Vec::new();
        for id in to_cook.iter().filter(|id| !failed.contains_key(id)) {
            let deps = graph.get(id).map_or(&[][..], Vec::as_slice);
            if let Some(&dep) = deps.iter().find(|d| failed.contains_key(d))
                && let (Some(path), Some(dependency)) = (path_of(*id), path_of(dep))
            {
                newly.push((*id, CookError::DependencyFailed { path, dependency }));
            }
        }
        if newly.is_empty() {
            return;
        }
        failed.extend(newly);
    }
}

/// Whether the source of `record` now lives at another path (its old row
/// names a path the asset no longer has).
pub(crate) fn moved(record: &AssetRecord, by_id: &HashMap<AssetId, &Source>) -> bool {
    by_id.get(&record.id).is_some_and(|s| s.file.path != record.path)
}

/// A failed asset whose previous cooked copy lives in a pack that is being
/// deleted without it: its row would point nowhere, so it goes.
pub(crate) fn lost_location(
    id: AssetId,
    previous: &HashMap<AssetId, AssetRecord>,
    retired: &[String],
    relocated: &[AssetRecord],
) -> bool {
    previous.get(&id).and_then(|r| r.location.as_ref()).is_some_and(|l| retired.contains(&l.pack))
        && !relocated.iter().any(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> AssetId {
        AssetId::from_u128(n)
    }

    #[test]
    fn cycles_are_found_with_their_chain() {
        let graph: HashMap<_, _> = [
            (id(1), vec![id(2)]),
            (id(2), vec![id(3)]),
            (id(3), vec![id(1)]),
            (id(4), vec![id(4)]),
            (id(5), vec![id(1), id(6)]),
            (id(6), vec![]),
        ]
        .into_iter()
        .collect();
        let cycles = find_cycles(&graph);
        assert_eq!(cycles.len(), 4);
        assert_eq!(cycles[&id(2)], vec![id(2), id(3), id(1), id(2)]);
        assert_eq!(cycles[&id(4)], vec![id(4), id(4)]);
        assert!(!cycles.contains_key(&id(5)) && !cycles.contains_key(&id(6)));
    }

    #[test]
    fn dependents_follow_reverse_edges_transitively() {
        let graph: HashMap<_, _> =
            [(id(1), vec![]), (id(2), vec![id(1)]), (id(3), vec![id(2)]), (id(4), vec![])]
                .into_iter()
                .collect();
        let out = with_dependents(&[id(1)].into_iter().collect(), &graph);
        assert_eq!(out, [id(1), id(2), id(3)].into_iter().collect());
    }
}
