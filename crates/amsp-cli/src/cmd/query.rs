//! `amsp ls`, `info`, `search` and `deps`: read-only catalog queries.

use std::path::PathBuf;
use std::process::ExitCode;

use amsp_catalog::AssetRecord;
use serde_json::json;

use crate::output::{find, full_json, open_catalog, print_table, summary_json};

/// Arguments of `amsp ls`.
#[derive(clap::Args, Debug)]
pub struct LsArgs {
    /// The cooked output folder.
    out: PathBuf,
    /// Only assets of this type.
    #[arg(long = "type")]
    asset_type: Option<String>,
    /// Only assets with this tag.
    #[arg(long)]
    tag: Option<String>,
    /// Print `{"assets": [...]}`.
    #[arg(long)]
    json: bool,
}

/// Arguments of `amsp info`.
#[derive(clap::Args, Debug)]
pub struct InfoArgs {
    /// The cooked output folder.
    out: PathBuf,
    /// Asset path (relative to the cooked source folder) or id.
    asset: String,
    /// Print one JSON object with all metadata.
    #[arg(long)]
    json: bool,
}

/// Arguments of `amsp search`.
#[derive(clap::Args, Debug)]
pub struct SearchArgs {
    /// The cooked output folder.
    out: PathBuf,
    /// Words to find in paths, types and tags (the last may be a prefix).
    query: String,
    /// Print `{"assets": [...]}`.
    #[arg(long)]
    json: bool,
}

/// Arguments of `amsp deps`.
#[derive(clap::Args, Debug)]
pub struct DepsArgs {
    /// The cooked output folder.
    out: PathBuf,
    /// Asset path (relative to the cooked source folder) or id.
    asset: String,
    /// List what depends on the asset instead (transitively).
    #[arg(long)]
    reverse: bool,
    /// Direct edges only.
    #[arg(long)]
    direct: bool,
    /// Print `{"asset": …, "assets": [...]}`.
    #[arg(long)]
    json: bool,
}

fn print_list(records: &[AssetRecord], as_json: bool) -> anyhow::Result<()> {
    if as_json {
        let assets: Vec<_> = records.iter().map(summary_json).collect();
        println!("{}", serde_json::to_string_pretty(&json!({ "assets": assets }))?);
    } else {
        print_table(records);
    }
    Ok(())
}

/// Runs `amsp ls`.
pub fn ls(args: LsArgs) -> anyhow::Result<ExitCode> {
    let catalog = open_catalog(&args.out)?;
    let mut records = match (&args.asset_type, &args.tag) {
        (Some(t), _) => catalog.by_type(t)?,
        (None, Some(tag)) => catalog.by_tag(tag)?,
        (None, None) => catalog.all()?,
    };
    if let (Some(_), Some(tag)) = (&args.asset_type, &args.tag) {
        records.retain(|r| r.tags.contains(tag));
    }
    print_list(&records, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `amsp info`.
pub fn info(args: InfoArgs) -> anyhow::Result<ExitCode> {
    let catalog = open_catalog(&args.out)?;
    let record = find(&catalog, &args.asset)?;
    let value = full_json(&catalog, &record)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    if let serde_json::Value::Object(map) = value {
        for (key, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => "-".into(),
                other => other.to_string(),
            };
            println!("{key:>13}: {text}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `amsp search`.
pub fn search(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let catalog = open_catalog(&args.out)?;
    let records = catalog.search(&args.query)?;
    print_list(&records, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `amsp deps`.
pub fn deps(args: DepsArgs) -> anyhow::Result<ExitCode> {
    let catalog = open_catalog(&args.out)?;
    let record = find(&catalog, &args.asset)?;
    let ids = match (args.reverse, args.direct) {
        (false, true) => catalog.dependencies(record.id)?,
        (false, false) => catalog.dependency_closure(record.id)?,
        (true, direct) => catalog.reverse_dependencies(record.id, !direct)?,
    };
    let mut records = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        match catalog.get(id)? {
            Some(r) => records.push(r),
            None => missing.push(id),
        }
    }
    if args.json {
        let assets: Vec<_> = records.iter().map(summary_json).collect();
        let value = json!({
            "asset": summary_json(&record),
            "reverse": args.reverse,
            "transitive": !args.direct,
            "assets": assets,
            "missing": missing,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let what = if args.reverse { "dependents" } else { "dependencies" };
        println!("{} {} of {}:", records.len(), what, record.path);
        print_table(&records);
        for id in missing {
            println!("missing: {id} (not in the catalog)");
        }
    }
    Ok(ExitCode::SUCCESS)
}
