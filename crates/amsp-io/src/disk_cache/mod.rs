//! The disk cache (L2): bytes that were expensive to get, kept on local disk.
//!
//! For bytes fetched from a slow or remote source, or produced at load time
//! (a UASTC texture transcoded to BC7). Entries are content-addressed by a
//! [`CacheKey`] (content hash, kind, format version, engine version), so
//! invalidation is exact: an entry is only ever found by the inputs it was
//! made from.
//!
//! - **Layout.** `DIR/lock`, and each entry in `DIR/ab/abcd…` (the key's
//!   64-digit hex digest, in one of 256 folders named by its first byte).
//!   Each entry file is a 64-byte header (magic, format version, key digest,
//!   payload length, XXH3-64 payload checksum) and the payload.
//! - **Every read is verified.** Right key, right length, checksum; a bad
//!   entry (flipped byte, truncation, wrong key) is a miss, is removed and is
//!   counted ([`DiskCacheStats::corrupt`]); its bytes are never served.
//! - **Every write is atomic.** A temporary file `.tmp-…` in the entry's
//!   folder, written, synced, renamed over the entry name (and the folder
//!   synced). Reads only open entry names, so a temporary file left by a
//!   crash is never read; `open` removes them. A write that fails (a full
//!   disk) removes its temporary file and leaves the cache as it was.
//! - **Size cap with LRU eviction.** The cache keeps an index in memory of
//!   every entry's size and last use. It is rebuilt at `open` by scanning the
//!   folders, ordering entries by their file's modification time; a hit sets
//!   the file's modification time to now, so the order of use survives a
//!   restart without an index file to keep consistent. A `put` that would
//!   pass `max_bytes` first evicts the least recently used entries.
//! - **One owner.** `open` takes an exclusive lock on `DIR/lock` (released
//!   when the cache is dropped, or by the OS when the process dies): the
//!   in-memory index is the truth while the cache is open. Share one
//!   `DiskCache` (it is `Sync`) between threads.
//!
//! ```
//! use amsp_core::ContentHash;
//! use amsp_io::{CacheKey, DiskCache, DiskCacheConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let tmp = tempfile::tempdir()?;
//! let cache = DiskCache::open(tmp.path(), DiskCacheConfig { max_bytes: 1 << 20, ..Default::default() })?;
//! let key = CacheKey::new(ContentHash([1; 32]), "texture-bc7", 1);
//! assert_eq!(cache.get(&key), None);
//! cache.put(&key, b"transcoded texels")?;
//! assert_eq!(cache.get(&key).as_deref(), Some(&b"transcoded texels"[..]));
//! assert_eq!(cache.stats().hits, 1);
//! # Ok(())
//! # }
//! ```

mod caching_source;
mod entry;
mod error;
mod index;
mod key;
mod location;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

pub use caching_source::{CHUNK_FORMAT_VERSION, CHUNK_KIND, CachingSource};
pub use error::DiskCacheError;
pub use key::{CacheKey, ENGINE_VERSION};
pub use location::default_cache_dir;

use entry::EntryFault;
use index::Index;

/// Name of the lock file in the cache folder.
pub const LOCK_FILE: &str = "lock";
/// Prefix of temporary files (entries being written).
pub const TEMP_PREFIX: &str = ".tmp-";

/// Settings of a [`DiskCache`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskCacheConfig {
    /// Cap on the total size of the entry files (headers included); the
    /// least recently used entries are evicted to stay under it.
    pub max_bytes: u64,
    /// Sync each entry (and its folder) to disk before it becomes visible,
    /// so a power loss cannot leave a renamed but unwritten entry (such an
    /// entry would still fail verification and never be served). On by
    /// default.
    pub sync_writes: bool,
}

impl Default for DiskCacheConfig {
    /// 2 GiB, synced writes.
    fn default() -> Self {
        Self { max_bytes: 2 << 30, sync_writes: true }
    }
}

/// Counters of a [`DiskCache`] since it was opened, and its current size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiskCacheStats {
    /// Reads served.
    pub hits: u64,
    /// Reads not served (no entry, or a bad one).
    pub misses: u64,
    /// Entries found corrupt on read (and removed); included in `misses`.
    pub corrupt: u64,
    /// Entries that could not be read (I/O error; removed); in `misses`.
    pub read_errors: u64,
    /// Entries evicted to stay under the cap.
    pub evictions: u64,
    /// Entries written.
    pub writes: u64,
    /// Writes that failed or were refused (full disk, I/O error, larger
    /// than the cap); nothing of them remains.
    pub write_errors: u64,
    /// Entries now in the cache.
    pub entries: u64,
    /// Total size of the entry files now in the cache.
    pub bytes: u64,
}

