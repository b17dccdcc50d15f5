//! `.meta` sidecars: the stable id, tags, dependencies and settings of a source
//! file, kept next to it (`rock.png` → `rock.png.meta`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use amsp_core::{AssetId, AssetPath, Codec};
use serde::{Deserialize, Serialize};

use crate::atomic::{write_atomic, write_replace_unsynced};
use crate::error::CookError;

/// The extension of sidecar files.
pub const META_EXTENSION: &str = "meta";

/// The contents of a `.meta` sidecar (RON).
///
/// ```ron
/// (
///     id: "6f1c0b5e2d0a4c7e9b3f8a1d2c4e6f80",
///     tags: ["environment", "rock"],
///     dependencies: ["textures/rock_albedo.png"],
///     settings: { "codec": "zstd" },
/// )
/// ```
///
/// Only `id` is required; the cook writes a sidecar with a fresh id the first
/// time it sees a source without one, so that the id survives renames (move
/// the sidecar with its source).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetMeta {
    /// The asset's stable id.
    pub id: AssetId,
    /// Free-form tags, searchable in the catalog.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Other assets this one needs, as paths relative to the source root.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<AssetPath>,
    /// Importer settings. `codec` (`none`, `lz4`, `zstd`) is understood by
    /// every importer; other keys belong to the importer.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, ron::Value>,
}

impl AssetMeta {
    /// A sidecar with a fresh random id and nothing else.
    #[must_use]
    pub fn new_random() -> Self {
        Self::with_id(random_id())
    }

    /// A sidecar with the given id and nothing else.
    #[must_use]
    pub fn with_id(id: AssetId) -> Self {
        Self { id, tags: Vec::new(), dependencies: Vec::new(), settings: BTreeMap::new() }
    }

    /// The path of the sidecar for `source`.
    #[must_use]
    pub fn sidecar_path(source: &Path) -> PathBuf {
        let mut name = source.as_os_str().to_owned();
        name.push(".");
        name.push(META_EXTENSION);
        PathBuf::from(name)
    }

    /// Parses sidecar text.
    ///
    /// # Errors
    /// [`CookError::Meta`] naming `path` and the line of the problem.
    pub fn parse(path: &Path, text: &str) -> Result<Self, CookError> {
        ron::from_str(text)
            .map_err(|e| CookError::Meta { path: path.to_owned(), detail: e.to_string() })
    }

    /// The sidecar text (pretty RON).
    #[must_use]
    pub fn to_ron(&self) -> String {
        let config = ron::ser::PrettyConfig::new().struct_names(false);
        ron::ser::to_string_pretty(self, config).unwrap_or_default() + "\n"
    }

    /// Reads the sidecar of `source`; `None` when there is none.
    ///
    /// # Errors
    /// [`CookError::Meta`] when it exists but does not parse, [`CookError::Io`]
    /// when it cannot be read.
    pub fn read_for(source: &Path) -> Result<Option<Self>, CookError> {
        let path = Self::sidecar_path(source);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CookError::io(&path, e)),
        }
    }

    /// Writes the sidecar of `source` atomically.
    ///
    /// # Errors
    /// [`CookError::Io`] naming the sidecar path.
    pub fn write_for(&self, source: &Path) -> Result<(), CookError> {
        let path = Self::sidecar_path(source);
        write_atomic(&path, self.to_ron().as_bytes()).map_err(|e| CookError::io(&path, e))
    }

    /// Writes the sidecar of `source` so that readers never see a partial
    /// file, without flushing it to disk; the cook flushes all the sidecars
    /// it created at once before committing the catalog.
    ///
    /// # Errors
    /// [`CookError::Io`] naming the sidecar path.
    pub fn write_for_unsynced(&self, source: &Path) -> Result<(), CookError> {
        let path = Self::sidecar_path(source);
        write_replace_unsynced(&path, self.to_ron().as_bytes()).map_err(|e| CookError::io(&path, e))
    }

    /// The `codec` setting, if present.
    ///
    /// # Errors
    /// [`CookError::Settings`] when it is not a known codec name.
    pub fn codec_setting(&self, path: &AssetPath) -> Result<Option<Codec>, CookError> {
        match self.settings.get("codec") {
            None => Ok(None),
            Some(ron::Value::String(name)) => name
                .parse()
                .map(Some)
                .map_err(|e| CookError::Settings { path: path.clone(), detail: format!("{e}") }),
            Some(other) => Err(CookError::Settings {
                path: path.clone(),
                detail: format!("codec must be a string, found {other:?}"),
            }),
        }
    }

    /// A canonical text of everything but the id, hashed into the cook key so
    /// that changing a tag, dependency or setting re-cooks the asset.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let mut copy = self.clone();
        copy.id = AssetId::NIL;
        ron::to_string(&copy).unwrap_or_default()
    }
}

fn random_id() -> AssetId {
    loop {
        let id = AssetId::from_u128(rand::random::<u128>());
        if !id.is_nil() {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_form() {
        let text = r#"(
            id: "6f1c0b5e2d0a4c7e9b3f8a1d2c4e6f80",
            tags: ["environment", "rock"],
            dependencies: ["textures/rock_albedo.png"],
            settings: { "codec": "lz4", "quality": 3 },
        )"#;
        let meta = AssetMeta::parse(Path::new("x.meta"), text).unwrap();
        assert_eq!(meta.tags, ["environment", "rock"]);
        assert_eq!(meta.dependencies[0].as_str(), "textures/rock_albedo.png");
        let path = AssetPath::new("x").unwrap();
        assert_eq!(meta.codec_setting(&path).unwrap(), Some(Codec::Lz4));
        let again = AssetMeta::parse(Path::new("x.meta"), &meta.to_ron()).unwrap();
        assert_eq!(again, meta);
    }

    #[test]
    fn minimal_and_broken_sidecars() {
        let meta = AssetMeta::parse(Path::new("m"), r#"(id: "00000000000000000000000000000001")"#)
            .unwrap();
        assert!(meta.tags.is_empty() && meta.settings.is_empty());
        for bad in [
            "",
            "(",
            r#"(id: "nothex")"#,
            r#"(tags: [])"#,
            r#"(id: "00000000000000000000000000000001", dependencies: ["../x"])"#,
        ] {
            let err = AssetMeta::parse(Path::new("bad.meta"), bad).unwrap_err();
            assert!(err.to_string().contains("bad.meta"), "{err}");
        }
    }

    #[test]
    fn fingerprint_ignores_id_only() {
        let a = AssetMeta::with_id(AssetId::from_u128(1));
        let mut b = AssetMeta::with_id(AssetId::from_u128(2));
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.tags.push("t".into());
        assert_ne!(a.fingerprint(), b.fingerprint());
    }
}
