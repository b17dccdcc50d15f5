//! The runtime prefab: the cooked form decoded, every reference a handle.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use amsp_core::AssetPath;
use amsp_runtime::{Asset, AssetLoader, Blob, Handle, LoadContext, LoadError, LoadInput};
use serde::de::DeserializeOwned;

use super::PREFAB_TYPE;
use super::binary::decode_prefab;
use super::script::Script;
use super::table::DataTable;
use super::typed::{self, ComponentError, Transform};
use super::value::{EntityData, Value};

/// A loaded prefab or scene: its entities, with nested prefabs and every
/// asset reference resolved into handles.
#[derive(Debug, Clone, Default)]
pub struct Prefab {
    /// The prefab's name.
    pub name: String,
    /// The top-level entities.
    pub entities: Vec<Entity>,
    /// A handle per referenced asset (component references and nested
    /// prefabs), in order of first appearance.
    pub references: Vec<AssetHandle>,
}

/// One entity of a loaded [`Prefab`].
#[derive(Debug, Clone, Default)]
pub struct Entity {
    /// The entity's name.
    pub name: String,
    /// Components by name; references are [`Value::Asset`] paths whose
    /// handles [`Prefab::reference`] gives.
    pub components: BTreeMap<String, Value>,
    /// Child entities.
    pub children: Vec<Entity>,
    /// The prefab instanced at this entity.
    pub prefab: Option<Handle<Prefab>>,
}

impl Entity {
    /// Component `name` read as a `T` (any `serde::Deserialize` type), for
    /// components without a schema as much as for typed ones.
    ///
    /// # Errors
    /// [`ComponentError::Missing`] when the entity has no such component,
    /// [`ComponentError::Mismatch`] (naming entity, component and field)
    /// when its value does not fit `T`.
    pub fn component<T: DeserializeOwned>(&self, name: &str) -> Result<T, ComponentError> {
        typed::component(&self.name, &self.components, name)
    }

    /// The entity's [`Transform`] component; the identity when it has none.
    ///
    /// # Errors
    /// [`ComponentError::Mismatch`] when its `Transform` does not fit.
    pub fn transform(&self) -> Result<Transform, ComponentError> {
        typed::transform(&self.name, &self.components)
    }

    /// The child entity named `name`.
    #[must_use]
    pub fn child(&self, name: &str) -> Option<&Entity> {
        self.children.iter().find(|e| e.name == name)
    }
}

impl Prefab {
    /// The handle of the referenced asset at `path`.
    #[must_use]
    pub fn reference(&self, path: &AssetPath) -> Option<&AssetHandle> {
        self.references.iter().find(|r| &r.path == path)
    }

    /// The top-level entity named `name`.
    #[must_use]
    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.name == name)
    }
}

/// A handle to a referenced asset whose Rust type depends on its kind
/// (chosen by [`PrefabLoader`] from the path's extension).
#[derive(Clone)]
pub struct AssetHandle {
    /// The referenced path.
    pub path: AssetPath,
    type_name: &'static str,
    handle: Arc<dyn Any + Send + Sync>,
}

impl std::fmt::Debug for AssetHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssetHandle")
            .field("path", &self.path)
            .field("type", &self.type_name)
            .finish()
    }
}

impl AssetHandle {
    fn new<T: Asset>(path: AssetPath, handle: Handle<T>) -> Self {
        Self { path, type_name: T::TYPE_NAME, handle: Arc::new(handle) }
    }

    /// The typed handle, if the reference was loaded as a `T`.
    #[must_use]
    pub fn get<T: Asset>(&self) -> Option<&Handle<T>> {
        self.handle.downcast_ref()
    }

    /// [`Asset::TYPE_NAME`] of the type the reference was loaded as.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

impl Asset for Prefab {
    const TYPE_NAME: &'static str = "Prefab";

    fn byte_size(&self) -> usize {
        fn entity(e: &Entity) -> usize {
            size_of::<Entity>()
                + e.name.capacity()
                + e.components.keys().map(|k| k.capacity() + 64).sum::<usize>()
                + e.children.iter().map(entity).sum::<usize>()
        }
        self.name.capacity()
            + self.entities.iter().map(entity).sum::<usize>()
            + self.references.len() * size_of::<AssetHandle>()
    }

    /// An empty prefab.
    fn placeholder() -> Option<Self> {
        Some(Self::default())
    }
}

type Resolve = Arc<dyn Fn(&mut LoadContext<'_>, &AssetPath) -> AssetHandle + Send + Sync>;

/// Loads cooked prefabs as [`Prefab`]s, declaring every reference as a
/// dependency so that a prefab is `Loaded` only once they all are.
///
/// The Rust type a reference loads as is chosen by the referenced path's
/// extension (compound first: `prefab.ron`, then the last one): prefabs and
/// scenes as [`Prefab`], `lua`/`wasm` as [`Script`], `csv`/`table.json` as
/// [`DataTable`], image and texture files as
/// [`Texture`](crate::texture::Texture), glTF/GLB/OBJ models as
/// [`Model`](crate::model::Model), Draco files as
/// [`Mesh`](crate::mesh::Mesh), anything else as [`Blob`]. A sub-asset
/// reference is typed by its label: `#meshN` as a mesh, `#materialN` as a
/// [`Material`](crate::model::Material), `#textureN` as a texture. Add more
/// with [`with_reference`](Self::with_reference) and
/// [`label_kind`](Self::label_kind).
#[derive(Clone)]
pub struct PrefabLoader {
    by_extension: HashMap<String, Resolve>,
    by_label: HashMap<String, Resolve>,
}

impl std::fmt::Debug for PrefabLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut exts: Vec<_> = self.by_extension.keys().collect();
        exts.sort();
        f.debug_struct("PrefabLoader").field("extensions", &exts).finish()
    }
}

