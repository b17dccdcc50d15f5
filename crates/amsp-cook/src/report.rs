//! What a cook did.

use std::time::Duration;

use serde::Serialize;

/// One asset that failed to cook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CookFailure {
    /// The source path (relative to the source root when it is a valid asset
    /// path, else as found on disk).
    pub path: String,
    /// What went wrong.
    pub error: String,
}

/// The summary of a cook run; `--json` prints it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CookReport {
    /// Assets imported and packed in this run.
    pub cooked: usize,
    /// Assets whose cooked form was still valid.
    pub unchanged: usize,
    /// Assets that failed (each listed in `errors`).
    pub failed: usize,
    /// Assets removed from the catalog because their source is gone.
    pub removed: usize,
    /// Assets whose stored bytes were copied into a new pack to compact an
    /// old one.
    pub relocated: usize,
    /// The failures.
    pub errors: Vec<CookFailure>,
    /// Things worth knowing that did not fail the cook (duplicate ids fixed…).
    pub warnings: Vec<String>,
    /// Pack files written in this run, relative to the output folder.
    pub packs_written: Vec<String>,
    /// Pack files deleted in this run (fully superseded or compacted).
    pub packs_removed: Vec<String>,
    /// Source bytes of the cooked assets.
    pub source_bytes: u64,
    /// Cooked (uncompressed) bytes of the cooked assets.
    pub cooked_bytes: u64,
    /// Stored (compressed) bytes of the cooked assets.
    pub stored_bytes: u64,
    /// Wall time of the run.
    #[serde(serialize_with = "as_secs")]
    pub elapsed: Duration,
    /// Worker threads used.
    pub threads: usize,
}

impl CookReport {
    /// Whether the run changed nothing in the output.
    #[must_use]
    pub fn nothing_changed(&self) -> bool {
        self.cooked == 0
            && self.removed == 0
            && self.relocated == 0
            && self.packs_removed.is_empty()
    }

    /// Whether every asset cooked.
    #[must_use]
    pub fn success(&self) -> bool {
        self.failed == 0
    }
}

fn as_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}
