//! The cook's data-table importer: CSV and JSON sources to typed tables.

use amsp_cook::{ImportError, ImportInput, ImportedAsset, Importer};

use super::table::{Cell, ColumnType, DataTable, TABLE_TYPE};

/// Largest table source accepted, in bytes.
pub const MAX_TABLE_SOURCE_BYTES: usize = 64 << 20;

/// Imports `.csv` files and `.table.json` files as [`DataTable`]s.
///
/// CSV: the first record is the header; every record must have as many
/// fields as the header (an error names the line); column types are
/// inferred (integer, float, bool, else text; empty fields are empty cells).
/// JSON: an array of objects with the same keys (the columns); values must
/// be `null`, bools, numbers or strings, one type per column (integers and
/// floats mix as floats). Catalog metadata: `rows`, `columns` (names) and
/// `types`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DataTableImporter;

impl Importer for DataTableImporter {
    fn name(&self) -> &str {
        "table"
    }

    fn version(&self) -> u32 {
        1
    }

    fn extensions(&self) -> &[&str] {
        &["csv", "table.json"]
    }

    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        let fail = |message: String| ImportError::new(format!("{}: {message}", input.path));
        if input.bytes.len() > MAX_TABLE_SOURCE_BYTES {
            return Err(fail(format!(
                "larger than the {MAX_TABLE_SOURCE_BYTES} bytes a table may have"
            )));
        }
        let table = if input.path.extension().as_deref() == Some("json") {
            json_table(input.bytes).map_err(fail)?
        } else {
            csv_table(input.bytes).map_err(fail)?
        };
        let metadata = serde_json::json!({
            "rows": table.rows.len(),
            "columns": table.columns.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            "types": table.columns.iter().map(|(_, t)| format!("{t:?}").to_lowercase()).collect::<Vec<_>>(),
        });
        Ok(ImportedAsset {
            asset_type: TABLE_TYPE.to_owned(),
            chunks: vec![table.encode()],
            metadata,
            ..ImportedAsset::default()
        })
    }
}

/// Parses CSV into a typed table.
///
/// # Errors
/// A message naming the line of a malformed record or a record of the wrong
/// length.
pub fn csv_table(bytes: &[u8]) -> Result<DataTable, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(bytes);
    let headers = reader.headers().map_err(|e| format!("invalid CSV header: {e}"))?.clone();
    if headers.is_empty() {
        return Err("empty CSV (no header)".into());
    }
    let mut raw: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths { pos, expected_len, len } => format!(
                "line {}: {len} fields, the header has {expected_len}",
                pos.as_ref().map_or(0, csv::Position::line)
            ),
            _ => format!("invalid CSV: {e}"),
        })?;
        raw.push(record.iter().map(str::to_owned).collect());
    }
    let mut columns = Vec::with_capacity(headers.len());
    for (i, name) in headers.iter().enumerate() {
        let cells = raw.iter().map(|r| r[i].trim()).filter(|c| !c.is_empty());
        let ty = if cells.clone().all(|c| c.parse::<i64>().is_ok()) {
            ColumnType::Int
        } else if cells.clone().all(|c| c.parse::<f64>().is_ok()) {
            ColumnType::Float
        } else if cells.clone().all(|c| c == "true" || c == "false") {
            ColumnType::Bool
        } else {
            ColumnType::Text
        };
        columns.push((name.to_owned(), ty));
    }
    let rows = raw
        .into_iter()
        .map(|r| {
            r.into_iter()
                .zip(&columns)
                .map(|(c, (_, ty))| {
                    let t = c.trim();
                    match ty {
                        _ if t.is_empty() && *ty != ColumnType::Text => Cell::Empty,
                        ColumnType::Int => t.parse().map_or(Cell::Empty, Cell::Int),
                        ColumnType::Float => t.parse().map_or(Cell::Empty, Cell::Float),
                        ColumnType::Bool => Cell::Bool(t == "true"),
                        ColumnType::Text if c.is_empty() => Cell::Empty,
                        ColumnType::Text => Cell::Text(c),
                    }
                })
                .collect()
        })
        .collect();
    Ok(DataTable { columns, rows })
}

/// Parses a JSON array of objects into a typed table.
///
/// # Errors
/// A message naming the row and column of a value that does not fit.
pub fn json_table(bytes: &[u8]) -> Result<DataTable, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    let serde_json::Value::Array(items) = value else {
        return Err("a JSON table must be an array of objects".into());
    };
    let mut columns: Vec<(String, Option<ColumnType>)> = Vec::new();
    if let Some(serde_json::Value::Object(first)) = items.first() {
        columns = first.keys().map(|k| (k.clone(), None)).collect();
    }
    let mut rows = Vec::with_capacity(items.len());
    for (r, item) in items.iter().enumerate() {
        let serde_json::Value::Object(obj) = item else {
            return Err(format!("row {r}: not an object"));
        };
        if obj.len() != columns.len() || columns.iter().any(|(k, _)| !obj.contains_key(k)) {
            let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            return Err(format!("row {r}: keys {keys:?} differ from the first row's"));
        }
        let mut row = Vec::with_capacity(columns.len());
        for (name, ty) in &mut columns {
            let (cell, t) = match &obj[name.as_str()] {
                serde_json::Value::Null => (Cell::Empty, None),
                serde_json::Value::Bool(b) => (Cell::Bool(*b), Some(ColumnType::Bool)),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => (Cell::Int(i), Some(ColumnType::Int)),
                    None => (Cell::Float(n.as_f64().unwrap_or(f64::NAN)), Some(ColumnType::Float)),
                },
                serde_json::Value::String(s) => (Cell::Text(s.clone()), Some(ColumnType::Text)),
                _ => {
                    return Err(format!(
                        "row {r}, column '{name}': nested arrays and objects are not table cells"
                    ));
                }
            };
            *ty = match (*ty, t) {
                (a, None) => a,
                (None, b) => b,
                (Some(a), Some(b)) if a == b => Some(a),
                (
                    Some(ColumnType::Int | ColumnType::Float),
                    Some(ColumnType::Int | ColumnType::Float),
                ) => Some(ColumnType::Float),
                (Some(a), Some(b)) => {
                    return Err(format!("row {r}, column '{name}': {b:?} value in a {a:?} column"));
                }
            };
            row.push(cell);
        }
        rows.push(row);
    }
    let columns: Vec<(String, ColumnType)> =
        columns.into_iter().map(|(n, t)| (n, t.unwrap_or(ColumnType::Text))).collect();
    // Integers in a float column become floats.
    for row in &mut rows {
        for (cell, (_, ty)) in row.iter_mut().zip(&columns) {
            if let (Cell::Int(i), ColumnType::Float) = (&*cell, ty) {
                *cell = Cell::Float(*i as f64);
            }
        }
    }
    Ok(DataTable { columns, rows })
}
