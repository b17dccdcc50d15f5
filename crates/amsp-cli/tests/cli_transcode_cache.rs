//! `amsp demo` with the transcode cache: a UASTC texture loaded through the
//! disk cache, which persists between runs of the command; `--cache-dir`,
//! the platform default (`XDG_CACHE_HOME`), `--no-cache`, and a cache
//! folder another process holds (the demo goes on without it).

use std::path::Path;
use std::process::Command;

use amsp_io::{DiskCache, DiskCacheConfig};
use serde_json::Value;

/// Runs a small `amsp demo --json` in `work` with `extra` arguments and
/// `XDG_CACHE_HOME` set to `xdg`; returns its `transcode_cache` summary.
fn demo(work: &Path, xdg: &Path, extra: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_amsp"))
        .args(["demo", "--json", "--assets", "20", "--rounds", "1", "--models", "0"])
        .args(["--textures", "1", "--texture-size", "64", "--dir"])
        .arg(work)
        .args(extra)
        .env("XDG_CACHE_HOME", xdg)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "demo failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["ok"], true, "{value}");
    value["transcode_cache"].clone()
}

#[test]
fn demo_loads_a_uastc_texture_through_the_cache_across_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let xdg = tmp.path().join("xdg");
    let cache_arg = cache.to_str().unwrap();

    let first = demo(&tmp.path().join("run1"), &xdg, &["--cache-dir", cache_arg]);
    let levels = first["levels"].as_u64().unwrap();
    assert_eq!(levels, 7, "64×64 with its mips: {first}");
    assert_eq!(first["cache"], cache_arg);
    assert_eq!(first["same_bytes"], true);
    // A new cache: the first load transcodes and stores, the second reads.
    assert_eq!(
        (&first["first"]["misses"], &first["first"]["writes"]),
        (&levels.into(), &levels.into())
    );
    assert_eq!(first["first"]["hits"], 0);
    assert_eq!((&first["second"]["hits"], &first["second"]["misses"]), (&levels.into(), &0.into()));

    // Another run of the command: every level comes from the cache.
    let second = demo(&tmp.path().join("run2"), &xdg, &["--cache-dir", cache_arg]);
    assert_eq!(second["first"]["hits"], levels, "{second}");
    assert_eq!(second["first"]["misses"], 0);
    assert_eq!(second["same_bytes"], true);
    assert!(!xdg.exists(), "--cache-dir leaves the default folder alone");

    // By default, the platform cache folder.
    let default = demo(&tmp.path().join("run3"), &xdg, &[]);
    let default_dir = xdg.join("amsp");
    assert_eq!(default["cache"], default_dir.to_str().unwrap());
    assert_eq!(default["first"]["misses"], levels);
    assert!(default_dir.is_dir());

    // Off.
    let off = demo(&tmp.path().join("run4"), &xdg, &["--no-cache"]);
    assert_eq!(off["cache"], Value::Null, "{off}");
    assert_eq!(off["reason"], "off (--no-cache)");
}

#[test]
fn a_cache_in_use_by_another_process_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let cache_dir = tmp.path().join("cache");
    let held = DiskCache::open(&cache_dir, DiskCacheConfig::default()).unwrap();
    let summary = demo(
        &tmp.path().join("run"),
        &tmp.path().join("xdg"),
        &["--cache-dir", cache_dir.to_str().unwrap()],
    );
    assert_eq!(summary["cache"], Value::Null, "{summary}");
    assert!(summary["reason"].as_str().unwrap().contains("in use"), "{summary}");
    assert_eq!(held.stats().entries, 0);
}

#[test]
fn cache_dir_and_no_cache_conflict() {
    let output = Command::new(env!("CARGO_BIN_EXE_amsp"))
        .args(["demo", "--no-cache", "--cache-dir", "x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
}
