//! The `amsp` commands end to end on a real cooked output.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn amsp(args: &[&str], dirs: &[&Path]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_amsp"));
    cmd.args(args);
    for d in dirs {
        cmd.arg(d);
    }
    cmd.output().expect("amsp runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn setup(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (src, out) = (dir.join("src"), dir.join("out"));
    std::fs::create_dir_all(src.join("levels")).unwrap();
    std::fs::write(src.join("levels/base.json"), br#"{"gravity": 9.8}"#).unwrap();
    std::fs::write(src.join("levels/forest.json"), br#"{"trees": 1000}"#).unwrap();
    std::fs::write(
        src.join("levels/forest.json.meta"),
        br#"(id: "0000000000000000000000000000f0e5", tags: ["forest", "outdoor"], dependencies: ["levels/base.json"])"#,
    )
    .unwrap();
    std::fs::write(src.join("readme.txt"), "hello ".repeat(500)).unwrap();
    std::fs::write(src.join("blob.bin"), [1u8, 2, 3, 4]).unwrap();
    (src, out)
}

#[test]
fn cook_ls_info_search_deps_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = setup(dir.path());

    let cooked = amsp(&["cook", "--json"], &[&src, &out]);
    assert!(cooked.status.success(), "{}", String::from_utf8_lossy(&cooked.stderr));
    let report = json(&cooked);
    assert_eq!(report["cooked"], 4);
    assert_eq!(report["unchanged"], 0);
    assert_eq!(report["failed"], 0);
    assert_eq!(report["errors"], Value::Array(vec![]));

    let again = json(&amsp(&["cook", "--json"], &[&src, &out]));
    assert_eq!((again["cooked"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(4)));
    let plain = amsp(&["cook"], &[&src, &out]);
    assert!(String::from_utf8_lossy(&plain.stdout).contains("nothing to do"));

    let ls = json(&amsp(&["ls", "--json"], &[&out]));
    let assets = ls["assets"].as_array().unwrap();
    assert_eq!(assets.len(), 4);
    for a in assets {
        assert!(a["id"].is_string() && a["path"].is_string() && a["type"].is_string(), "{a}");
    }

    let info = amsp(&["info", "--json"], &[&out]);
    assert!(!info.status.success(), "info without an asset is a usage error");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_amsp"));
    let info = cmd.args(["info", "--json"]).arg(&out).arg("levels/forest.json").output().unwrap();
    let info = json(&info);
    assert_eq!(info["id"], "0000000000000000000000000000f0e5");
    assert_eq!(info["type"], "json");
    assert_eq!(info["tags"], serde_json::json!(["forest", "outdoor"]));
    assert_eq!(info["dependencies"][0]["path"], "levels/base.json");
    assert!(info["content_hash"].as_str().unwrap().len() == 64);
    assert!(info["location"]["pack"].as_str().unwrap().starts_with("packs/"));
    let by_id = Command::new(env!("CARGO_BIN_EXE_amsp"))
        .args(["info", "--json"])
        .arg(&out)
        .arg("0000000000000000000000000000f0e5")
        .output()
        .unwrap();
    assert_eq!(json(&by_id)["path"], "levels/forest.json");

    let search = Command::new(env!("CARGO_BIN_EXE_amsp"))
        .arg("search")
        .arg("--json")
        .arg(&out)
        .arg("outdoor")
        .output()
        .unwrap();
    let found = json(&search);
    assert_eq!(found["assets"][0]["path"], "levels/forest.json");

    let rev = Command::new(env!("CARGO_BIN_EXE_amsp"))
        .args(["deps", "--reverse", "--json"])
        .arg(&out)
        .arg("levels/base.json")
        .output()
        .unwrap();
    assert_eq!(json(&rev)["assets"][0]["path"], "levels/forest.json");

    let verify = amsp(&["verify", "--json"], &[&out]);
    assert!(verify.status.success());
    assert_eq!(json(&verify)["ok"], true);

    let missing = Command::new(env!("CARGO_BIN_EXE_amsp"))
        .arg("info")
        .arg(&out)
        .arg("nope/none.txt")
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope/none.txt"));
}

#[test]
fn cook_exit_code_is_non_zero_when_anything_failed() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = setup(dir.path());
    std::fs::write(src.join("bad.json"), b"{oops").unwrap();
    let cooked = amsp(&["cook", "--json"], &[&src, &out]);
    assert!(!cooked.status.success());
    let report = json(&cooked);
    assert_eq!(report["failed"], 1);
    assert_eq!(report["errors"][0]["path"], "bad.json");
    assert!(report["errors"][0]["error"].as_str().unwrap().contains("JSON"));
}

#[test]
fn verify_reports_damage_naming_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = setup(dir.path());
    assert!(amsp(&["cook"], &[&src, &out]).status.success());
    let pack = std::fs::read_dir(out.join("packs")).unwrap().next().unwrap().unwrap().path();
    let name = pack.file_name().unwrap().to_string_lossy().into_owned();
    let pristine = std::fs::read(&pack).unwrap();

    // A flipped bit in the first entry's data.
    let mut bytes = pristine.clone();
    let data_start = 4096;
    bytes[data_start + 3] ^= 0x10;
    std::fs::write(&pack, &bytes).unwrap();
    let verify = amsp(&["verify"], &[&out]);
    assert_eq!(verify.status.code(), Some(1));
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(text.contains(&name), "{text}");

    // A truncated pack.
    std::fs::write(&pack, &pristine[..pristine.len() - 10]).unwrap();
    let verify = amsp(&["verify", "--json"], &[&out]);
    assert_eq!(verify.status.code(), Some(1));
    assert_eq!(json(&verify)["ok"], false);

    std::fs::write(&pack, &pristine).unwrap();
    assert!(amsp(&["verify"], &[&out]).status.success());
}

#[test]
fn hot_reload_through_amsp_dev_reports_each_reload_and_a_failed_one() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    let (src, _) = setup(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_amsp"))
        .args(["dev", "--debounce-ms", "30", "--for-secs", "6"])
        .arg(&src)
        .stdout(Stdio::piped())
        .spawn()
        .expect("amsp dev runs");
    let (tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let timeout = std::time::Duration::from_secs(30);
    let mut seen = Vec::new();
    let mut wait_for = |needle: &str| loop {
        let line =
            lines.recv_timeout(timeout).unwrap_or_else(|_| panic!("no {needle:?} in {seen:#?}"));
        seen.push(line.clone());
        if line.contains(needle) {
            return;
        }
    };
    wait_for("watching");
    std::fs::write(src.join("levels/base.json"), br#"{"gravity": 1.6}"#).unwrap();
    wait_for("reloaded levels/base.json (version 2");
    // Its dependent follows it.
    wait_for("reloaded levels/forest.json (version 2");
    std::fs::write(src.join("levels/base.json"), b"{ not json").unwrap();
    wait_for("reload of levels/base.json failed (the old version stays)");
    wait_for("files watched");
    assert!(child.wait().unwrap().success());
}
