//! The `Asset` trait and the built-in assets, [`Blob`] and [`Text`].

use std::ops::Deref;

use crate::error::LoadError;
use crate::loader::{AssetLoader, LoadContext, LoadInput};

/// A runtime asset: what a loader makes of cooked bytes.
///
/// # Note for implementors
/// [`byte_size`](Asset::byte_size) feeds the memory budget and the stats: it
/// should count the heap memory the value owns (buffers, strings), not only
/// `size_of::<Self>()`. Placeholders are made once per server and type and
/// shared by every handle; the server's own
/// [`set_placeholder`](crate::AssetServer::set_placeholder) overrides them.
pub trait Asset: Send + Sync + 'static {
    /// A short name of the type for messages (`"Texture"`, `"Text"`).
    const TYPE_NAME: &'static str;

    /// Bytes of memory the value holds.
    fn byte_size(&self) -> usize;

    /// The value served by
    /// [`get_or_placeholder`](crate::AssetServer::get_or_placeholder) while
    /// the asset is queued or loading. `None` (the default) serves nothing.
    fn placeholder() -> Option<Self>
    where
        Self: Sized,
    {
        None
    }

    /// The value served in place of an asset that failed to load. Defaults to
    /// [`placeholder`](Asset::placeholder).
    fn error_placeholder() -> Option<Self>
    where
        Self: Sized,
    {
        Self::placeholder()
    }
}

/// Raw bytes: any asset can be loaded as a `Blob` (and unknown cooked types
/// load as one by default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Blob {
    bytes: Vec<u8>,
}

impl Blob {
    /// Wraps bytes.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }

    /// The bytes.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Takes the bytes out.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

impl Deref for Blob {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Asset for Blob {
    const TYPE_NAME: &'static str = "Blob";

    fn byte_size(&self) -> usize {
        self.bytes.capacity()
    }

    fn placeholder() -> Option<Self> {
        Some(Self::default())
    }
}

/// UTF-8 text: scripts, JSON, RON and CSV data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text {
    text: String,
}

impl Text {
    /// Wraps a string.
    #[must_use]
    pub fn new(text: String) -> Self {
        Self { text }
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Takes the string out.
    #[must_use]
    pub fn into_string(self) -> String {
        self.text
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl Asset for Text {
    const TYPE_NAME: &'static str = "Text";

    fn byte_size(&self) -> usize {
        self.text.capacity()
    }

    fn placeholder() -> Option<Self> {
        Some(Self::default())
    }
}

/// Cooked type names the built-in [`Text`] loader handles.
pub const TEXT_TYPES: &[&str] = &["text", "json", "ron", "csv", "lua"];

/// Cooked type names the built-in [`Blob`] loader handles by default
/// (`"*"`: it also loads any other type as raw bytes).
pub const BLOB_TYPES: &[&str] = &["blob", "wasm", "*"];

/// Loads any asset's bytes as a [`Blob`]; registered by default.
#[derive(Clone, Copy, Debug, Default)]
pub struct BlobLoader;

impl AssetLoader for BlobLoader {
    type Asset = Blob;

    /// Every chunk: the whole asset is read.
    fn read_ahead(&self, _descriptor: &amsp_io::AssetDescriptor, _level: Option<u8>) -> u32 {
        u32::MAX
    }

    fn asset_types(&self) -> &[&str] {
        BLOB_TYPES
    }

    fn extensions(&self) -> &[&str] {
        &["bin", "wasm"]
    }

    fn load(&self, input: LoadInput, _ctx: &mut LoadContext<'_>) -> Result<Blob, LoadError> {
        Ok(Blob::new(input.read_all()?))
    }
}

/// Loads UTF-8 text as [`Text`]; registered by default. Invalid UTF-8 is a
/// [`LoadError::Parse`].
#[derive(Clone, Copy, Debug, Default)]
pub struct TextLoader;

impl AssetLoader for TextLoader {
    type Asset = Text;

    /// Every chunk: the whole asset is read.
    fn read_ahead(&self, _descriptor: &amsp_io::AssetDescriptor, _level: Option<u8>) -> u32 {
        u32::MAX
    }

    fn asset_types(&self) -> &[&str] {
        TEXT_TYPES
    }

    fn extensions(&self) -> &[&str] {
        &["txt", "json", "ron", "csv", "lua"]
    }

    fn load(&self, input: LoadInput, ctx: &mut LoadContext<'_>) -> Result<Text, LoadError> {
        String::from_utf8(input.read_all()?)
            .map(Text::new)
            .map_err(|err| ctx.parse_error(format_args!("invalid UTF-8: {}", err.utf8_error())))
    }
}
