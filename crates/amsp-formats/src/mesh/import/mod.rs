//! The cook's mesh importer.
//!
//! - [`gltf`]: glTF and GLB sources (with Draco and meshopt compression).
//! - [`obj`]: OBJ (+ MTL) sources.
//! - [`draco`]: Draco streams (`.drc` and the glTF extension).
//! - [`cook`]: optimisation, the LOD chain and the pack chunks.

mod cook;
mod draco;
pub(crate) mod gltf;
pub(crate) mod obj;

use std::path::{Component, Path, PathBuf};

use amsp_cook::{AssetMeta, ImportError, ImportInput, ImportedAsset, Importer};
use amsp_core::AssetPath;
use serde_json::json;

use super::data::{MeshData, MeshLimits};
use super::error::MeshError;
use super::layout::MESH_TYPE;
pub use cook::LodSettings;

/// Imports meshes for the cook: glTF 2.0 (`.gltf` with embedded, data-URI
/// or external buffers; `.glb`), including `KHR_draco_mesh_compression`,
/// `EXT_meshopt_compression` and `KHR_mesh_quantization`; raw Draco
/// `.drc` files; and OBJ (+ MTL).
///
/// The cook registers it for `.drc` files; glTF, GLB and OBJ files are
/// cooked by [`ModelImporter`](crate::model::ModelImporter) into a model with
/// mesh and material sub-assets. Called directly on a glTF or OBJ source,
/// this importer makes the merged mesh described below.
///
/// One asset per source file: every triangle primitive of every mesh the
/// file's default scene instances (glTF: `scene`, else the first scene,
/// else every root node), with node transforms applied, merged into one
/// mesh with one submesh per primitive (per object and material for OBJ).
/// Points and lines are skipped. Materials are recorded only as submesh
/// material indices (and OBJ material names in the metadata).
///
/// The cook then optimises the mesh (vertex cache, overdraw, vertex fetch),
/// builds an LOD chain with meshopt's simplifier, encodes each LOD's
/// vertices and indices with the meshopt codecs and stores each LOD as its
/// own pack chunk, coarsest first (see [`layout`](crate::mesh::layout)).
/// The cook compresses the chunks with zstd where that saves at least a
/// quarter of their bytes ([`ZSTD_MIN_SAVING`]); the `codec` setting
/// (`"zstd"`, `"none"`, `"lz4"`) overrides the choice.
///
/// Sidecar settings:
/// - `lods`: most LODs, LOD 0 included (default 4; 1 disables
///   simplification). The chain stops early when a level keeps more than
///   90% of the previous level's triangles.
/// - `lod_error`: a number or a list: the simplifier's error target for
///   LOD 1, 2, … relative to the mesh extent (the last value repeats;
///   default `[0.005, 0.01, 0.02, 0.05]`).
/// - `lod_ratio`: the share of the previous LOD's triangles each LOD aims
///   for (default 0.5).
///
/// The catalog gets one LOD variant per level (its error in mesh units,
/// triangle count, chunk and size) and the metadata `source_format`,
/// `vertex_count`, `triangle_count`, `attributes`, `submeshes`,
/// `aabb_min`, `aabb_max`, `sphere_center`, `sphere_radius`, `lod_count`,
/// `lod_triangles`, `lod_vertices`, `lod_errors` (relative) and
/// `lod_chunks`.
///
/// External files (glTF buffers, MTL libraries) are read relative to the
/// source file under [`source_root`](Self::source_root); without a root
/// they are refused. They are not part of the cook's change detection:
/// touch the glTF (or its sidecar) after changing one.
#[derive(Debug, Clone, Default)]
pub struct MeshImporter {
    /// Size limits checked before anything sized by a source is allocated.
    pub limits: MeshLimits,
    /// The cook's source folder, for files a source refers to.
    pub source_root: Option<PathBuf>,
}

impl MeshImporter {
    /// An importer that reads referenced files under `root` (the cook's
    /// source folder).
    #[must_use]
    pub fn with_source_root(root: impl Into<PathBuf>) -> Self {
        Self { source_root: Some(root.into()), ..Self::default() }
    }

    /// Reads a source into a [`MeshData`] without cooking it: what
    /// [`Importer::import`] starts from. `path` (relative to the source
    /// root) picks the format by extension and locates referenced files.
    ///
    /// # Errors
    /// [`MeshError`] for anything that is not a valid mesh source.
    pub fn read(&self, path: &AssetPath, bytes: &[u8]) -> Result<MeshData, MeshError> {
        Ok(self.read_with_names(path, bytes)?.0)
    }

    fn read_with_names(
        &self,
        path: &AssetPath,
        bytes: &[u8],
    ) -> Result<(MeshData, Vec<String>), MeshError> {
        let ext = path.extension().map(|e| e.to_ascii_lowercase());
        let read_external = |uri: &str| self.read_external(path, uri);
        let (mut mesh, names) = match ext.as_deref() {
            Some("gltf" | "glb") => (gltf::read_gltf(bytes, &read_external, &self.limits)?, vec![]),
            Some("obj") => {
                let (mesh, materials) = obj::read_obj(bytes, &self.limits, &read_external)?;
                (mesh, materials.into_iter().map(|m| m.name).collect())
            }
            Some("drc") => {
                let decoded = draco::decode(bytes, &self.limits)?;
                (draco::to_mesh_data(&decoded, None, &self.limits)?, vec![])
            }
            other => return Err(MeshError::Unsupported(format!("extension {other:?}"))),
        };
        mesh.validate()?;
        mesh.sanitise();
        if mesh.indices.is_empty() {
            return Err(MeshError::Empty);
        }
        Ok((mesh, names))
    }

