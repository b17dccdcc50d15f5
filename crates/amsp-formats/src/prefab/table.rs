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
        varint(&mut out, self.columns.len() as u64);
        for (name, ty) in &self.columns {
            varint(&mut out, name.len() as u64);
            out.extend_from_slice(name.as_bytes());
            out.push(*ty as u8);
        }
        varint(&mut out, self.rows.len() as u64);
        for cell in self.rows.iter().flatten() {
            match cell {
                Cell::Empty => out.push(0),
                Cell::Int(i) => {
                    out.push(1);
                    varint(&mut out, ((i << 1) ^ (i >> 63)) as u64);
                }
                Cell::Float(f) => {
                    out.push(2);
                    out.extend_from_slice(&f.to_le_bytes());
                }
                Cell::Bool(b) => out.push(3 + u8::from(*b)),
                Cell::Text(s) => {
                    out.push(5);
                    varint(&mut out, s.len() as u64);
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
        let mut r = Reader { bytes, pos: 0 };
        if bytes.get(..4) != Some(&TABLE_MAGIC[..]) {
            return Err(r.err("not a cooked table (bad magic)"));
        }
        r.pos = 4;
        if r.byte()? != TABLE_FORMAT_VERSION {
            return Err(r.err("unsupported version"));
        }
        let ncols = r.count(2)?;
        let mut columns = Vec::with_capacity(ncols);
        for _ in 0..ncols {
            let name = r.text()?;
            let ty = match r.byte()? {
                0 => ColumnType::Text,
                1 => ColumnType::Int,
                2 => ColumnType::Float,
                3 => ColumnType::Bool,
                t => return Err(r.err(format!("unknown column type {t}"))),
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
                    5 => Cell::Text(r.text()?),
                    t => return Err(r.err(format!("unknown cell tag {t}"))),
                });
            }
            rows.push(row);
        }
        if r.pos != bytes.len() {
            return Err(r.err("trailing bytes"));
        }
        Ok(Self { columns, rows })
    }
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, message: impl Into<String>) -> TableDecodeError {
        TableDecodeError { offset: self.pos, message: message.into() }
    }

    fn byte(&mut self) -> Result<u8, TableDecodeError> {
        Ok(self.take(1)?[0])
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], TableDecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| self.err("truncated"))?;
        let b = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, TableDecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err("varint too long"))
    }

    fn count(&mut self, min_size: usize) -> Result<usize, TableDecodeError> {
        let n = self.varint()?;
        let left = self.bytes.len() - self.pos;
        match usize::try_from(n).ok().and_then(|n| n.checked_mul(min_size)) {
            Some(size) if size <= left => Ok(n as usize),
            _ => Err(self.err(format!("count {n} exceeds the {left} bytes left"))),
        }
    }

    fn text(&mut self) -> Result<String, TableDecodeError> {
        let n = self.count(1)?;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| self.err("text is not UTF-8"))
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
