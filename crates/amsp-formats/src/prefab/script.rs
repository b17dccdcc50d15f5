//! Scripts as assets: Lua source and WebAssembly modules.
//!
//! The cook checks the syntax of Lua sources (Lua 5.4, with
//! [`check_lua`](super::lua::check_lua)) and validates WebAssembly modules
//! completely with `wasmparser` (feature `import`). Both keep their cooked types `lua` and `wasm`, so the
//! built-in `Text` and `Blob` loaders still read them; `ScriptLoader`
//! (feature `runtime`) loads either as a `Script`.

/// Cooked type of Lua scripts.
pub const LUA_TYPE: &str = "lua";
/// Cooked type of WebAssembly modules.
pub const WASM_TYPE: &str = "wasm";

#[cfg(feature = "import")]
pub use import::ScriptImporter;
#[cfg(feature = "runtime")]
pub use runtime::{Script, ScriptLoader};

#[cfg(feature = "import")]
mod import {
    use amsp_cook::{ImportError, ImportInput, ImportedAsset, Importer};

    use super::super::lua::check_lua;
    use super::{LUA_TYPE, WASM_TYPE};

    /// Imports `.lua` scripts (UTF-8 and Lua 5.4 syntax checked: a syntax
    /// error is a cook error naming file, line and what is wrong) and
    /// `.wasm` modules (validated with `wasmparser`: a module that would not
    /// instantiate is a cook error naming the byte offset). Catalog
    /// metadata: `lines`, `functions`, `globals` (assigned global names)
    /// and `requires` (literal module names) for Lua; `imports` and
    /// `exports` (names) for WebAssembly.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct ScriptImporter;

    impl Importer for ScriptImporter {
        fn name(&self) -> &str {
            "script"
        }

        fn version(&self) -> u32 {
            2
        }

        fn extensions(&self) -> &[&str] {
            &["lua", "wasm"]
        }

        fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
            let ext = input.path.extension().unwrap_or_default();
            let (asset_type, metadata) = if ext == "wasm" {
                (
                    WASM_TYPE,
                    validate_wasm(input.bytes)
                        .map_err(|e| ImportError::new(format!("{}: {e}", input.path)))?,
                )
            } else {
                let text = std::str::from_utf8(input.bytes).map_err(|e| {
                    let line =
                        input.bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
                    ImportError::new(format!("{}:{line}: invalid UTF-8 in Lua script", input.path))
                })?;
                let summary = check_lua(text).map_err(|e| {
                    ImportError::new(format!(
                        "{}:{}: Lua syntax error: {}",
                        input.path, e.line, e.message
                    ))
                })?;
                let metadata = serde_json::json!({
                    "lines": summary.lines,
                    "functions": summary.functions,
                    "globals": summary.globals,
                    "requires": summary.requires,
                });
                (LUA_TYPE, metadata)
            };
            Ok(ImportedAsset {
                asset_type: asset_type.to_owned(),
                chunks: vec![input.bytes.to_vec()],
                metadata,
                ..ImportedAsset::default()
            })
        }
    }

    /// Validates a WebAssembly module; returns its import and export names.
    fn validate_wasm(bytes: &[u8]) -> Result<serde_json::Value, String> {
        let mut validator = wasmparser::Validator::new();
        validator.validate_all(bytes).map_err(|e| {
            format!("invalid WebAssembly module at byte {}: {}", e.offset(), e.message())
        })?;
        let mut imports = Vec::new();
        let mut exports = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(bytes) {
            match payload.map_err(|e| format!("invalid WebAssembly module: {e}"))? {
                wasmparser::Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.map_err(|e| format!("invalid import: {e}"))?;
                        imports.push(format!("{}.{}", import.module, import.name));
                    }
                }
                wasmparser::Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export.map_err(|e| format!("invalid export: {e}"))?;
                        exports.push(export.name.to_owned());
                    }
                }
                _ => {}
            }
        }
        Ok(serde_json::json!({ "imports": imports, "exports": exports }))
    }
}

#[cfg(feature = "runtime")]
mod runtime {
    use amsp_runtime::{Asset, AssetLoader, LoadContext, LoadError, LoadInput};

    use super::{LUA_TYPE, WASM_TYPE};

    /// A script: Lua source or a WebAssembly module.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Script {
        /// Lua source text.
        Lua(String),
        /// A WebAssembly module's bytes (validated at cook).
        Wasm(Vec<u8>),
    }

    impl Asset for Script {
        const TYPE_NAME: &'static str = "Script";

        fn byte_size(&self) -> usize {
            match self {
                Self::Lua(s) => s.capacity(),
                Self::Wasm(b) => b.capacity(),
            }
        }

        /// An empty Lua script.
        fn placeholder() -> Option<Self> {
            Some(Self::Lua(String::new()))
        }
    }

    /// Loads cooked `lua` and `wasm` assets as [`Script`]s.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct ScriptLoader;

    impl AssetLoader for ScriptLoader {
        type Asset = Script;

        fn asset_types(&self) -> &[&str] {
            &[LUA_TYPE, WASM_TYPE]
        }

        fn extensions(&self) -> &[&str] {
            &["lua", "wasm"]
        }

        fn load(&self, input: LoadInput, ctx: &mut LoadContext<'_>) -> Result<Script, LoadError> {
            let is_wasm = input.descriptor().asset_type == WASM_TYPE;
            let bytes = input.read_all()?;
            if is_wasm {
                if !bytes.starts_with(b"\0asm") {
                    return Err(ctx.parse_error("not a WebAssembly module (missing \\0asm magic)"));
                }
                return Ok(Script::Wasm(bytes));
            }
            String::from_utf8(bytes).map(Script::Lua).map_err(|e| {
                ctx.parse_error(format_args!("invalid UTF-8 in Lua script: {}", e.utf8_error()))
            })
        }
    }
}
