//! The disk cache under real faults, in child processes: killed with
//! SIGKILL in the middle of writes, and writing past the file size limit
//! (`RLIMIT_FSIZE`, so `write` fails with `EFBIG` as on a full disk).
//!
//! The children are this test binary run again with `AMSP_DISK_CACHE_CHILD`
//! set; `child_process` is their entry point and does nothing otherwise.
//! Linux only: the children are started through `sh` (`ulimit`, `trap`) and
//! read their limits from `/proc`.
#![cfg(target_os = "linux")]

mod disk_cache_common;

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use amsp_core::ContentHash;
use amsp_io::{CacheKey, DiskCache, DiskCacheConfig, DiskCacheError};
use disk_cache_common::{assert_accounting, files};

const CHILD_ENV: &str = "AMSP_DISK_CACHE_CHILD";
const DIR_ENV: &str = "AMSP_DISK_CACHE_DIR";
const RUN_ENV: &str = "AMSP_DISK_CACHE_RUN";

/// Entries each crash child writes, and their size.
const CRASH_ENTRIES: u32 = 12;
const CRASH_ENTRY_BYTES: usize = 1 << 20;

fn config() -> DiskCacheConfig {
    DiskCacheConfig { max_bytes: 1 << 30, ..DiskCacheConfig::default() }
}

fn key(run: u32, seq: u32) -> CacheKey {
    let mut id = [0u8; 32];
    id[..4].copy_from_slice(&run.to_le_bytes());
    id[4..8].copy_from_slice(&seq.to_le_bytes());
    CacheKey::new(ContentHash(id), "fault-test", 1)
}

/// Deterministic bytes for entry (run, seq) of `len` bytes.
fn payload(run: u32, seq: u32, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    let mut h = blake3::Hasher::new();
    h.update(&run.to_le_bytes());
    h.update(&seq.to_le_bytes());
    h.finalize_xof().fill(&mut out);
    out
}

/// This binary, run again as a child on only `child_process`.
fn child_command(mode: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_process", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .env(DIR_ENV, dir);
    cmd
}

#[test]
fn child_process() {
    let Ok(mode) = std::env::var(CHILD_ENV) else { return };
    let dir = PathBuf::from(std::env::var(DIR_ENV).unwrap());
    match mode.as_str() {
        "crash" => crash_child(&dir),
        "full" => full_disk_child(&dir),
        "default-dir" => {
            let cache = DiskCache::open_default(config()).unwrap();
            cache.put(&key(0, 0), b"in the default folder").unwrap();
            println!("default-dir {}", cache.dir().display());
        }
        other => panic!("unknown child mode {other}"),
    }
}

/// Writes entries until killed, printing each one once `put` returned.
fn crash_child(dir: &Path) {
    let run: u32 = std::env::var(RUN_ENV).unwrap().parse().unwrap();
    let cache = DiskCache::open(dir, config()).unwrap();
    println!("ready");
    for seq in 0..CRASH_ENTRIES {
        // Sizes vary so that kills land at different offsets.
        let len = CRASH_ENTRY_BYTES + (seq as usize * 4099 + run as usize * 131) % 65536;
        cache.put(&key(run, seq), &payload(run, seq, len)).unwrap();
        println!("committed {seq} {len}");
    }
    println!("done");
}

