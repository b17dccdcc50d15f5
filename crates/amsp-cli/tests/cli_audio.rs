//! Audio end to end through the CLI: the corpus clips cooked by `amsp cook`
//! (WAV, FLAC, OGG Vorbis, MP3, one a chosen load mode), a truncated file
//! reported, `verify` clean, and `amsp info` showing the catalog metadata.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn corpus_audio() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/audio");
    assert!(dir.is_dir(), "the shared test corpus is missing at {}", dir.display());
    dir
}

fn amsp(args: &[&str], paths: &[&Path]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_amsp")).args(args).args(paths).output().unwrap()
}

fn info(out: &Path, path: &str) -> Value {
    let info = Command::new(env!("CARGO_BIN_EXE_amsp"))
        .args(["info", "--json"])
        .arg(out)
        .arg(path)
        .output()
        .unwrap();
    assert!(info.status.success(), "{}", String::from_utf8_lossy(&info.stderr));
    serde_json::from_slice(&info.stdout).unwrap()
}

#[test]
fn corpus_audio_cooks_and_info_shows_its_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    std::fs::create_dir_all(src.join("sfx")).unwrap();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(corpus_audio()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        std::fs::copy(corpus_audio().join(&name), src.join("sfx").join(&name)).unwrap();
        names.push(name);
    }
    assert!(names.len() >= 4, "{names:?}");
    std::fs::write(
        src.join("sfx/boom.wav.meta"),
        br#"(id: "000000000000000000000000000a0d10", settings: {"load": "stream", "chunk_ms": 250})"#,
    )
    .unwrap();
    let flac = std::fs::read(corpus_audio().join("house_lo.flac")).unwrap();
    std::fs::write(src.join("sfx/broken.flac"), &flac[..flac.len() / 2]).unwrap();

    let cooked = amsp(&["cook", "--json"], &[&src, &out]);
    assert_eq!(cooked.status.code(), Some(1), "a broken file fails the cook");
    let report: Value = serde_json::from_slice(&cooked.stdout).unwrap();
    assert_eq!(report["cooked"], names.len());
    assert_eq!(report["failed"], 1);
    assert_eq!(report["errors"][0]["path"], "sfx/broken.flac");
    let error = report["errors"][0]["error"].as_str().unwrap();
    assert!(error.contains("truncated"), "{error}");
    assert!(amsp(&["verify"], &[&out]).status.success(), "verify passes on the output");

    for (name, codec) in [
        ("house_lo.wav", "pcm_s16"),
        ("house_lo.flac", "flac"),
        ("house_lo.ogg", "vorbis"),
        ("house_lo.mp3", "mp3"),
    ] {
        let info = info(&out, &format!("sfx/{name}"));
        assert_eq!(info["type"], "audio", "{name}");
        let m = &info["metadata"];
        assert_eq!(m["codec"], codec, "{name}");
        assert_eq!(m["sample_rate"], 11025, "{name}");
        assert_eq!(m["channels"], 1, "{name}");
        let duration = m["duration_s"].as_f64().unwrap();
        assert!((7.1..7.3).contains(&duration), "{name}: {duration}");
        assert_eq!(m["load"], "stream", "{name}: 7 s streams under auto");
        let chunks = m["chunk_bytes"].as_array().unwrap().len() as u64;
        assert_eq!(info["chunk_count"], chunks + 1, "{name}: a header and the data chunks");
    }
    let boom = info(&out, "sfx/boom.wav");
    assert_eq!(boom["metadata"]["load"], "stream", "the sidecar's load mode");
    assert_eq!(boom["metadata"]["frames"], 12432);
    assert_eq!(
        boom["metadata"]["chunk_first_frames"],
        serde_json::json!([0, 2756, 5512, 8268, 11024])
    );
    let punch = info(&out, "sfx/punch.wav");
    assert_eq!(punch["metadata"]["load"], "decompress", "a short clip decompresses at load");

    // The human-readable form shows the metadata too.
    let text = amsp(&["info"], &[&out, Path::new("sfx/house_lo.ogg")]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("duration_s") && text.contains("vorbis"), "{text}");
}
