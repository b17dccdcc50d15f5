//! `amsp verify`: every pack and the catalog of a cooked output.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;

use amsp_pack::PackReader;
use serde_json::json;

use crate::output::open_catalog;

/// Arguments of `amsp verify`.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The cooked output folder.
    out: PathBuf,
    /// Print a machine-readable report.
    #[arg(long)]
    json: bool,
}

/// Runs `amsp verify`: exit 0 when everything checks out, 1 on any damage.
pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let catalog = open_catalog(&args.out)?;
    let mut problems: Vec<String> = catalog.integrity_check()?;
    let mut warnings: Vec<String> = Vec::new();
    let records = catalog.all()?;
    let packs = catalog.packs()?;

    let mut pack_reports = Vec::new();
    let mut readers: HashMap<String, PackReader> = HashMap::new();
    for pack in &packs {
        let path = args.out.join(&pack.name);
        let result = PackReader::open(&path).and_then(|reader| {
            let report = reader.verify()?;
            Ok((reader, report))
        });
        match result {
            Ok((reader, report)) => {
                let uuid: String = reader.uuid().iter().map(|b| format!("{b:02x}")).collect();
                let mut ok = true;
                if uuid != pack.uuid || reader.file_len() != pack.file_len {
                    ok = false;
                    problems.push(format!(
                        "{}: is not the pack the catalog recorded (uuid {uuid}, {} bytes; catalog says {}, {} bytes)",
                        pack.name, reader.file_len(), pack.uuid, pack.file_len
                    ));
                }
                pack_reports.push(json!({
                    "name": pack.name, "ok": ok, "entries": report.entries, "chunks": report.chunks,
                    "raw_bytes": report.raw_bytes, "stored_bytes": report.stored_bytes,
                }));
                readers.insert(pack.name.clone(), reader);
            }
            Err(e) => {
                problems.push(e.to_string());
                pack_reports
                    .push(json!({ "name": pack.name, "ok": false, "error": e.to_string() }));
            }
        }
    }

    let known: HashSet<&str> = packs.iter().map(|p| p.name.as_str()).collect();
    for record in &records {
        let Some(location) = &record.location else {
            problems.push(format!("asset '{}' ({}): has no pack location", record.path, record.id));
            continue;
        };
        if !known.contains(location.pack.as_str()) {
            problems.push(format!(
                "asset '{}' ({}): pack {} is not in the catalog's pack list",
                record.path, record.id, location.pack
            ));
            continue;
        }
        let Some(reader) = readers.get(&location.pack) else { continue };
        let entry = reader.entries().get(location.entry as usize);
        match entry {
            Some(e) if e.id == record.id && e.content_hash == record.content_hash && e.chunk_count == record.chunk_count && e.raw_size == record.cooked_size => {}
            Some(e) => problems.push(format!(
                "asset '{}' ({}): {} entry {} holds {} (hash {}), not the catalog's content (hash {})",
                record.path, record.id, location.pack, location.entry, e.id, e.content_hash, record.content_hash
            )),
            None => problems.push(format!(
                "asset '{}' ({}): {} has no entry {}",
                record.path, record.id, location.pack, location.entry
            )),
        }
    }

    let packs_dir = args.out.join(amsp_cook::PACK_DIR);
    if let Ok(dir) = std::fs::read_dir(&packs_dir) {
        for entry in dir.flatten() {
            let name = format!("{}/{}", amsp_cook::PACK_DIR, entry.file_name().to_string_lossy());
            if !known.contains(name.as_str()) {
                warnings.push(format!("{name}: not referenced by the catalog (left by an interrupted cook; the next cook removes it)"));
            }
        }
    }

    let ok = problems.is_empty();
    if args.json {
        let value = json!({
            "ok": ok,
            "assets_checked": records.len(),
            "packs": pack_reports,
            "problems": problems,
            "warnings": warnings,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        for w in &warnings {
            eprintln!("warning: {w}");
        }
        for p in &problems {
            println!("DAMAGED: {p}");
        }
        println!(
            "{}: {} assets in {} packs checked, {} problems",
            if ok { "OK" } else { "FAILED" },
            records.len(),
            packs.len(),
            problems.len()
        );
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