    /// Reads `uri` relative to the folder of `source`, inside the root.
    fn read_external(&self, source: &AssetPath, uri: &str) -> Result<Vec<u8>, String> {
        let root = self.source_root.as_ref().ok_or("no source root to read external files from")?;
        let uri = uri.replace("%20", " ");
        let relative = Path::new(&uri);
        if relative.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
            return Err("the URI leaves the source folder".into());
        }
        let folder = Path::new(source.as_str()).parent().unwrap_or(Path::new(""));
        let file = root.join(folder).join(relative);
        let len = std::fs::metadata(&file).map_err(|e| e.to_string())?.len();
        self.limits.check_bytes(len).map_err(|e| e.to_string())?;
        std::fs::read(&file).map_err(|e| e.to_string())
    }
}

/// The LOD settings of a sidecar.
pub(crate) fn settings(meta: &AssetMeta) -> Result<LodSettings, ImportError> {
    let mut s = LodSettings::default();
    let number = |v: &ron::Value, key: &str| match v {
        ron::Value::Number(n) => Ok(n.into_f64()),
        other => Err(ImportError::new(format!("{key} must be a number, found {other:?}"))),
    };
    if let Some(v) = meta.settings.get("lods") {
        let n = number(v, "lods")?;
        if !(1.0..=16.0).contains(&n) || n.fract() != 0.0 {
            return Err(ImportError::new(format!(
                "lods must be a whole number from 1 to 16, found {n}"
            )));
        }
        s.lods = n as u32;
    }
    if let Some(v) = meta.settings.get("lod_error") {
        let values = match v {
            ron::Value::Seq(items) => {
                items.iter().map(|i| number(i, "lod_error")).collect::<Result<Vec<_>, _>>()?
            }
            other => vec![number(other, "lod_error")?],
        };
        if values.is_empty() || values.iter().any(|e| !(0.0..=1.0).contains(e)) {
            return Err(ImportError::new("lod_error values must be from 0 to 1"));
        }
        s.lod_error = values.into_iter().map(|e| e as f32).collect();
    }
    if let Some(v) = meta.settings.get("lod_ratio") {
        let r = number(v, "lod_ratio")?;
        if !(r > 0.0 && r < 1.0) {
            return Err(ImportError::new(format!("lod_ratio must be between 0 and 1, found {r}")));
        }
        s.ratio = r as f32;
    }
    Ok(s)
}

/// zstd is kept only where it saves at least this share of the chunk bytes.
pub const ZSTD_MIN_SAVING: f64 = 0.25;

/// The codec for a mesh's chunks: zstd where it saves at least
/// [`ZSTD_MIN_SAVING`] of the meshopt-encoded bytes, else none. meshopt's
/// codecs leave little for zstd on float data with noisy low bits (about
/// 15% on a 10k-vertex terrain) while decompressing costs about as much
/// as decoding; smooth or repetitive data still gains.
fn chunk_codec(chunks: &[Vec<u8>]) -> amsp_core::Codec {
    let raw: usize = chunks.iter().map(Vec::len).sum();
    let packed: usize =
        chunks.iter().map(|c| zstd::bulk::compress(c, 3).map_or(c.len(), |z| z.len())).sum();
    if (packed as f64) <= raw as f64 * (1.0 - ZSTD_MIN_SAVING) {
        amsp_core::Codec::Zstd
    } else {
        amsp_core::Codec::None
    }
}

impl Importer for MeshImporter {
    fn name(&self) -> &str {
        "mesh"
    }

    fn version(&self) -> u32 {
        1
    }

    fn extensions(&self) -> &[&str] {
        &["drc"]
    }

    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        let settings = settings(input.meta)?;
        let (mesh, material_names) = self
            .read_with_names(input.path, input.bytes)
            .map_err(|e| ImportError::new(e.to_string()))?;
        let ext = input.path.extension().map(|e| e.to_ascii_lowercase()).unwrap_or_default();
        mesh_asset(&mesh, &settings, &ext, &material_names)
    }
}

/// A mesh cooked into its asset: optimised, its LOD chain built, each LOD
/// a chunk, with the catalog metadata [`MeshImporter`] documents.
pub(crate) fn mesh_asset(
    mesh: &MeshData,
    settings: &LodSettings,
    source_format: &str,
    material_names: &[String],
) -> Result<ImportedAsset, ImportError> {
    let cooked = cook::cook_mesh(mesh, settings).map_err(|e| ImportError::new(e.to_string()))?;
    let b = cooked.bounds;
    let metadata = json!({
        "source_format": source_format,
        "vertex_count": mesh.vertex_count(),
        "triangle_count": mesh.triangle_count(),
        "attributes": cooked.layout.names(),
        "submeshes": mesh.submeshes.len(),
        "materials": material_names,
        "aabb_min": b.min,
        "aabb_max": b.max,
        "sphere_center": b.center,
        "sphere_radius": b.radius,
        "lod_count": cooked.lods.len(),
        "lod_triangles": cooked.lod_triangles,
        "lod_vertices": cooked.lod_vertices,
        "lod_errors": cooked.lod_errors,
        "lod_chunks": cooked.lods.iter().map(|l| l.chunk).collect::<Vec<_>>(),
    });
    let codec = chunk_codec(&cooked.chunks);
    Ok(ImportedAsset {
        asset_type: MESH_TYPE.to_owned(),
        codec: Some(codec),
        chunks: cooked.chunks,
        lods: cooked.lods,
        metadata,
        ..ImportedAsset::default()
    })
}
