//! The simulation's outputs: a text table, JSON, and an HTML page with PNG
//! plots (pop-in, bytes in flight and resident memory against the budget
//! over time, per path) and top-down maps of what is resident.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use serde_json::{Value, json};

use super::plot::{PALETTE, Series, line_chart, map};
use super::run::{RunResult, SimConfig};

/// A chart of a run: file stem, title, and the value of a frame.
type Chart = (&'static str, &'static str, fn(&super::run::FrameSample) -> f32);

/// The table printed by `amsp simulate`.
#[must_use]
pub fn table(results: &[RunResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<9} {:<8} {:>6} {:>7} {:>12} {:>12} {:>11} {:>11} {:>11}",
        "path",
        "strategy",
        "frames",
        "pop-in",
        "sharp p50 ms",
        "sharp p95 ms",
        "read",
        "wasted",
        "peak res."
    );
    for r in results {
        let _ = writeln!(
            out,
            "{:<9} {:<8} {:>6} {:>7} {:>12.1} {:>12.1} {:>11} {:>11} {:>11}",
            r.path,
            r.strategy,
            r.frames,
            r.pop_in_frames,
            r.time_to_sharp_p50_ms,
            r.time_to_sharp_p95_ms,
            mib(r.bytes_read),
            mib(r.wasted_bytes),
            mib(r.peak_resident_bytes),
        );
    }
    out
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

/// The results as JSON: one object per path and strategy with the figures
/// the issue names.
#[must_use]
pub fn json(results: &[RunResult], config: &SimConfig) -> Value {
    json!({
        "config": {
            "fps": config.fps,
            "seconds": config.seconds,
            "bandwidth_bytes_per_s": config.bandwidth,
            "latency_s": config.latency,
            "memory_budget_bytes": config.memory_budget,
            "range_m": config.range,
            "horizon_s": config.horizon,
        },
        "runs": results.iter().map(|r| json!({
            "path": r.path,
            "strategy": r.strategy,
            "frames": r.frames,
            "pop_in_frames": r.pop_in_frames,
            "time_to_sharp_p50_ms": r.time_to_sharp_p50_ms,
            "time_to_sharp_p95_ms": r.time_to_sharp_p95_ms,
            "bytes_read": r.bytes_read,
            "wasted_bytes": r.wasted_bytes,
            "peak_resident_bytes": r.peak_resident_bytes,
        })).collect::<Vec<_>>(),
    })
}

