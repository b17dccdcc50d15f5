//! Why a mesh source could not be imported.

/// Why a mesh source could not be read into a [`MeshData`](super::MeshData).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MeshError {
    /// The data breaks a rule of its format or of [`MeshData`](super::MeshData).
    #[error("invalid mesh: {0}")]
    Invalid(String),
    /// A size read from the source is above a [`MeshLimits`](super::MeshLimits) limit.
    #[error("too large: {count} {what} (limit {max})")]
    TooLarge {
        /// What was counted (`vertices`, `indices`, `bytes`).
        what: &'static str,
        /// The count the source asks for.
        count: u64,
        /// The limit.
        max: u64,
    },
    /// A glTF file is malformed.
    #[error("glTF: {0}")]
    Gltf(String),
    /// An OBJ or MTL file is malformed.
    #[error("OBJ: {0}")]
    Obj(String),
    /// A Draco stream could not be decoded.
    #[error("Draco: {0}")]
    Draco(String),
    /// An EXT_meshopt_compression buffer could not be decoded.
    #[error("meshopt: {0}")]
    Meshopt(String),
    /// A file the source refers to could not be read.
    #[error("cannot read {path}: {message}")]
    External {
        /// The file, relative to the source root.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The source uses a feature this importer does not support.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The source holds no triangles.
    #[error("no triangles")]
    Empty,
}

impl MeshError {
    /// An [`Invalid`](Self::Invalid) error.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    /// A [`Gltf`](Self::Gltf) error.
    #[cfg(feature = "import")]
    pub(crate) fn gltf(message: impl Into<String>) -> Self {
        Self::Gltf(message.into())
    }
}