impl Default for PrefabLoader {
    fn default() -> Self {
        let mut l = Self { by_extension: HashMap::new(), by_label: HashMap::new() };
        for ext in ["prefab.ron", "scene.ron"] {
            l = l.with_reference::<Prefab>(ext);
        }
        for ext in ["lua", "wasm"] {
            l = l.with_reference::<Script>(ext);
        }
        for ext in ["csv", "table.json"] {
            l = l.with_reference::<DataTable>(ext);
        }
        for ext in ["png", "jpg", "jpeg", "bmp", "tga", "gif", "hdr", "exr", "dds", "ktx2"] {
            l = l.with_reference::<crate::texture::Texture>(ext);
        }
        for ext in ["gltf", "glb", "obj"] {
            l = l.with_reference::<crate::model::Model>(ext);
        }
        l = l.with_reference::<crate::mesh::Mesh>("drc");
        l.label_kind::<crate::mesh::Mesh>("mesh")
            .label_kind::<crate::model::Material>("material")
            .label_kind::<crate::texture::Texture>("texture")
    }
}

impl PrefabLoader {
    /// Loads references whose path has extension `ext` (lowercase, no dot;
    /// compound extensions such as `mesh.ron` allowed) as `T`.
    #[must_use]
    pub fn with_reference<T: Asset>(mut self, ext: &str) -> Self {
        let resolve: Resolve =
            Arc::new(|ctx, path| AssetHandle::new(path.clone(), ctx.load_dependency::<T>(path)));
        self.by_extension.insert(ext.to_ascii_lowercase(), resolve);
        self
    }

    /// Loads sub-asset references whose label is `kind` followed by digits
    /// (`model.glb#mesh0` for `mesh`) as `T`.
    #[must_use]
    pub fn label_kind<T: Asset>(mut self, kind: &str) -> Self {
        let resolve: Resolve =
            Arc::new(|ctx, path| AssetHandle::new(path.clone(), ctx.load_dependency::<T>(path)));
        self.by_label.insert(kind.to_owned(), resolve);
        self
    }

    fn resolve(&self, ctx: &mut LoadContext<'_>, path: &AssetPath) -> AssetHandle {
        if let Some(label) = path.label() {
            let kind = label.trim_end_matches(|c: char| c.is_ascii_digit());
            if let Some(resolve) = self.by_label.get(kind) {
                return resolve(ctx, path);
            }
            return AssetHandle::new(path.clone(), ctx.load_dependency::<Blob>(path));
        }
        let name = path.file_name().to_ascii_lowercase();
        let mut rest = name.as_str();
        while let Some((_, ext)) = rest.split_once('.') {
            if let Some(resolve) = self.by_extension.get(ext) {
                return resolve(ctx, path);
            }
            rest = ext;
        }
        AssetHandle::new(path.clone(), ctx.load_dependency::<Blob>(path))
    }

    fn entity(
        &self,
        e: EntityData,
        ctx: &mut LoadContext<'_>,
        refs: &mut Vec<AssetHandle>,
    ) -> Entity {
        let mut paths = Vec::new();
        e.components.values().for_each(|v| v.references(&mut paths));
        for path in paths.into_iter().chain(e.prefab.as_ref()) {
            if !refs.iter().any(|r| &r.path == path) {
                refs.push(self.resolve(ctx, path));
            }
        }
        let prefab = e.prefab.as_ref().and_then(|p| {
            let r = refs.iter().find(|r| &r.path == p)?;
            match r.get::<Prefab>() {
                Some(h) => Some(h.clone()),
                None => Some(ctx.load_dependency::<Prefab>(p)),
            }
        });
        let children = e.children.into_iter().map(|c| self.entity(c, ctx, refs)).collect();
        Entity { name: e.name, components: e.components, children, prefab }
    }
}

impl AssetLoader for PrefabLoader {
    type Asset = Prefab;

    fn asset_types(&self) -> &[&str] {
        &[PREFAB_TYPE]
    }

    fn load(&self, input: LoadInput, ctx: &mut LoadContext<'_>) -> Result<Prefab, LoadError> {
        let bytes = input.read_all()?;
        let data = decode_prefab(&bytes).map_err(|e| ctx.parse_error(e))?;
        let mut references = Vec::new();
        let entities =
            data.entities.into_iter().map(|e| self.entity(e, ctx, &mut references)).collect();
        Ok(Prefab { name: data.name, entities, references })
    }
}
