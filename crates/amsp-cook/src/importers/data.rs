//! Opaque data: JSON, RON, text, CSV, Lua, WASM and raw bytes.

use crate::importer::{ImportError, ImportInput, ImportedAsset, Importer};

/// Imports data files as one chunk of their own bytes, after checking that
/// they are what their extension says:
///
/// | extension | cooked type | check |
/// | --- | --- | --- |
/// | `json` | `json` | parses as JSON (error names line and column) |
/// | `ron` | `ron` | parses as RON (error names line and column) |
/// | `txt` | `text` | UTF-8 |
/// | `csv` | `csv` | UTF-8 |
/// | `lua` | `lua` | UTF-8 |
/// | `wasm` | `wasm` | WebAssembly magic and version 1 |
/// | `bin`, anything else | `blob` | none |
#[derive(Debug, Clone, Copy, Default)]
pub struct DataImporter;

impl Importer for DataImporter {
    fn name(&self) -> &str {
        "data"
    }

    fn version(&self) -> u32 {
        1
    }

    fn extensions(&self) -> &[&str] {
        &["json", "ron", "txt", "csv", "lua", "wasm", "bin"]
    }

    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        let ext = input.path.extension().unwrap_or_default();
        let asset_type = match ext.as_str() {
            "json" => {
                serde_json::from_slice::<serde::de::IgnoredAny>(input.bytes)
                    .map_err(|e| ImportError::new(format!("invalid JSON: {e}")))?;
                "json"
            }
            "ron" => {
                let text = utf8(input.bytes)?;
                ron::from_str::<serde::de::IgnoredAny>(text)
                    .map_err(|e| ImportError::new(format!("invalid RON: {e}")))?;
                "ron"
            }
            "txt" => utf8(input.bytes).map(|_| "text")?,
            "csv" => utf8(input.bytes).map(|_| "csv")?,
            "lua" => utf8(input.bytes).map(|_| "lua")?,
            "wasm" => {
                check_wasm_header(input.bytes)?;
                "wasm"
            }
            _ => "blob",
        };
        Ok(ImportedAsset {
            asset_type: asset_type.to_owned(),
            chunks: vec![input.bytes.to_vec()],
            ..ImportedAsset::default()
        })
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, ImportError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        ImportError::new(format!("invalid UTF-8 at byte {offset} (line {line})"))
    })
}

fn check_wasm_header(bytes: &[u8]) -> Result<(), ImportError> {
    match bytes {
        [0, b'a', b's', b'm', 1, 0, 0, 0, ..] => Ok(()),
        [0, b'a', b's', b'm', v @ ..] if v.len() >= 4 => Err(ImportError::new(format!(
            "unsupported WebAssembly version {}",
            u32::from_le_bytes([v[0], v[1], v[2], v[3]])
        ))),
        _ => Err(ImportError::new("not a WebAssembly module (missing \\0asm magic)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::AssetMeta;
    use amsp_core::{AssetId, AssetPath};

    fn import(path: &str, bytes: &[u8]) -> Result<ImportedAsset, ImportError> {
        let path = AssetPath::new(path).unwrap();
        let meta = AssetMeta::with_id(AssetId::from_u128(1));
        DataImporter.import(&ImportInput { path: &path, bytes, meta: &meta })
    }

    #[test]
    fn types_and_checks() {
        let rows: &[(&str, &[u8], Result<&str, &str>)] = &[
            ("a.json", br#"{"a": [1, 2]}"#, Ok("json")),
            ("a.json", b"{\n  \"a\": ,\n}", Err("line 2")),
            ("a.ron", b"(a: 1, b: [2])", Ok("ron")),
            ("a.ron", b"(a: ", Err("invalid RON")),
            ("a.txt", "héllo".as_bytes(), Ok("text")),
            ("a.txt", b"ok\n\xff", Err("line 2")),
            ("a.csv", b"a,b\n1,2\n", Ok("csv")),
            ("a.lua", b"return 1", Ok("lua")),
            ("a.wasm", b"\0asm\x01\0\0\0", Ok("wasm")),
            ("a.wasm", b"\0asm\x02\0\0\0", Err("version 2")),
            ("a.wasm", b"MZ", Err("magic")),
            ("a.bin", b"\xff\x00", Ok("blob")),
            ("a.unknownext", b"\xff", Ok("blob")),
            ("noext", b"", Ok("blob")),
        ];
        for (path, bytes, expected) in rows {
            match (import(path, bytes), expected) {
                (Ok(asset), Ok(ty)) => {
                    assert_eq!(asset.asset_type, *ty, "{path}");
                    assert_eq!(asset.chunks, vec![bytes.to_vec()]);
                }
                (Err(e), Err(needle)) => assert!(e.0.contains(needle), "{path}: {e}"),
                (got, want) => panic!("{path}: got {got:?}, want {want:?}"),
            }
        }
    }
}
