//! Writing cooked entries into a run's new pack files, rolling over at a size
//! cap, and naming packs.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use amsp_catalog::PackRecord;
use amsp_core::AssetId;
use amsp_pack::{PackReader, PackSummary, PackWriter, PreparedEntry, WriteOptions};

use crate::error::CookError;

/// Folder of the pack files, relative to the output folder.
pub const PACK_DIR: &str = "packs";
/// The lock file that keeps two cooks off one output folder.
const LOCK_FILE: &str = ".amsp-cook.lock";
/// Extension of pack files.
pub const PACK_EXTENSION: &str = "amsp";

/// The file name (relative to the output folder) of pack number `seq`.
#[must_use]
pub fn pack_name(seq: u64) -> String {
    format!("{PACK_DIR}/pack-{seq:06}.{PACK_EXTENSION}")
}

/// The sequence number in a pack file name, if it is one of ours.
#[must_use]
pub fn pack_seq(file_name: &str) -> Option<u64> {
    file_name.strip_prefix("pack-")?.strip_suffix(".amsp")?.parse().ok()
}

/// Where one written entry ended up.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    pub pack: String,
    pub entry: u32,
    pub stored_size: u64,
}

/// The sealed packs of a run (name and summary) and where each entry went.
pub(crate) type Finished = (Vec<(String, PackSummary)>, Vec<(AssetId, Placed)>);

/// The new packs of one cook run.
pub(crate) struct PackSetWriter {
    out: PathBuf,
    next_seq: u64,
    max_pack_bytes: u64,
    options: WriteOptions,
    current: Option<(String, PackWriter)>,
    finished: Vec<(String, PackSummary)>,
}

impl PackSetWriter {
    pub fn new(out: &Path, next_seq: u64, max_pack_bytes: u64, options: WriteOptions) -> Self {
        Self {
            out: out.to_owned(),
            next_seq,
            max_pack_bytes,
            options,
            current: None,
            finished: Vec::new(),
        }
    }

    fn writer_for(&mut self, incoming: u64) -> Result<&mut PackWriter, CookError> {
        let full = self.current.as_ref().is_some_and(|(_, w)| {
            w.entry_count() > 0 && w.bytes_written().saturating_add(incoming) > self.max_pack_bytes
        });
        if full {
            self.seal()?;
        }
        if self.current.is_none() {
            let name = pack_name(self.next_seq);
            self.next_seq += 1;
            let writer = PackWriter::create(self.out.join(&name), self.options)?;
            self.current = Some((name, writer));
        }
        Ok(&mut self.current.as_mut().expect("writer was just created").1)
    }

    fn seal(&mut self) -> Result<(), CookError> {
        if let Some((name, writer)) = self.current.take() {
            let summary = writer.finish()?;
            self.finished.push((name, summary));
        }
        Ok(())
    }

    /// Appends an entry that was compressed beforehand.
    pub fn add(&mut self, entry: PreparedEntry) -> Result<(), CookError> {
        self.writer_for(entry.stored_size())?.add_prepared(entry)?;
        Ok(())
    }

    /// Copies entry `index` of `from` verbatim.
    pub fn copy(&mut self, from: &PackReader, index: usize) -> Result<(), CookError> {
        let size = from.entries()[index].stored_size;
        self.writer_for(size)?.copy_entry(from, index)?;
        Ok(())
    }

    /// Seals the last pack and returns where every entry went, by id.
    pub fn finish(mut self) -> Result<Finished, CookError> {
        self.seal()?;
        let mut placed = Vec::new();
        for (name, summary) in &self.finished {
            for (index, entry) in summary.entries.iter().enumerate() {
                placed.push((
                    entry.id,
                    Placed {
                        pack: name.clone(),
                        entry: u32::try_from(index).unwrap_or(u32::MAX),
                        stored_size: entry.stored_size,
                    },
                ));
            }
        }
        Ok((std::mem::take(&mut self.finished), placed))
    }

    /// Deletes the packs sealed so far (after a failure before the catalog
    /// committed them).
    pub fn discard(self) {
        for (name, _) in &self.finished {
            let _ = std::fs::remove_file(self.out.join(name));
        }
    }
}

/// Removes leftovers of interrupted runs from the packs folder (temporary
/// files, packs the catalog never committed) and returns the next free pack
/// number.
pub(crate) fn clean_packs_dir(dir: &Path, known: &[PackRecord]) -> Result<u64, CookError> {
    let known: HashSet<&str> = known.iter().map(|p| p.name.as_str()).collect();
    let mut max_seq = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| CookError::io(dir, e))? {
        let entry = entry.map_err(|e| CookError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = format!("{PACK_DIR}/{name}");
        if let Some(seq) = pack_seq(&name) {
            max_seq = max_seq.max(seq);
            if !known.contains(relative.as_str()) {
                let _ = std::fs::remove_file(entry.path());
            }
        } else if name.starts_with('.') {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    for name in &known {
        if let Some(seq) = name.rsplit('/').next().and_then(pack_seq) {
            max_seq = max_seq.max(seq);
        }
    }
    Ok(max_seq + 1)
}

/// Takes the output folder's lock, so two cooks never write one output.
pub(crate) fn lock_output(out: &Path) -> Result<File, CookError> {
    let path = out.join(LOCK_FILE);
    let file = File::create(&path).map_err(|e| CookError::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(CookError::Locked { path }),
        Err(std::fs::TryLockError::Error(e)) => Err(CookError::io(&path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(pack_name(7), "packs/pack-000007.amsp");
        assert_eq!(pack_seq("pack-000007.amsp"), Some(7));
        assert_eq!(pack_seq("pack-1234567.amsp"), Some(1_234_567));
        assert_eq!(pack_seq(".pack-000007.amsp.tmp"), None);
        assert_eq!(pack_seq("other.amsp"), None);
    }
}
