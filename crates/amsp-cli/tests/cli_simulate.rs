//! `amsp simulate` end to end on a small generated world: the JSON has a
//! run per path and strategy with the figures it promises, the report is
//! written, and a world in `--dir` is reused.

use std::process::Command;

use serde_json::Value;

#[test]
fn simulate_writes_json_and_a_report_and_reuses_its_world() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("world");
    let report = dir.path().join("report");
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_amsp"))
            .args(["simulate", "--placements", "3000", "--props", "12", "--side", "500"])
            .args(["--max-texture", "256", "--seconds", "1", "--paths", "drive,spin", "--json"])
            .arg("--dir")
            .arg(&work)
            .arg("--report")
            .arg(&report)
            .output()
            .expect("amsp runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (
            serde_json::from_slice::<Value>(&out.stdout).expect("JSON"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (value, _) = run();
    let runs = value["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 6, "2 paths × 3 strategies");
    for r in runs {
        assert_eq!(r["frames"], 60);
        for key in [
            "pop_in_frames",
            "time_to_sharp_p50_ms",
            "time_to_sharp_p95_ms",
            "bytes_read",
            "wasted_bytes",
            "peak_resident_bytes",
        ] {
            assert!(r[key].is_number(), "{key} in {r}");
        }
    }
    let strategies: Vec<&str> = runs.iter().map(|r| r["strategy"].as_str().unwrap()).collect();
    assert_eq!(strategies, ["amsp", "fifo", "nearest", "amsp", "fifo", "nearest"]);
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(html.contains("popin_drive.png") && report.join("popin_drive.png").is_file());
    assert!(report.join("map_spin_amsp_30.png").is_file());

    // The second run finds the world and its cook: nothing is generated or
    // cooked again, and the same world gives the same figures.
    let stamp = |p: &std::path::Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let world = stamp(&work.join("src/world.json"));
    let packs: Vec<_> = std::fs::read_dir(work.join("out/packs"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let (again, _) = run();
    assert_eq!(stamp(&work.join("src/world.json")), world);
    let packs_after: Vec<_> = std::fs::read_dir(work.join("out/packs"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(packs_after, packs);
    assert_eq!(again["runs"], value["runs"]);
}
