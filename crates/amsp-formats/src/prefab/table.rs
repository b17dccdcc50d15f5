//! Data tables: CSV and JSON sources cooked into typed tables (a header of
//! typed columns and rows of cells).
//!
//! Cooked form (one chunk):
//!
//! ```text
//! magic   "AMTB" (4 bytes), version u8 = 1
//! columns varint count, per column: varint name length, UTF-8 name, type u8
//!         (0 text, 1 integer, 2 float, 3 bool)
//! rows    varint count, then count × columns cells, row by row:
//!         tag u8: 0 empty · 1 integer (zigzag varint) · 2 float (f64 LE)
//!         · 3 false · 4 true · 5 text (varint length, UTF-8)
//! ```

use super::bytes::{ByteReader, Fault, write_varint};

/// Cooked type of data tables.
pub const TABLE_TYPE: &str = "table";

const TABLE_MAGIC: [u8; 4] = *b"AMTB";
const TABLE_FORMAT_VERSION: u8 = 1;

/// The type of a table column, inferred from its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text (anything).
    Text,
    /// Every non-empty cell is an integer.
    Int,
    /// Every non-empty cell is a number.
    Float,
    /// Every non-empty cell is `true` or `false`.
    Bool,
}

/// One cell of a [`DataTable`].
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value (an empty CSV field, a JSON `null`).
    Empty,
    /// An integer.
    Int(i64),
    /// A number.
    Float(f64),
    /// A bool.
    Bool(bool),
    /// Text.
    Text(String),
}

/// A typed table: named, typed columns and rows of cells (every row has one
/// cell per column, of the column's type or [`Cell::Empty`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataTable {
    /// Column names and types.
    pub columns: Vec<(String, ColumnType)>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
}

/// Why cooked table bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cooked table, byte {offset}: {message}")]
pub struct TableDecodeError {
    /// Where decoding stopped.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl DataTable {
    /// The index of column `name`.
    #[must_use]
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(n, _)| n == name)
    }

    /// Encodes the table into its cooked form.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&TABLE_MAGIC);
        out.push(TABLE_FORMAT_VERSION);
        write_varint(&mut out, self.columns.len() as u64);
        for (name, ty) in &self.columns {
            write_varint(&mut out, name.len() as u64);
            out.extend_from_slice(name.as_bytes());
            out.push(*ty as u8);
        }
        write_varint(&mut out, self.rows.len() as u64);
        for cell in self.rows.iter().flatten() {
            match cell {
                Cell::Empty => out.push(0),
                Cell::Int(i) => {
                    out.push(1);
                    write_varint(&mut out, ((i << 1) ^ (i >> 63)) as u64);
                }
                Cell::Float(f) => {
                    out.push(2);
                    out.extend_from_slice(&f.to_le_bytes());
                }
                Cell::Bool(b) => out.push(3 + u8::from(*b)),
                Cell::Text(s) => {
                    out.push(5);
                    write_varint(&mut out, s.len() as u64);
                    out.extend_from_slice(s.as_bytes());
                }
            }
        }
        out
    }

    /// Decodes a cooked table.
    ///
    /// # Errors
    /// [`TableDecodeError`] for bytes that are not a complete, valid table.
    pub fn decode(bytes: &[u8]) -> Result<Self, TableDecodeError> {
        let mut r = ByteReader::new(bytes);
        r.magic(&TABLE_MAGIC, "table")?;
        if r.byte()? != TABLE_FORMAT_VERSION {
            return Err(r.fault("unsupported version").into());
        }
        let ncols = r.count(2)?;
        let mut columns = Vec::with_capacity(ncols);
        for _ in 0..ncols {
            let name = r.str()?.to_owned();
            let ty = match r.byte()? {
                0 => ColumnType::Text,
                1 => ColumnType::Int,
                2 => ColumnType::Float,
                3 => ColumnType::Bool,
                t => return Err(r.fault(format!("unknown column type {t}")).into()),
            };
            columns.push((name, ty));
        }
        let nrows = r.count(ncols.max(1))?;
        let mut rows = Vec::with_capacity(nrows);
        for _ in 0..nrows {
            let mut row = Vec::with_capacity(ncols);
            for _ in 0..ncols {
                row.push(match r.byte()? {
                    0 => Cell::Empty,
                    1 => {
                        let z = r.varint()?;
                        Cell::Int(((z >> 1) as i64) ^ -((z & 1) as i64))
                    }
                    2 => {
                        let b = r.take(8)?;
                        let mut a = [0u8; 8];
                        a.copy_from_slice(b);
                        Cell::Float(f64::from_le_bytes(a))
                    }
                    3 => Cell::Bool(false),
                    4 => Cell::Bool(true),
                    5 => Cell::Text(r.str()?.to_owned()),
                    t => return Err(r.fault(format!("unknown cell tag {t}")).into()),
                });
            }
            rows.push(row);
        }
        if !r.at_end() {
            return Err(r.fault("trailing bytes").into());
        }
        Ok(Self { columns, rows })
    }
}

impl From<Fault> for TableDecodeError {
    fn from(fault: Fault) -> Self {
        TableDecodeError { offset: fault.offset, message: fault.message }
    }
}

#[cfg(feature = "runtime")]
pub use runtime::DataTableLoader;

#[cfg(feature = "runtime")]
mod runtime {
    use amsp_runtime::{Asset, AssetLoader, LoadContext, LoadError, LoadInput};

    use super::{DataTable, TABLE_TYPE};

    impl Asset for DataTable {
        const TYPE_NAME: &'static str = "DataTable";

        fn byte_size(&self) -> usize {
            let cells: usize = self
                .rows
                .iter()
                .flatten()
                .map(|c| {
                    size_of::<super::Cell>()
                        + if let super::Cell::Text(s) = c { s.capacity() } else { 0 }
                })
                .sum();
            cells + self.columns.iter().map(|(n, _)| n.capacity() + 32).sum::<usize>()
        }

        /// An empty table.
        fn placeholder() -> Option<Self> {
            Some(Self::default())
        }
    }

    /// Loads cooked `table` assets as [`DataTable`]s.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct DataTableLoader;

    impl AssetLoader for DataTableLoader {
        type Asset = DataTable;

        fn asset_types(&self) -> &[&str] {
            &[TABLE_TYPE]
        }

        fn load(
            &self,
            input: LoadInput,
            ctx: &mut LoadContext<'_>,
        ) -> Result<DataTable, LoadError> {
            let bytes = input.read_all()?;
            DataTable::decode(&bytes).map_err(|e| ctx.parse_error(e))
        }
    }
}
