//! The cook's prefab importer: RON prefabs and scenes to the cooked form.

use std::collections::HashSet;

use amsp_cook::{ImportError, ImportInput, ImportedAsset, Importer, SourceSet};
use amsp_core::AssetPath;

use super::schema::SchemaRegistry;
use super::text::{CompiledPrefab, ParsedPrefab, PrefabParseError, compile_prefab, parse_prefab};
use super::{MAX_PREFAB_SOURCE_BYTES, PREFAB_TYPE, is_prefab_path};

/// Imports `*.prefab.ron` and `*.scene.ron` sources.
///
/// Checks at cook: the RON syntax and shape (errors name the line),
/// components that have a schema in the importer's [`SchemaRegistry`]
/// (errors name the line and the component), that every asset reference
/// names a source of the cook (errors name the line and the path), and that
/// no chain of nested prefabs leads back to this one (the error names the
/// chain). Every reference becomes a dependency; the output is one chunk in
/// the [binary form](super::binary), with catalog metadata `name`,
/// `entities`, `components` (names) and `references` (paths).
#[derive(Debug, Clone)]
pub struct PrefabImporter {
    schemas: SchemaRegistry,
}

impl Default for PrefabImporter {
    fn default() -> Self {
        Self::new(SchemaRegistry::with_defaults())
    }
}

impl PrefabImporter {
    /// An importer checking components against `schemas`.
    #[must_use]
    pub fn new(schemas: SchemaRegistry) -> Self {
        Self { schemas }
    }

    /// Reads and checks `input` into its cooked form without looking at
    /// other sources (no reference or cycle checks).
    ///
    /// # Errors
    /// [`ImportError`] naming the file and line of the first problem.
    pub fn compile(&self, input: &ImportInput<'_>) -> Result<CompiledPrefab, ImportError> {
        compile_prefab(source_text(input)?, &self.schemas).map_err(|e| located(input.path, e))
    }

    /// Parses and checks `input` into a [`ParsedPrefab`] without looking at
    /// other sources (no reference or cycle checks).
    ///
    /// # Errors
    /// [`ImportError`] naming the file and line of the first problem.
    pub fn parse(&self, input: &ImportInput<'_>) -> Result<ParsedPrefab, ImportError> {
        parse_prefab(source_text(input)?, &self.schemas).map_err(|e| located(input.path, e))
    }

    fn finish(compiled: CompiledPrefab) -> ImportedAsset {
        let metadata = serde_json::json!({
            "name": compiled.name,
            "entities": compiled.entity_count,
            "components": compiled.components,
            "references": compiled.paths.iter().map(AssetPath::as_str).collect::<Vec<_>>(),
        });
        ImportedAsset {
            asset_type: PREFAB_TYPE.to_owned(),
            chunks: vec![compiled.bytes],
            dependencies: compiled.paths,
            metadata,
            ..ImportedAsset::default()
        }
    }
}

/// The source as UTF-8 text, within the size limit.
fn source_text<'a>(input: &ImportInput<'a>) -> Result<&'a str, ImportError> {
    if input.bytes.len() > MAX_PREFAB_SOURCE_BYTES {
        return Err(ImportError::new(format!(
            "{}: {} bytes, more than the {MAX_PREFAB_SOURCE_BYTES} a prefab may have",
            input.path,
            input.bytes.len()
        )));
    }
    std::str::from_utf8(input.bytes).map_err(|e| {
        let line = input.bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        ImportError::new(format!("{}:{line}: invalid UTF-8", input.path))
    })
}

/// A parse error as a cook error naming `path`.
fn located(path: &AssetPath, e: PrefabParseError) -> ImportError {
    ImportError::new(match e {
        PrefabParseError::Syntax { line, column, message } => {
            format!("{path}:{line}:{column}: {message}")
        }
        PrefabParseError::Component { line, component, message } => {
            format!("{path}:{line}: component '{component}': {message}")
        }
    })
}

impl Importer for PrefabImporter {
    fn name(&self) -> &str {
        "prefab"
    }

    fn version(&self) -> u32 {
        2
    }

    fn extensions(&self) -> &[&str] {
        &["prefab.ron", "scene.ron"]
    }

    /// Imports without a view of the other sources: references are recorded
    /// as dependencies (the cook fails on a missing one) but not checked here.
    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        Ok(Self::finish(self.compile(input)?))
    }

    fn import_with_sources(
        &self,
        input: &ImportInput<'_>,
        sources: &dyn SourceSet,
    ) -> Result<ImportedAsset, ImportError> {
        let compiled = self.compile(input)?;
        for (path, line) in compiled.first_references() {
            // A sub-asset (`model.glb#mesh0`) exists once its source does.
            if !sources.contains(&path.without_label()) {
                return Err(ImportError::new(format!(
                    "{}:{line}: unknown asset reference \"{path}\" (no such source)",
                    input.path
                )));
            }
        }
        if let Some(chain) = find_cycle(input.path, &compiled, sources) {
            let chain: Vec<&str> = chain.iter().map(AssetPath::as_str).collect();
            return Err(ImportError::new(format!(
                "{}: prefab reference cycle: {}",
                input.path,
                chain.join(" -> ")
            )));
        }
        Ok(Self::finish(compiled))
    }
}

/// The nested prefabs a prefab references, each once.
fn prefab_refs(compiled: &CompiledPrefab) -> Vec<AssetPath> {
    compiled.paths.iter().filter(|p| is_prefab_path(p)).cloned().collect()
}

/// A chain of prefab references from `root` back to itself, if any (first
/// and last entries are `root`). Prefabs that cannot be read or parsed end
/// the search there: their own import reports them.
fn find_cycle(
    root: &AssetPath,
    compiled: &CompiledPrefab,
    sources: &dyn SourceSet,
) -> Option<Vec<AssetPath>> {
    let refs = prefab_refs(compiled);
    if refs.is_empty() {
        return None;
    }
    let mut visited: HashSet<AssetPath> = HashSet::new();
    // Depth-first, with an explicit stack of (path, its prefab refs, next index).
    let mut stack: Vec<(AssetPath, Vec<AssetPath>, usize)> = vec![(root.clone(), refs, 0)];
    let schemas = SchemaRegistry::new();
    while let Some((_, refs, next)) = stack.last_mut() {
        let Some(child) = refs.get(*next).cloned() else {
            stack.pop();
            continue;
        };
        *next += 1;
        if &child == root {
            let mut chain: Vec<AssetPath> = stack.iter().map(|(p, _, _)| p.clone()).collect();
            chain.push(child);
            return Some(chain);
        }
        if !visited.insert(child.clone()) {
            continue;
        }
        let Some(bytes) = sources.read(&child) else { continue };
        let Ok(text) = std::str::from_utf8(&bytes) else { continue };
        let Ok(c) = compile_prefab(text, &schemas) else { continue };
        let refs = prefab_refs(&c);
        stack.push((child, refs, 0));
    }
    None
}
