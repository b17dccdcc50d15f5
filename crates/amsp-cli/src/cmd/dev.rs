//! `amsp dev`: serve a source folder in development mode (no cook step),
//! watch it, and report each hot reload.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use amsp_cook::ImporterRegistry;
use amsp_cook::dev::{DevOptions, DevSource};
use amsp_io::{AssetSource, RefreshSource};
use amsp_runtime::hot_reload::{HotReload, HotReloadConfig};
use amsp_runtime::{AssetEvent, AssetServer, Blob};

/// Arguments of `amsp dev`.
#[derive(clap::Args, Debug)]
pub struct DevArgs {
    /// Source folder, served as it is through the importers.
    src: PathBuf,
    /// Quiet time after the last change to a file before it is re-imported.
    #[arg(long, default_value_t = 50)]
    debounce_ms: u64,
    /// Import images as RGBA8 without block compression (much faster
    /// re-imports; development only).
    #[arg(long)]
    fast_textures: bool,
    /// Stop after this many seconds (default: run until interrupted).
    #[arg(long)]
    for_secs: Option<u64>,
}

/// Runs `amsp dev`.
pub fn run(args: DevArgs) -> anyhow::Result<ExitCode> {
    let mut registry = ImporterRegistry::with_defaults();
    super::cook::register_importers(&mut registry, &args.src);
    let options =
        if args.fast_textures { DevOptions::fast_textures() } else { DevOptions::default() };
    let opened = Instant::now();
    let source = Arc::new(DevSource::folder_with(&args.src, registry, options)?);
    let stats = source.stats();
    println!(
        "serving {}: {} files, {} assets, {} failed to import, in {:.0} ms",
        args.src.display(),
        stats.files,
        stats.assets,
        stats.failed,
        opened.elapsed().as_secs_f64() * 1e3
    );
    for (path, error) in source.failures() {
        println!("  {path}: {error}");
    }
    for rejected in source.rejected() {
        println!("  not served: {rejected}");
    }
    let server =
        AssetServer::builder().source(Arc::clone(&source) as Arc<dyn AssetSource>).build()?;
    // Every asset stays loaded (as bytes), so that each change reloads.
    let handles: Vec<_> = source.paths().iter().map(|path| server.load::<Blob>(path)).collect();
    let (tx, events) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    server.on_event(move |event| {
        if let Ok(tx) = tx.lock() {
            let _ = tx.send(event.clone());
        }
    });
    let config = HotReloadConfig {
        debounce: Duration::from_millis(args.debounce_ms),
        ..HotReloadConfig::default()
    };
    let watcher = HotReload::start(Arc::clone(&source) as Arc<dyn RefreshSource>, &server, config)?;
    println!("watching {} (debounce {} ms)", watcher.root().display(), args.debounce_ms);
    let deadline = args.for_secs.map(|s| Instant::now() + Duration::from_secs(s));
    loop {
        let wait = deadline
            .map_or(Duration::from_secs(3600), |d| d.saturating_duration_since(Instant::now()));
        if wait.is_zero() {
            break;
        }
        match events.recv_timeout(wait) {
            Ok(AssetEvent::Reloaded { id, version, latency, .. }) => {
                let path =
                    source.describe(id).map_or_else(|| id.to_string(), |d| d.path.to_string());
                println!(
                    "reloaded {path} (version {version}, {:.1} ms after the request)",
                    latency.as_secs_f64() * 1e3
                );
            }
            Ok(AssetEvent::ReloadFailed { id, error, .. }) => {
                let path =
                    source.describe(id).map_or_else(|| id.to_string(), |d| d.path.to_string());
                println!("reload of {path} failed (the old version stays): {error}");
            }
            Ok(_) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let stats = watcher.stats();
    println!(
        "{} files watched, {} batches, {} reloads, {} failures, mean latency {}",
        stats.files_watched,
        stats.batches,
        stats.reloads,
        stats.failures,
        stats
            .mean_latency
            .map_or_else(|| "-".to_owned(), |l| format!("{:.1} ms", l.as_secs_f64() * 1e3))
    );
    drop(handles);
    Ok(ExitCode::SUCCESS)
}
