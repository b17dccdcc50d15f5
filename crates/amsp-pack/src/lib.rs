//! The AMSP pack container: many cooked assets in one file, each readable
//! alone, each chunk of an asset readable alone.
//!
//! - [`PackWriter`] writes a pack atomically: data goes to a temporary file
//!   next to the target, which is fsynced and renamed into place by
//!   [`PackWriter::finish`]. Each entry holds one or more chunks (a texture's
//!   mip levels, a mesh's LODs), each compressed on its own with the entry's
//!   [`Codec`](amsp_core::Codec), or stored raw when compression does not pay.
//!   [`PreparedEntry`] does that compression ahead of time, on any thread, for
//!   [`PackWriter::add_prepared`].
//! - [`PackReader`] opens a pack, validates its header and table of contents,
//!   and serves entries by index, by [`AssetId`](amsp_core::AssetId)
//!   ([`PackReader::find`]) or by content hash ([`PackReader::find_by_hash`]),
//!   with positioned reads from any number of threads. Every read checks the
//!   stored bytes against their checksum; [`PackReader::verify`] checks the
//!   whole file.
//! - Damaged files are reported as [`PackReadError::Corrupt`] or
//!   [`PackReadError::Truncated`], naming the pack and the entry; wrong bytes
//!   are never returned.
//!
//! The byte layout is in `docs/pack-format.md` and, in short, on the
//! [`format`](mod@format) constants.
//!
//! ```
//! use amsp_core::{AssetId, Codec};
//! use amsp_pack::{PackReader, PackWriter, WriteOptions, content_hash};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("pack-000001.amsp");
//!
//! let texture = AssetId::from_u128(0x1234);
//! let mips: [&[u8]; 3] = [&[7; 4096], &[8; 1024], &[9; 256]];
//! let mut writer = PackWriter::create(&path, WriteOptions::default())?;
//! writer.add_entry(texture, &mips, Codec::Zstd)?;
//! writer.add_entry(AssetId::from_u128(0x99), &[b"a small script"], Codec::None)?;
//! let summary = writer.finish()?;
//! assert_eq!(summary.entries.len(), 2);
//!
//! let pack = PackReader::open(&path)?;
//! let entry = pack.find(texture).ok_or("texture missing")?;
//! let mut mip = Vec::new();
//! pack.read_chunk(entry, 2, &mut mip)?; // the smallest mip alone
//! assert_eq!(mip, [9; 256]);
//! assert_eq!(pack.find_by_hash(&content_hash(&mips)), Some(entry));
//! assert_eq!(pack.read_entry(entry)?.len(), 4096 + 1024 + 256);
//! pack.verify()?;
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod codec;
mod error;
pub mod format;
mod pread;
mod prepared;
mod reader;
mod toc;
mod verify;
mod writer;

pub use error::{PackReadError, PackWriteError};
pub use format::{ChunkInfo, EntryInfo, FORMAT_VERSION, content_hash};
pub use prepared::PreparedEntry;
pub use reader::{PackReader, ReadLimits};
pub use verify::VerifyReport;
pub use writer::{EntrySummary, PackSummary, PackWriter, WriteOptions};
