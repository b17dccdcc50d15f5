//! Crash safety of `amsp cook`: the process is killed (SIGKILL) at random
//! moments while it updates an output; afterwards `amsp verify` passes and
//! the output is exactly the previous one or the new one, never a mix.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use amsp_catalog::Catalog;
use amsp_cook::AssetMeta;
use amsp_cook::synthetic::{SyntheticSpec, generate};
use amsp_core::AssetId;
use rand::{Rng, SeedableRng};

const TRIALS: usize = 50;

fn amsp() -> Command {
    Command::new(env!("CARGO_BIN_EXE_amsp"))
}

/// Path → (id, content hash, version) of every asset in the catalog.
fn snapshot(out: &Path) -> BTreeMap<String, String> {
    let catalog = Catalog::open_read_only(out.join("catalog.db")).expect("catalog opens");
    catalog
        .all()
        .unwrap()
        .into_iter()
        .map(|r| (r.path.to_string(), format!("{} {} {}", r.id, r.content_hash, r.version)))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn verify_ok(out: &Path) -> bool {
    let status = amsp().arg("verify").arg(out).stdout(Stdio::null()).stderr(Stdio::null()).status();
    status.unwrap().success()
}

fn cook(src: &Path, out: &Path) {
    let status = amsp().args(["cook", "--json"]).arg(src).arg(out).stdout(Stdio::null()).status();
    assert!(status.unwrap().success(), "cook of {} failed", src.display());
}

#[test]
fn sigkill_during_cook_leaves_the_old_or_the_new_output() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let spec = SyntheticSpec { assets: 240, max_bytes: 48 * 1024, ..SyntheticSpec::default() };
    let assets = generate(&src, &spec).unwrap();

    let base = dir.path().join("base");
    cook(&src, &base);
    let old = snapshot(&base);

    // The new version of the tree: a third of the files changed, some deleted
    // (leaves only, so nothing fails), some added with their sidecars.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let catalog = Catalog::open_read_only(base.join("catalog.db")).unwrap();
    for asset in &assets {
        let file = src.join(asset.path.as_str());
        let roll = rng.random_range(0..12);
        if roll < 4 {
            let mut bytes = std::fs::read(&file).unwrap();
            bytes.extend_from_slice(b"\n");
            std::fs::write(&file, bytes).unwrap();
        } else if roll == 4 && catalog.reverse_dependencies(asset.id, false).unwrap().is_empty() {
            std::fs::remove_file(&file).unwrap();
            std::fs::remove_file(AssetMeta::sidecar_path(&file)).unwrap();
        }
    }
    for i in 0..40u128 {
        let file = src.join(format!("added/new_{i:03}.txt"));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, format!("new asset {i} ").repeat(200)).unwrap();
        AssetMeta::with_id(AssetId::from_u128(0xadd0_0000 + i)).write_for(&file).unwrap();
    }
    drop(catalog);

    let full = dir.path().join("full");
    copy_dir(&base, &full);
    let started = Instant::now();
    cook(&src, &full);
    let full_time = started.elapsed();
    let new = snapshot(&full);
    assert_ne!(old, new);

    let (mut saw_old, mut saw_new) = (0, 0);
    for trial in 0..TRIALS {
        let out = dir.path().join(format!("trial{trial}"));
        copy_dir(&base, &out);
        let delay = full_time.mul_f64(rng.random_range(0.0..1.3));
        let mut child = amsp()
            .args(["cook", "--json"])
            .arg(&src)
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();

        assert!(verify_ok(&out), "trial {trial} (killed after {delay:?}): verify failed");
        let state = snapshot(&out);
        if state == old {
            saw_old += 1;
        } else if state == new {
            saw_new += 1;
        } else {
            panic!(
                "trial {trial} (killed after {delay:?}): the catalog is neither the old nor the new output"
            );
        }
        // Every fifth trial: the next cook completes the job.
        if trial % 5 == 0 {
            cook(&src, &out);
            assert!(verify_ok(&out));
            assert_eq!(snapshot(&out), new, "trial {trial}: re-cook after the crash");
        }
        std::fs::remove_dir_all(&out).unwrap();
    }
    eprintln!(
        "{TRIALS} kills: {saw_old} left the old output, {saw_new} the new (full cook {full_time:?})"
    );
    assert!(full_time < Duration::from_secs(60));
}