impl std::ops::AddAssign for DiskCacheStats {
    /// Sums the counters of two caches (a source over several).
    fn add_assign(&mut self, other: Self) {
        self.hits += other.hits;
        self.misses += other.misses;
        self.corrupt += other.corrupt;
        self.read_errors += other.read_errors;
        self.evictions += other.evictions;
        self.writes += other.writes;
        self.write_errors += other.write_errors;
        self.entries += other.entries;
        self.bytes += other.bytes;
    }
}

/// What the lock guards: the index and the counters.
#[derive(Debug, Default)]
struct State {
    index: Index,
    stats: DiskCacheStats,
    last_fault: Option<String>,
}

/// A size-capped, content-addressed cache of byte strings in a folder on
/// local disk. See the [module documentation](self).
#[derive(Debug)]
pub struct DiskCache {
    dir: PathBuf,
    config: DiskCacheConfig,
    state: Mutex<State>,
    /// Makes temporary file names unique within the process.
    temp_counter: AtomicU64,
    /// Held (locked) while the cache is open.
    _lock: File,
}

impl DiskCache {
    /// Opens (creating it if needed) the cache in `dir`: takes its lock,
    /// removes temporary files left by interrupted writes, indexes the
    /// entries and evicts the least recently used ones if they exceed
    /// `config.max_bytes`.
    ///
    /// # Errors
    /// [`DiskCacheError::Locked`] when another cache has `dir` open;
    /// [`DiskCacheError::Io`] when the folder cannot be created or scanned.
    pub fn open(dir: impl AsRef<Path>, config: DiskCacheConfig) -> Result<Self, DiskCacheError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| DiskCacheError::io("create", &dir, e))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| DiskCacheError::io("open", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(DiskCacheError::Locked { path: lock_path });
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(DiskCacheError::io("lock", lock_path, e));
            }
        }
        let mut found = scan(&dir)?;
        // Oldest first; the key breaks ties so the order is deterministic.
        found.sort_by(|a, b| (a.2, a.0.digest()).cmp(&(b.2, b.0.digest())));
        let mut state = State::default();
        for (key, bytes, _) in found {
            state.index.insert(key, bytes);
        }
        let cache = Self {
            dir,
            config,
            state: Mutex::new(state),
            temp_counter: AtomicU64::new(0),
            _lock: lock,
        };
        {
            let mut state = cache.lock();
            let none = CacheKey::from_digest([0; 32]);
            cache.evict_until(&mut state, &none, 0)?;
        }
        Ok(cache)
    }

    /// Opens the cache in the platform's cache folder
    /// ([`default_cache_dir`]).
    ///
    /// # Errors
    /// [`DiskCacheError::NoDefaultDir`], or as [`open`](DiskCache::open).
    pub fn open_default(config: DiskCacheConfig) -> Result<Self, DiskCacheError> {
        Self::open(default_cache_dir()?, config)
    }

    /// The cache folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The settings the cache was opened with.
    #[must_use]
    pub fn config(&self) -> &DiskCacheConfig {
        &self.config
    }

    /// The counters and current size.
    #[must_use]
    pub fn stats(&self) -> DiskCacheStats {
        let state = self.lock();
        DiskCacheStats {
            entries: state.index.len() as u64,
            bytes: state.index.bytes(),
            ..state.stats
        }
    }

    /// What was wrong with the last entry that failed verification or could
    /// not be read (naming its file), if any did since the cache was opened.
    #[must_use]
    pub fn last_fault(&self) -> Option<String> {
        self.lock().last_fault.clone()
    }

    /// Whether the cache has an entry for `key` (not yet verified: a later
    /// [`get`](DiskCache::get) may still find it corrupt).
    #[must_use]
    pub fn contains(&self, key: &CacheKey) -> bool {
        self.lock().index.contains(key)
    }

    /// The path of `key`'s entry file (whether or not it exists).
    #[must_use]
    pub fn entry_path(&self, key: &CacheKey) -> PathBuf {
        let hex = key.to_hex();
        self.dir.join(&hex[..2]).join(hex)
    }

    /// The bytes stored under `key`, verified, or `None` when there is no
    /// entry or it does not verify (then it is removed).
    #[must_use]
    pub fn get(&self, key: &CacheKey) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        self.get_into(key, &mut out).then_some(out)
    }

    /// As [`get`](DiskCache::get), into `out` (replacing its contents);
    /// returns whether it was a hit. On a miss `out` is left empty.
    pub fn get_into(&self, key: &CacheKey, out: &mut Vec<u8>) -> bool {
        out.clear();
        let expected = {
            let mut state = self.lock();
            match state.index.size_of(key) {
                Some(bytes) => bytes,
                None => {
                    state.stats.misses += 1;
                    return false;
                }
            }
        };
        let path = self.entry_path(key);
        let fault = match read_entry(&path, expected, key, out) {
            Ok(()) => {
                let mut state = self.lock();
                state.index.touch(key);
                state.stats.hits += 1;
                return true;
            }
            Err(fault) => fault,
        };
        out.clear();
        let mut state = self.lock();
        state.stats.misses += 1;
        if state.index.size_of(key) != Some(expected) {
            // A `put` replaced (or a removal dropped) the entry while it was
            // read: what was read is stale, not damage; the new entry stays.
            return false;
        }
        match fault {
            EntryFault::Io(e) if e.kind() == io::ErrorKind::NotFound => {}
            EntryFault::Io(e) => {
                state.stats.read_errors += 1;
                state.last_fault = Some(format!("cannot read {}: {e}", path.display()));
            }
            EntryFault::Corrupt(detail) => {
                state.stats.corrupt += 1;
                state.last_fault = Some(format!("{} is corrupt: {detail}", path.display()));
            }
        }
        // Removing under the lock keeps file and index in step even when a
        // `put` of the same key races with this read.
        if remove_file(&path).is_ok() {
            state.index.remove(key);
        }
        false
    }

    /// Stores `bytes` under `key`, replacing any entry, atomically: readers
    /// see the old entry or the new one, never part of one, whatever
    /// happens to the process or the disk.
    ///
    /// # Errors
    /// [`DiskCacheError::TooLarge`] when the entry alone exceeds the cap;
    /// [`DiskCacheError::NoSpace`] when the disk (or file size limit) is
    /// full; [`DiskCacheError::Io`] for other failures. In every case
    /// nothing of the new entry is left on disk and the cache's accounting
    /// is unchanged, except for entries evicted to make room.
    pub fn put(&self, key: &CacheKey, bytes: &[u8]) -> Result<(), DiskCacheError> {
        let max_bytes = self.config.max_bytes;
        let size = entry::file_len(bytes.len()).unwrap_or(u64::MAX);
        let result = if size > max_bytes {
            Err(DiskCacheError::TooLarge { bytes: size, max_bytes })
        } else {
            let hex = key.to_hex();
            self.write_and_commit(key, bytes, size, &self.dir.join(&hex[..2]), &hex)
        };
        if result.is_err() {
            self.lock().stats.write_errors += 1;
        }
        result
    }

    /// Removes `key`'s entry; returns whether there was one.
    ///
    /// # Errors
    /// [`DiskCacheError::Io`] when the file cannot be removed (the entry
    /// then stays).
    pub fn remove(&self, key: &CacheKey) -> Result<bool, DiskCacheError> {
        let mut state = self.lock();
        if !state.index.contains(key) {
            return Ok(false);
        }
        let path = self.entry_path(key);
        remove_file(&path).map_err(|e| DiskCacheError::io("remove", &path, e))?;
        state.index.remove(key);
        Ok(true)
    }

    fn write_and_commit(
        &self,
        key: &CacheKey,
        bytes: &[u8],
        size: u64,
        folder: &Path,
        hex: &str,
    ) -> Result<(), DiskCacheError> {
        match fs::create_dir(folder) {
            Ok(()) => self.sync_dir(&self.dir)?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(DiskCacheError::io("create", folder, e)),
        }
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let temp = folder.join(format!("{TEMP_PREFIX}{hex}-{}-{n}", std::process::id()));
        if let Err(e) = self.write_temp(&temp, key, bytes) {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        let path = folder.join(hex);
        {
            let mut state = self.lock();
            if let Err(e) = self.evict_until(&mut state, key, size) {
                let _ = fs::remove_file(&temp);
                return Err(e);
            }
            if let Err(e) = fs::rename(&temp, &path) {
                let _ = fs::remove_file(&temp);
                return Err(DiskCacheError::io("rename", &temp, e));
            }
            state.index.insert(*key, size);
            state.stats.writes += 1;
        }
        // The entry is visible and accounted for. Syncing the folder makes
        // the rename durable across a power loss; if that fails the entry
        // may be lost in one, which a cache tolerates (it is refetched), so
        // the write still counts as done.
        let _ = self.sync_dir(folder);
        Ok(())
    }

    fn write_temp(&self, temp: &Path, key: &CacheKey, bytes: &[u8]) -> Result<(), DiskCacheError> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(temp)
            .map_err(|e| DiskCacheError::io("create", temp, e))?;
        file.write_all(&entry::header(key, bytes))
            .and_then(|()| file.write_all(bytes))
            .map_err(|e| DiskCacheError::io("write", temp, e))?;
        if self.config.sync_writes {
            file.sync_all().map_err(|e| DiskCacheError::io("sync", temp, e))?;
        }
        Ok(())
    }

    /// Evicts least recently used entries other than `keep` until an entry
    /// of `incoming` bytes for `keep` fits under the cap.
    fn evict_until(
        &self,
        state: &mut State,
        keep: &CacheKey,
        incoming: u64,
    ) -> Result<(), DiskCacheError> {
        let replaced = state.index.size_of(keep).unwrap_or(0);
        while state.index.bytes() - replaced + incoming > self.config.max_bytes {
            let Some(victim) = state.index.oldest_except(keep) else { break };
            let path = self.entry_path(&victim);
            remove_file(&path).map_err(|e| DiskCacheError::io("evict", &path, e))?;
            state.index.remove(&victim);
            state.stats.evictions += 1;
        }
        Ok(())
    }

    #[cfg(unix)]
    fn sync_dir(&self, dir: &Path) -> Result<(), DiskCacheError> {
        if !self.config.sync_writes {
            return Ok(());
        }
        File::open(dir).and_then(|f| f.sync_all()).map_err(|e| DiskCacheError::io("sync", dir, e))
    }

    #[cfg(not(unix))]
    fn sync_dir(&self, _dir: &Path) -> Result<(), DiskCacheError> {
        // Folders cannot be opened and synced here; the rename is made
        // durable by the file system's own journal.
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is consistent between statements (no panic can happen
        // midway through an update), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Removes a file; one already gone counts as removed.
fn remove_file(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Reads and verifies an entry whose file the index says is `expected`
/// bytes long, then marks it used (modification time) for the next `open`.
fn read_entry(
    path: &Path,
    expected: u64,
    key: &CacheKey,
    out: &mut Vec<u8>,
) -> Result<(), EntryFault> {
    let mut file = File::open(path).map_err(EntryFault::Io)?;
    let len = file.metadata().map_err(EntryFault::Io)?.len();
    if len != expected {
        return Err(EntryFault::Corrupt(format!(
            "{len} bytes on disk, {expected} bytes when written"
        )));
    }
    entry::read_verified(&mut file, len, key, out)?;
    // Best effort: a file whose time cannot be set is only ordered as if
    // older at the next open.
    let _ = file.set_modified(SystemTime::now());
    Ok(())
}

/// Removes temporary files and lists the entries: key, file size, mtime.
fn scan(dir: &Path) -> Result<Vec<(CacheKey, u64, SystemTime)>, DiskCacheError> {
    let mut found = Vec::new();
    for byte in 0..=255u8 {
        let folder = dir.join(format!("{byte:02x}"));
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(DiskCacheError::io("scan", &folder, e)),
        };
        for item in entries {
            let item = item.map_err(|e| DiskCacheError::io("scan", &folder, e))?;
            let name = item.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with(TEMP_PREFIX) {
                let path = item.path();
                remove_file(&path).map_err(|e| DiskCacheError::io("remove", &path, e))?;
                continue;
            }
            // Files the cache did not write (wrong name or folder) are left
            // alone and never read.
            let Some(key) = key::parse_hex(name).filter(|k| k.digest()[0] == byte) else {
                continue;
            };
            let meta = match item.metadata() {
                Ok(meta) if meta.is_file() => meta,
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(DiskCacheError::io("scan", item.path(), e)),
            };
            let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            found.push((key, meta.len(), mtime));
        }
    }
    Ok(found)
}
