//! `amsp cook`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use amsp_cook::{CookOptions, CookProgress, CookReport, Cooker, ImporterRegistry};
use amsp_core::{AssetPath, Codec};
use amsp_formats::prefab::{DataTableImporter, PrefabImporter, ScriptImporter};
use amsp_formats::texture::TextureImporter;
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `amsp cook`.
#[derive(clap::Args, Debug)]
pub struct CookArgs {
    /// Source folder (scanned recursively).
    src: PathBuf,
    /// Output folder (catalog.db and packs/).
    out: PathBuf,
    /// Print a machine-readable summary.
    #[arg(long)]
    json: bool,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    /// Codec for assets that choose none: none, lz4 or zstd.
    #[arg(long, default_value = "zstd")]
    codec: Codec,
    /// zstd compression level.
    #[arg(long, default_value_t = 3)]
    zstd_level: i32,
    /// Do not write .meta sidecars into the source folder.
    #[arg(long)]
    no_meta: bool,
}

struct Bar(ProgressBar);

impl CookProgress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }
    fn advance(&self, path: &AssetPath) {
        self.0.set_message(path.to_string());
        self.0.inc(1);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// Registers the real importers (textures, audio, prefabs, scripts, data
/// tables, meshes, models) for the source folder `src`.
pub fn register_importers(registry: &mut ImporterRegistry, src: &Path) {
    registry.register(Arc::new(TextureImporter::default()));
    registry.register(Arc::new(amsp_formats::audio::AudioImporter::default()));
    registry.register(Arc::new(PrefabImporter::default()));
    registry.register(Arc::new(ScriptImporter));
    registry.register(Arc::new(DataTableImporter));
    registry.register(Arc::new(amsp_formats::mesh::MeshImporter::with_source_root(src)));
    registry.register(Arc::new(amsp_formats::model::ModelImporter::default()));
}

/// Runs `amsp cook`.
pub fn run(args: CookArgs) -> anyhow::Result<ExitCode> {
    let mut options = CookOptions {
        threads: args.threads,
        default_codec: args.codec,
        write_meta: !args.no_meta,
        ..CookOptions::default()
    };
    options.pack.zstd_level = args.zstd_level;
    let mut cooker = Cooker::new(&args.src, &args.out).with_options(options);
    register_importers(cooker.registry_mut(), &args.src);
    if !args.json && std::io::stdout().is_terminal() {
        let bar = ProgressBar::new(0).with_style(
            ProgressStyle::with_template("{spinner} cooking [{bar:40}] {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        cooker = cooker.with_progress(Arc::new(Bar(bar)));
    }
    let report = cooker.run()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(if report.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn print_report(report: &CookReport) {
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    for failure in &report.errors {
        // Most errors already start with the path they are about.
        if failure.error.starts_with(&failure.path) {
            eprintln!("error: {}", failure.error);
        } else {
            eprintln!("error: {}: {}", failure.path, failure.error);
        }
    }
    if report.nothing_changed() && report.failed == 0 {
        println!(
            "nothing to do: {} assets unchanged ({:.2} s)",
            report.unchanged,
            report.elapsed.as_secs_f64()
        );
        return;
    }
    println!(
        "cooked {}, unchanged {}, failed {}, removed {}, relocated {} in {:.2} s on {} threads",
        report.cooked,
        report.unchanged,
        report.failed,
        report.removed,
        report.relocated,
        report.elapsed.as_secs_f64(),
        report.threads
    );
    if report.cooked > 0 {
        println!(
            "  {} source -> {} cooked -> {} stored ({:.1}%)",
            crate::output::bytes(report.source_bytes),
            crate::output::bytes(report.cooked_bytes),
            crate::output::bytes(report.stored_bytes),
            100.0 * report.stored_bytes as f64 / report.cooked_bytes.max(1) as f64
        );
    }
    for pack in &report.packs_written {
        println!("  wrote {pack}");
    }
    for pack in &report.packs_removed {
        println!("  removed {pack}");
    }
}
