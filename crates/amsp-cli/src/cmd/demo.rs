//! `amsp demo`: the main job end to end: generate a synthetic asset tree,
//! cook it, re-cook incrementally, stream every asset back through the
//! `AssetServer`, and compare the streaming throughput with the reference
//! (positioned reads + decompression of the same entries on all cores);
//! then cook, load and stream synthetic textures, and cook glTF scenes into
//! models loaded through the dependency graph.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amsp_bench::{
    StreamMode, cores, interleaved_ratio, open_packs, reference_read, streaming_spec,
};
use amsp_cook::Cooker;
use amsp_core::PriorityClass;
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::{AssetServer, Blob, Handle, LoadError, LoadState, TEXT_TYPES, Text};
use anyhow::{Context, bail};
use serde_json::json;

use crate::output::bytes;

/// Arguments of `amsp demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Number of synthetic assets.
    #[arg(long, default_value_t = 3000)]
    assets: usize,
    /// Work in this folder (kept afterwards) instead of a temporary one.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Streaming rounds per strategy (the median is reported).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Number of synthetic textures (0 skips the texture part).
    #[arg(long, default_value_t = 8)]
    textures: usize,
    /// Width and height of each synthetic texture, in pixels.
    #[arg(long, default_value_t = 1024)]
    texture_size: u32,
    /// Keep Basis Universal levels transcoded at load in this disk cache
    /// folder (default: the platform cache folder, e.g. ~/.cache/amsp).
    #[arg(long, conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Transcode Basis Universal textures at every load, without the disk
    /// cache.
    #[arg(long)]
    no_cache: bool,
    /// Number of synthetic glTF scenes (0 skips the model part).
    #[arg(long, default_value_t = 8)]
    models: usize,
    /// Print a machine-readable summary.
    #[arg(long)]
    json: bool,
}

/// A handle of either built-in type.
enum Either {
    Text(Handle<Text>),
    Blob(Handle<Blob>),
}

fn mbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64().max(1e-9) / 1e6
}

