//! `amsp`: cook asset folders into packs and a catalog, inspect and verify
//! the output, and run the end-to-end demo.

mod cmd;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// AMSP: asset management and streaming pipeline.
#[derive(Parser, Debug)]
#[command(name = "amsp", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Cook the source folder SRC into packs and a catalog in OUT (incremental).
    Cook(cmd::cook::CookArgs),
    /// List the assets of a cooked output.
    Ls(cmd::query::LsArgs),
    /// Show everything the catalog knows about one asset.
    Info(cmd::query::InfoArgs),
    /// Full-text search over paths, types and tags.
    Search(cmd::query::SearchArgs),
    /// Dependencies of an asset (transitive), or its dependents with --reverse.
    Deps(cmd::query::DepsArgs),
    /// Check every pack and the catalog of a cooked output; non-zero exit on any damage.
    Verify(cmd::verify::VerifyArgs),
    /// Generate a synthetic asset tree, cook it, stream every asset back and report.
    Demo(cmd::demo::DemoArgs),
    /// Serve a source folder without cooking, watch it and hot-reload each change.
    Dev(cmd::dev::DevArgs),
    /// Streaming fly-through: observer paths through a cooked world, AMSP against fifo and nearest.
    Simulate(cmd::simulate::SimulateArgs),
}

/// Where commands read a cooked output from.
#[derive(clap::Args, Debug)]
struct OutDir {
    /// The cooked output folder (holds catalog.db and packs/).
    out: PathBuf,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AMSP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Cook(args) => cmd::cook::run(args),
        Command::Ls(args) => cmd::query::ls(args),
        Command::Info(args) => cmd::query::info(args),
        Command::Search(args) => cmd::query::search(args),
        Command::Deps(args) => cmd::query::deps(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::Simulate(args) => cmd::simulate::run_simulate(args),
        Command::Dev(args) => cmd::dev::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