/// Writes `index.html` and its PNG images into `dir`.
///
/// # Errors
/// Failures to write the files.
pub fn write_report(dir: &Path, results: &[RunResult], config: &SimConfig) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut html = String::from(
        "<!doctype html><meta charset=utf-8><title>AMSP streaming simulation</title>\n\
         <style>body{font:14px sans-serif;margin:2em}table{border-collapse:collapse}\
         td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd}\
         img{border:1px solid #ccc;margin:4px}.k{display:inline-block;width:12px;height:12px}</style>\n\
         <h1>AMSP streaming simulation</h1>\n",
    );
    let _ = writeln!(
        html,
        "<p>{} frames per second, {} s per path, disk {:.1} MB/s with {:.1} ms latency per read, memory budget {}, load range {} m.</p>",
        config.fps,
        config.seconds,
        config.bandwidth / 1e6,
        config.latency * 1e3,
        mib(config.memory_budget),
        config.range
    );
    html.push_str("<table><tr><th>path<th>strategy<th>frames<th>pop-in frames<th>sharp p50 ms<th>sharp p95 ms<th>read<th>wasted<th>peak resident</tr>\n");
    for r in results {
        let _ = writeln!(
            html,
            "<tr><td>{}<td>{}<td>{}<td>{}<td>{:.1}<td>{:.1}<td>{}<td>{}<td>{}</tr>",
            r.path,
            r.strategy,
            r.frames,
            r.pop_in_frames,
            r.time_to_sharp_p50_ms,
            r.time_to_sharp_p95_ms,
            mib(r.bytes_read),
            mib(r.wasted_bytes),
            mib(r.peak_resident_bytes)
        );
    }
    html.push_str("</table>\n");
    let mut strategies: Vec<&str> = results.iter().map(|r| r.strategy.as_str()).collect();
    strategies.dedup();
    strategies.sort_unstable();
    strategies.dedup();
    html.push_str("<p>");
    for (i, s) in strategies.iter().enumerate() {
        let [r, g, b] = PALETTE[i % PALETTE.len()];
        let _ = write!(html, "<span class=k style=background:rgb({r},{g},{b})></span> {s} &nbsp; ");
    }
    html.push_str("<span class=k style=background:rgb(120,120,120)></span> memory budget</p>\n");

    let mut paths: Vec<&str> = results.iter().map(|r| r.path.as_str()).collect();
    paths.dedup();
    let fps = config.fps;
    for path in paths {
        let runs: Vec<&RunResult> = results.iter().filter(|r| r.path == path).collect();
        let _ = writeln!(html, "<h2>{path}</h2>");
        let colour = |r: &RunResult| {
            PALETTE[strategies.iter().position(|s| *s == r.strategy).unwrap_or(0) % PALETTE.len()]
        };
        let charts: [Chart; 3] = [
            ("popin", "visible placements missing or too coarse", |s| s.popped as f32),
            ("inflight", "bytes requested, not yet read (MiB)", |s| {
                s.in_flight as f32 / (1 << 20) as f32
            }),
            ("resident", "resident bytes (MiB) and the budget", |s| {
                s.resident as f32 / (1 << 20) as f32
            }),
        ];
        for (name, title, value) in charts {
            let points: Vec<Vec<(f32, f32)>> = runs
                .iter()
                .map(|r| {
                    r.samples.iter().enumerate().map(|(i, s)| (i as f32 / fps, value(s))).collect()
                })
                .collect();
            let peak = points.iter().flatten().map(|p| p.1).fold(0.0f32, f32::max);
            let budget_mib = config.memory_budget as f32 / (1 << 20) as f32;
            let budget_line: Vec<(f32, f32)> = if name == "resident" && budget_mib <= peak * 2.0 {
                let end = config.seconds;
                let b = config.memory_budget as f32 / (1 << 20) as f32;
                vec![(0.0, b), (end, b)]
            } else {
                Vec::new()
            };
            let mut series: Vec<Series<'_>> = runs
                .iter()
                .zip(&points)
                .map(|(r, p)| Series { color: colour(r), points: p })
                .collect();
            if !budget_line.is_empty() {
                series.push(Series { color: PALETTE[4], points: &budget_line });
            }
            let file = format!("{name}_{path}.png");
            std::fs::write(dir.join(&file), line_chart(&series, 640, 200, None)?)?;
            let max = points.iter().flatten().map(|p| p.1).fold(0.0f32, f32::max);
            let _ = writeln!(
                html,
                "<h3>{title}</h3><p>0 … {max:.1} over {} s</p><img src=\"{file}\">",
                config.seconds
            );
        }
        let _ = writeln!(
            html,
            "<h3>the kilometre around the observer (cross) at a few instants: grey not resident, red to green the share of the mesh's LODs resident</h3>"
        );
        for r in &runs {
            for (frame, observer, points) in &r.snapshots {
                let file = format!("map_{path}_{}_{frame}.png", r.strategy);
                let shade = |f: f32| -> [u8; 3] {
                    let f = f.clamp(0.0, 1.0);
                    [
                        (230.0 * (1.0 - f)) as u8,
                        (90.0 + 120.0 * f) as u8,
                        (60.0 + 60.0 * (1.0 - f)) as u8,
                    ]
                };
                let png =
                    map(1000.0, 320, points.iter().map(|&(x, z, f)| (x, z, shade(f))), *observer)?;
                std::fs::write(dir.join(&file), png)?;
                let _ = writeln!(
                    html,
                    "<figure style=display:inline-block><img src=\"{file}\"><figcaption>{} at {:.1} s</figcaption></figure>",
                    r.strategy,
                    *frame as f32 / fps
                );
            }
        }
    }
    std::fs::write(dir.join("index.html"), html)
}