/// Reads and parses the child's stdout lines on a thread.
fn lines_of(child: &mut std::process::Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[test]
fn killed_mid_write_never_leaves_a_visible_partial_entry() {
    const RUNS: u32 = 40;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    // (run, seq) → payload length of every entry a child reported written.
    let mut committed: HashMap<(u32, u32), usize> = HashMap::new();
    let mut span = Duration::ZERO;
    let (mut runs_with_temp, mut runs_interrupted) = (0, 0);
    for run in 0..RUNS {
        let mut child = child_command("crash", &dir)
            .env(RUN_ENV, run.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = lines_of(&mut child);
        let next_line = || {
            lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|e| panic!("run {run}: child stopped early: {e}"))
        };
        while !next_line().ends_with("ready") {}
        let mut seen = Vec::new();
        if run == 0 {
            // The first run completes: it measures how long the writes take.
            let started = Instant::now();
            assert!(child.wait().unwrap().success());
            span = started.elapsed();
        } else {
            // Wait for entry `k` to be written, then kill a fraction of one
            // entry's write time later (golden-ratio sequence), so kills land
            // in writes, syncs, renames and between, all along the sequence.
            let k = (run - 1) % (CRASH_ENTRIES - 1);
            if run % 2 == 0 {
                loop {
                    let line = next_line();
                    let done = line.starts_with(&format!("committed {k} "));
                    seen.push(line);
                    if done {
                        break;
                    }
                }
            }
            let frac = (f64::from(run) * 0.618_033_988_75).fract();
            std::thread::sleep(span.mul_f64(frac / f64::from(CRASH_ENTRIES)));
            child.kill().unwrap();
            child.wait().unwrap();
        }
        seen.extend(lines.iter());
        let mut last = None;
        for line in &seen {
            let mut parts = line.split_whitespace();
            if parts.next() == Some("committed") {
                let seq: u32 = parts.next().unwrap().parse().unwrap();
                let len: usize = parts.next().unwrap().parse().unwrap();
                committed.insert((run, seq), len);
                last = Some(seq);
            }
        }
        let in_flight = last.map_or(0, |s| s + 1);
        if run > 0 && in_flight < CRASH_ENTRIES {
            runs_interrupted += 1;
        }

        // What the crash left: temporary files perhaps, never a bad entry.
        let (_, temps) = files(&dir);
        if !temps.is_empty() {
            runs_with_temp += 1;
        }
        let cache = DiskCache::open(&dir, config()).unwrap();
        assert_accounting(&cache);
        let (entries, _) = files(&dir);
        let in_flight_key = key(run, in_flight);
        for path in &entries {
            let name = path.file_name().unwrap().to_str().unwrap();
            let known = committed.keys().any(|&(r, s)| key(r, s).to_hex() == name)
                || in_flight_key.to_hex() == name;
            assert!(known, "run {run}: unexpected entry {name}");
        }
        for (&(r, s), &len) in &committed {
            let got = cache.get(&key(r, s));
            assert_eq!(got.as_deref(), Some(&payload(r, s, len)[..]), "run {run}: entry {r}/{s}");
        }
        // The entry being written when the child died: absent, or whole
        // (the rename happened before the kill but after the last line).
        if let Some(bytes) = cache.get(&in_flight_key) {
            let len = bytes.len();
            assert_eq!(bytes, payload(run, in_flight, len), "run {run}: in-flight entry");
            committed.insert((run, in_flight), len);
        }
        assert_eq!(cache.stats().corrupt, 0, "run {run}: a visible entry was corrupt");
    }
    println!(
        "{RUNS} runs, {} entries committed, {runs_with_temp} kills left a temporary file, \
         {runs_interrupted} interrupted the writes, write span {span:?}",
        committed.len()
    );
    assert!(runs_interrupted >= RUNS * 3 / 4, "too few kills landed among the writes");
    assert!(runs_with_temp >= 1, "no kill landed in the middle of a write");
}

/// The file size limit of this process in bytes, from `/proc/self/limits`.
fn file_size_limit() -> Option<u64> {
    let limits = fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max file size"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Under a file size limit: entries below it are written, one above fails
/// with `NoSpace` and leaves the cache as it was.
fn full_disk_child(dir: &Path) {
    let limit = file_size_limit().expect("a file size limit must be set") as usize;
    let cache = DiskCache::open(dir, config()).unwrap();
    let small = limit / 4;
    for seq in 0..3 {
        cache.put(&key(0, seq), &payload(0, seq, small)).unwrap();
    }
    let before = cache.stats();
    // A new entry and a replacement of an existing one, both too big.
    for target in [key(0, 100), key(0, 1)] {
        match cache.put(&target, &payload(0, 100, 2 * limit)) {
            Err(DiskCacheError::NoSpace { op, path, .. }) => {
                assert_eq!(op, "write");
                assert!(!path.exists(), "temporary file left at {}", path.display());
            }
            other => panic!("expected NoSpace, got {other:?}"),
        }
    }
    let after = cache.stats();
    assert_eq!((after.bytes, after.entries, after.writes), (before.bytes, before.entries, 3));
    assert_eq!(after.write_errors, 2);
    assert_accounting(&cache);
    assert_eq!(cache.get(&key(0, 100)), None);
    for seq in 0..3 {
        assert_eq!(cache.get(&key(0, seq)).unwrap(), payload(0, seq, small), "entry {seq}");
    }
    // The cache still works after the failure.
    cache.put(&key(0, 3), &payload(0, 3, small)).unwrap();
    assert_eq!(cache.get(&key(0, 3)).unwrap(), payload(0, 3, small));
    println!("full-disk-ok limit {limit}");
}

#[test]
fn write_past_the_file_size_limit_fails_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    // `ulimit -f` (in 512- or 1024-byte blocks, by shell) and SIGXFSZ
    // ignored, so the write fails with EFBIG rather than killing the
    // child; the child reads the limit it got from /proc.
    let inner = child_command("full", &dir);
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("trap '' XFSZ; ulimit -f 256 && exec \"$0\" \"$@\"")
        .arg(inner.get_program())
        .args(inner.get_args())
        .env(CHILD_ENV, "full")
        .env(DIR_ENV, &dir);
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("full-disk-ok"),
        "child failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    if let Some(line) = stdout.lines().find(|l| l.contains("full-disk-ok")) {
        println!("{line}");
    }
    // Reopened without the limit: consistent, the four small entries there.
    let cache = DiskCache::open(&dir, config()).unwrap();
    assert_accounting(&cache);
    assert_eq!(cache.stats().entries, 4);
    for seq in 0..4 {
        assert!(cache.get(&key(0, seq)).is_some());
    }
}

#[test]
fn open_default_uses_the_platform_cache_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let xdg = tmp.path().join("xdg");
    let output = child_command("default-dir", tmp.path())
        .env("XDG_CACHE_HOME", &xdg)
        .env("HOME", tmp.path().join("home"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let expected = if cfg!(target_os = "macos") {
        tmp.path().join("home/Library/Caches/amsp")
    } else {
        xdg.join("amsp")
    };
    assert!(stdout.contains(&format!("default-dir {}", expected.display())), "{stdout}");
    let cache = DiskCache::open(&expected, config()).unwrap();
    assert_eq!(cache.get(&key(0, 0)).unwrap(), b"in the default folder");

    // A relative XDG_CACHE_HOME is ignored (XDG base directory rules).
    let output = child_command("default-dir", tmp.path())
        .env("XDG_CACHE_HOME", "relative/cache")
        .env("HOME", tmp.path().join("home"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if cfg!(all(unix, not(target_os = "macos"))) {
        let home = tmp.path().join("home/.cache/amsp");
        assert!(stdout.contains(&format!("default-dir {}", home.display())), "{stdout}");
    }
}