/// Runs `amsp demo`.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let temp;
    let root = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_owned()
        }
    };
    let (src, out) = (root.join("src"), root.join("out"));
    let say = |line: String| {
        if !args.json {
            println!("{line}");
        }
    };

    // 1. Generate.
    let started = Instant::now();
    let assets = amsp_cook::synthetic::generate(&src, &streaming_spec(args.assets, true))
        .with_context(|| format!("generating sources in {}", src.display()))?;
    let source_bytes: u64 = assets.iter().map(|a| a.bytes as u64).sum();
    say(format!(
        "generated {} assets ({}) with tags and dependencies in {:.2} s  [{}]",
        assets.len(),
        bytes(source_bytes),
        started.elapsed().as_secs_f64(),
        src.display()
    ));

    // 2. Cook, then cook again (nothing to do), then after one edit.
    let first = Cooker::new(&src, &out).run()?;
    if first.failed > 0 {
        bail!("cook failed for {} assets: {:?}", first.failed, first.errors);
    }
    say(format!(
        "cook:        {} assets, {} -> {} stored ({:.1}%), {:.2} s on {} threads ({:.0} MB/s)",
        first.cooked,
        bytes(first.cooked_bytes),
        bytes(first.stored_bytes),
        100.0 * first.stored_bytes as f64 / first.cooked_bytes.max(1) as f64,
        first.elapsed.as_secs_f64(),
        first.threads,
        mbps(first.cooked_bytes, first.elapsed)
    ));
    let second = Cooker::new(&src, &out).run()?;
    say(format!(
        "re-cook:     nothing changed: {} cooked, {} unchanged in {:.2} s",
        second.cooked,
        second.unchanged,
        second.elapsed.as_secs_f64()
    ));
    let edited = &assets[0];
    let file = src.join(edited.path.as_str());
    let mut content = std::fs::read(&file)?;
    content.extend_from_slice(b"\n");
    std::fs::write(&file, content)?;
    let third = Cooker::new(&src, &out).run()?;
    say(format!(
        "edit one:    {} re-cooked ({} and its dependents), {} unchanged in {:.2} s",
        third.cooked,
        edited.path,
        third.unchanged,
        third.elapsed.as_secs_f64()
    ));

    // 3. Stream everything back and check it.
    let source = Arc::new(CookedSource::open(&out)?);
    let threads = cores();
    let server = AssetServer::builder()
        .source(Arc::clone(&source) as Arc<dyn AssetSource>)
        .worker_threads(threads)
        .build()?;
    let started = Instant::now();
    let classes =
        [PriorityClass::Critical, PriorityClass::High, PriorityClass::Normal, PriorityClass::Low];
    // Each asset as its natural type, so that catalog dependencies (loaded as
    // their natural type) share the slots.
    let is_text = |path: &amsp_core::AssetPath| {
        source
            .resolve(path)
            .and_then(|id| source.describe(id))
            .is_some_and(|d| TEXT_TYPES.contains(&d.asset_type.as_str()))
    };
    let handles: Vec<Either> = assets
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let priority = classes[i % classes.len()];
            if is_text(&a.path) {
                Either::Text(server.load_with_priority::<Text>(a.path.as_str(), priority))
            } else {
                Either::Blob(server.load_with_priority::<Blob>(a.path.as_str(), priority))
            }
        })
        .collect();
    let requested_in = started.elapsed();
    if !server.wait_idle(Duration::from_secs(120)) {
        bail!("loads did not finish within two minutes");
    }
    let loaded_in = started.elapsed();
    let mut mismatches = 0;
    let mut failed = 0;
    for (asset, handle) in assets.iter().zip(&handles) {
        let bytes: Option<Vec<u8>> = match handle {
            Either::Text(h) => server.get(h).map(|t| t.as_str().as_bytes().to_vec()),
            Either::Blob(h) => server.get(h).map(|b| b.bytes().to_vec()),
        };
        match bytes {
            Some(bytes) => {
                if bytes != std::fs::read(src.join(asset.path.as_str()))? {
                    mismatches += 1;
                }
            }
            None => failed += 1,
        }
    }
    let missing = server.load::<Blob>("does/not/exist.bin");
    let missing_ok = matches!(
        server.wait_for(&missing, Duration::from_secs(5)),
        LoadState::Failed(LoadError::NotFound { .. })
    ) && server.get_or_placeholder(&missing).is_some();
    let stats = server.stats();
    say(format!(
        "stream:      {} loaded, {} failed, {} wrong bytes; {} requests queued in {:.2} ms ({:.0} ns each); all loaded in {:.1} ms",
        stats.loaded,
        failed,
        mismatches,
        handles.len(),
        requested_in.as_secs_f64() * 1e3,
        requested_in.as_nanos() as f64 / handles.len().max(1) as f64,
        loaded_in.as_secs_f64() * 1e3
    ));
    say(format!("missing:     NotFound with placeholder served: {missing_ok}"));
    let stats_json = super::demo_stats::report(&server.trace_stats(), &say);
    // Unused now, kept by the memory cache: a bundle of one tag comes back
    // from it.
    drop(handles);
    let (bundle_ok, bundle) =
        super::demo_stats::bundle(&server, source.as_ref(), &amsp_cook::synthetic::TAGS, &say)?;
    drop(server);

    // 4. Throughput against the reference, same entries, same run.
    let packs = open_packs(&out);
    let _ = reference_read(&packs, threads); // warms the page cache
    let ratio = interleaved_ratio(&packs, &source, threads, StreamMode::NaturalTypes, args.rounds);
    let (server_mb_s, ref_mb_s) =
        (mbps(ratio.bytes, ratio.server), mbps(ratio.bytes, ratio.reference));
    say(format!(
        "throughput:  AssetServer {server_mb_s:.0} MB/s vs reference (pread + decode, {threads} threads) {ref_mb_s:.0} MB/s: {:.0}% of reference (medians of {} alternating rounds)",
        ratio.fraction() * 100.0,
        args.rounds.max(1)
    ));

    // 5. Textures: cook to block-compressed KTX2, load, stream mip tails.
    let (textures_ok, textures) = if args.textures > 0 {
        super::demo_textures::run(&root, args.textures, args.texture_size.max(1), &say)?
    } else {
        (true, json!(null))
    };

    // 5b. A UASTC texture (at most 512×512) loaded through the transcode
    // cache (L2).
    let (transcode_ok, transcode) = if args.textures > 0 {
        let choice = super::demo_transcode::CacheChoice::from_args(args.cache_dir, args.no_cache);
        super::demo_transcode::run(&root, args.texture_size.clamp(1, 512), &choice, &say)?
    } else {
        (true, json!(null))
    };

    // 6. Models: glTF scenes cooked into models with sub-assets, loaded
    // through the dependency graph.
    let (models_ok, models) = if args.models > 0 {
        super::demo_models::run(&root, args.models, 256, &say)?
    } else {
        (true, json!(null))
    };

    let ok = failed == 0
        && textures_ok
        && transcode_ok
        && models_ok
        && mismatches == 0
        && missing_ok
        && bundle_ok
        && second.nothing_changed()
        && third.cooked >= 1;
    if args.json {
        let value = json!({
            "ok": ok,
            "assets": assets.len(),
            "source_bytes": source_bytes,
            "cook": { "cooked": first.cooked, "stored_bytes": first.stored_bytes, "cooked_bytes": first.cooked_bytes, "seconds": first.elapsed.as_secs_f64(), "threads": first.threads },
            "recook_unchanged": { "cooked": second.cooked, "unchanged": second.unchanged, "seconds": second.elapsed.as_secs_f64() },
            "recook_after_edit": { "cooked": third.cooked, "unchanged": third.unchanged },
            "stream": { "loaded": stats.loaded, "failed": failed, "mismatches": mismatches, "seconds": loaded_in.as_secs_f64(), "request_ns_each": requested_in.as_nanos() as f64 / assets.len().max(1) as f64 },
            "stats": stats_json,
            "bundle": bundle,
            "throughput": { "server_mb_s": server_mb_s, "reference_mb_s": ref_mb_s, "ratio": ratio.fraction(), "threads": threads },
            "textures": textures,
            "transcode_cache": transcode,
            "models": models,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("{}", if ok { "demo OK" } else { "demo FAILED" });
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
