//! `amsp simulate`: a streaming fly-through. Generates (or takes) a cooked
//! world, runs observer paths at a fixed frame rate against its real packs
//! through a simulated-clock disk, and compares AMSP's streaming with the
//! `fifo` and `nearest` baselines on the same paths, disk and budget. By
//! default the decisions are carried out by the runtime's `AssetServer`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use amsp_bench::sim::assets::open_world;
use amsp_bench::sim::clocked::ClockedSource;
use amsp_bench::sim::disk::Disk;
use amsp_bench::sim::paths::PathKind;
use amsp_bench::sim::report::{json, table, write_report};
use amsp_bench::sim::run::{SimConfig, Strategy, run};
use amsp_bench::sim::server_run::run_server;
use amsp_bench::world::{World, WorldSpec, world_cooker, write_world};
use anyhow::{Context, bail};

/// Arguments of `amsp simulate`.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// Work in this folder (kept): `src/` holds the world's sources and
    /// `world.json`, `out/` the cooked world. An existing world there is
    /// reused (and cooked incrementally).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Placements in a generated world.
    #[arg(long, default_value_t = 100_000)]
    placements: usize,
    /// Distinct props (each a mesh and a texture) in a generated world.
    #[arg(long, default_value_t = 1000)]
    props: usize,
    /// Side of a generated world in metres (3162 m is 10 km²).
    #[arg(long, default_value_t = 3162.0)]
    side: f32,
    /// Largest texture of a generated world, in pixels.
    #[arg(long, default_value_t = 1024)]
    max_texture: u32,
    /// Paths to run (walk, drive, fly, teleport, spin).
    #[arg(long, value_delimiter = ',', default_value = "walk,drive,fly,teleport,spin")]
    paths: Vec<String>,
    /// Simulated seconds per path.
    #[arg(long, default_value_t = 30.0)]
    seconds: f32,
    /// Disk bandwidth in MB/s (a slow disk or network).
    #[arg(long, default_value_t = 40.0)]
    bandwidth_mbps: f64,
    /// Latency before each read, in milliseconds.
    #[arg(long, default_value_t = 2.0)]
    latency_ms: f64,
    /// Memory budget for resident levels, in MiB.
    #[arg(long, default_value_t = 512)]
    budget_mib: u64,
    /// How far ahead AMSP extrapolates the observer's motion, in seconds.
    #[arg(long, default_value_t = 1.0)]
    horizon: f32,
    /// What carries out the streaming decisions: `server`, the runtime's
    /// `AssetServer` (its scheduler, level loaders and cancellation) on the
    /// simulated disk; or `model`, a model of its ordering that reads the
    /// same chunks (faster, for large sweeps).
    #[arg(long, default_value = "server", value_parser = ["server", "model"])]
    engine: String,
    /// Write each run's level requests (an access trace for comparing
    /// cache policies) to this CSV file: `path,strategy,key,bytes`.
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
    /// Write an HTML report with plots and maps into this folder.
    #[arg(long)]
    report: Option<PathBuf>,
}

/// Runs `amsp simulate`.
pub fn run_simulate(args: SimulateArgs) -> anyhow::Result<ExitCode> {
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
            eprintln!("{line}");
        }
    };
    let world_file = src.join("world.json");
    let world = if world_file.is_file() {
        World::load(&world_file)?
    } else {
        let started = Instant::now();
        let spec = WorldSpec {
            placements: args.placements,
            side_m: args.side,
            props: args.props,
            max_texture: args.max_texture,
            ..WorldSpec::default()
        };
        let world = write_world(&src, &spec)
            .with_context(|| format!("writing the world in {}", src.display()))?;
        say(format!(
            "world:    {} placements of {} props over {:.1} km², generated in {:.1} s",
            world.placements.len(),
            world.props.len(),
            world.side_m * world.side_m / 1e6,
            started.elapsed().as_secs_f64()
        ));
        world
    };
    let report = world_cooker(&src, &out).run()?;
    if report.failed > 0 {
        bail!("the world did not cook: {:?}", report.errors);
    }
    say(format!(
        "cook:     {} assets cooked, {} unchanged, {:.1} MiB stored, in {:.1} s",
        report.cooked,
        report.unchanged,
        report.stored_bytes as f64 / (1 << 20) as f64,
        report.elapsed.as_secs_f64()
    ));

    let (assets, source) = open_world(&out, &world)?;
    let paths = args
        .paths
        .iter()
        .map(|p| PathKind::from_name(p).with_context(|| format!("unknown path {p:?}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let frames = (args.seconds * 60.0).round() as u32;
    let config = SimConfig {
        seconds: args.seconds,
        bandwidth: args.bandwidth_mbps * 1e6,
        latency: args.latency_ms / 1e3,
        memory_budget: args.budget_mib << 20,
        horizon: args.horizon,
        snapshots: if args.report.is_some() {
            vec![frames / 4, frames / 2, frames * 3 / 4]
        } else {
            Vec::new()
        },
        ..SimConfig::default()
    };
    let clocked = Arc::new(ClockedSource::new(
        Arc::clone(&source),
        &assets,
        config.bandwidth,
        config.latency,
    ));
    let mut results = Vec::new();
    for &path in &paths {
        for strategy in Strategy::ALL {
            let started = Instant::now();
            let r = if args.engine == "server" {
                run_server(&world, &assets, &clocked, path, strategy, &config)?
            } else {
                let mut disk = Disk::new(Arc::clone(&source), config.bandwidth, config.latency);
                run(&world, &assets, &mut disk, path, strategy, &config)?
            };
            say(format!(
                "ran:      {:<8} {:<7} in {:.1} s",
                path.name(),
                strategy.name(),
                started.elapsed().as_secs_f64()
            ));
            results.push(r);
        }
    }
    if args.json {
        let mut out = json(&results, &config);
        out["engine"] = args.engine.clone().into();
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", table(&results));
    }
    if let Some(file) = &args.trace {
        let mut csv = String::from("path,strategy,key,bytes\n");
        for r in &results {
            for (key, bytes) in &r.requests {
                csv.push_str(&format!("{},{},{key},{bytes}\n", r.path, r.strategy));
            }
        }
        std::fs::write(file, csv).with_context(|| format!("writing {}", file.display()))?;
        say(format!("trace:    {}", file.display()));
    }
    if let Some(dir) = &args.report {
        write_report(dir, &results, &config)?;
        say(format!("report:   {}", dir.join("index.html").display()));
    }
    Ok(ExitCode::SUCCESS)
}
