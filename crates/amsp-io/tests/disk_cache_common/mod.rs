//! What the disk cache tests share: the files a cache folder holds, and
//! the check that the cache's accounting agrees with them.

use std::fs;
use std::path::{Path, PathBuf};

use amsp_io::DiskCache;
use amsp_io::disk_cache::TEMP_PREFIX;

/// Every file in the cache's fan-out folders: (entry files, temp files).
pub fn files(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut entries, mut temps) = (Vec::new(), Vec::new());
    for item in fs::read_dir(dir).unwrap() {
        let item = item.unwrap();
        if !item.file_type().unwrap().is_dir() {
            continue;
        }
        for file in fs::read_dir(item.path()).unwrap() {
            let path = file.unwrap().path();
            if path.file_name().unwrap().to_str().unwrap().starts_with(TEMP_PREFIX) {
                temps.push(path);
            } else {
                entries.push(path);
            }
        }
    }
    (entries, temps)
}

/// The cache's accounting agrees with the files on disk.
pub fn assert_accounting(cache: &DiskCache) {
    let (entries, temps) = files(cache.dir());
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
    let on_disk: u64 = entries.iter().map(|p| fs::metadata(p).unwrap().len()).sum();
    let stats = cache.stats();
    assert_eq!(stats.bytes, on_disk, "accounted bytes vs files");
    assert_eq!(stats.entries, entries.len() as u64, "accounted entries vs files");
}
