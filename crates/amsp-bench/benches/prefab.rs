//! Prefabs: cook throughput and load latency, each against a reference
//! measured in the same run.
//!
//! - `prefab_cook`: the prefab importer (parse, schema check, reference
//!   checks against the cook's sources, cycle search, binary encoding) over
//!   5,000 generated prefab sources of 20 entities each, on a pool of 2
//!   threads; the reference parses the same texts into `ron::Value` with the
//!   `ron` crate on the same pool, and does nothing else.
//! - `prefab_load`: loading one cooked 20-entity prefab (and the script and
//!   table it references) through the `AssetServer` from a pack in the page
//!   cache, unloading it between rounds; p50/p99 over 2,000 rounds are
//!   printed. The reference decodes the same cooked bytes alone.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amsp_bench::CookedFiles;
use amsp_cook::{AssetMeta, ImportInput, Importer};
use amsp_core::{AssetId, AssetPath};
use amsp_formats::prefab::{
    DataTableImporter, DataTableLoader, Prefab, PrefabImporter, PrefabLoader, ScriptImporter,
    ScriptLoader, decode_prefab,
};
use amsp_io::AssetSource;
use amsp_runtime::LoadState;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;

const PREFABS: usize = 5000;
const ENTITIES: usize = 20;
const THREADS: usize = 2;

/// Rounds of the timings printed before the criterion groups: full under
/// `cargo bench`, one under `cargo test` (which runs benches once as tests).
fn rounds(full: usize) -> usize {
    if std::env::args().any(|a| a == "--bench") { full } else { 1 }
}

/// A prefab source of `ENTITIES` entities (a root with children and
/// grandchildren), with transforms, dynamic components and references.
fn prefab_source(i: usize) -> String {
    let mut s = format!("(name: \"prefab_{i}\", entities: [\n");
    let entity = |s: &mut String, n: usize| {
        let _ = write!(
            s,
            "(name: \"e{n}\", components: {{\n  \"Transform\": (translation: ({}.5, 0.0, {}.25), scale: (1.0, 1.0, 1.0)),\n  \"Sprite\": (texture: \"asset:textures/t{}.png\", layer: {}, tint: (1.0, 0.5, 0.25, 1.0)),\n  \"Health\": (max: 100, regen: 2.5, tags: [\"enemy\", \"armored\"]),\n}}",
            n % 7,
            i % 11,
            n % 4,
            n % 3
        );
    };
    let mut n = 0;
    for _ in 0..4 {
        entity(&mut s, n);
        n += 1;
        s.push_str(", children: [");
        for _ in 0..4 {
            entity(&mut s, n);
            n += 1;
            s.push_str("),");
        }
        s.push_str("]),\n");
    }
    debug_assert_eq!(n, ENTITIES);
    s.push_str("])\n");
    s
}

fn cook_group(c: &mut Criterion) {
    let sources: Vec<(AssetPath, String)> = (0..PREFABS)
        .map(|i| {
            (AssetPath::new(&format!("p/prefab_{i:05}.prefab.ron")).unwrap(), prefab_source(i))
        })
        .collect();
    let mut known: HashMap<AssetPath, Vec<u8>> = HashMap::new();
    for t in 0..4 {
        known.insert(AssetPath::new(&format!("textures/t{t}.png")).unwrap(), Vec::new());
    }
    for (p, s) in &sources {
        known.insert(p.clone(), s.clone().into_bytes());
    }
    let meta = AssetMeta::with_id(AssetId::from_u128(1));
    let importer = PrefabImporter::default();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(THREADS).build().expect("pool");
    let bytes: usize = sources.iter().map(|(_, s)| s.len()).sum();

    let import_all = || {
        pool.install(|| {
            sources
                .par_iter()
                .map(|(path, text)| {
                    let input = ImportInput { path, bytes: text.as_bytes(), meta: &meta };
                    importer.import_with_sources(&input, &known).expect("imports").chunks[0].len()
                })
                .sum::<usize>()
        })
    };
    let ron_all = || {
        pool.install(|| {
            sources
                .par_iter()
                .map(|(_, text)| usize::from(ron::from_str::<ron::Value>(text).is_ok()))
                .sum::<usize>()
        })
    };
    // Alternating rounds outside criterion, for the ratio and prefabs/s.
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let mut cooked = 0;
    for _ in 0..rounds(10) {
        let t = Instant::now();
        cooked = import_all();
        ours.push(t.elapsed());
        let t = Instant::now();
        assert_eq!(ron_all(), PREFABS);
        theirs.push(t.elapsed());
    }
    ours.sort();
    theirs.sort();
    let (o, r) = (ours[ours.len() / 2].as_secs_f64(), theirs[theirs.len() / 2].as_secs_f64());
    println!(
        "prefab_cook: {:.0} prefabs/s on {THREADS} threads ({ENTITIES} entities, {:.1} KiB each; \
         cooked form {:.1} KiB each); ron::Value parse alone: {:.0} prefabs/s; importer takes {:.2}x \
         the reference's time (medians of {} alternating rounds)",
        PREFABS as f64 / o,
        bytes as f64 / PREFABS as f64 / 1024.0,
        cooked as f64 / PREFABS as f64 / 1024.0,
        PREFABS as f64 / r,
        o / r,
        ours.len()
    );

    let mut group = c.benchmark_group("prefab_cook");
    group.sample_size(10);
    group.throughput(Throughput::Elements(PREFABS as u64));
    group.bench_function("importer_2_threads", |b| b.iter(import_all));
    group.bench_function("reference_ron_value_parse_2_threads", |b| b.iter(ron_all));
    group.finish();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn load_group(c: &mut Criterion) {
    let text = prefab_source(0)
        .replace("\"asset:textures/t0.png\"", "\"asset:scripts/ai.lua\"")
        .replace("\"asset:textures/t1.png\"", "\"asset:data/loot.csv\"")
        .replace("\"asset:textures/t2.png\"", "\"asset:scripts/ai.lua\"")
        .replace("\"asset:textures/t3.png\"", "\"asset:data/loot.csv\"");
    let files: [(&str, &[u8]); 3] = [
        ("level.prefab.ron", text.as_bytes()),
        ("scripts/ai.lua", b"return function(e) e:think() end\n"),
        ("data/loot.csv", b"item,weight\nsword,2.5\nshield,4\n"),
    ];
    let cooked = CookedFiles::new(&files, |_| {
        vec![
            Arc::new(PrefabImporter::default()) as Arc<dyn Importer>,
            Arc::new(ScriptImporter),
            Arc::new(DataTableImporter),
        ]
    });
    let source = &cooked.source;
    let server = cooked.server(THREADS);
    server.register_loader(PrefabLoader::default());
    server.register_loader(ScriptLoader);
    server.register_loader(DataTableLoader);
    let load_once = || {
        let t = Instant::now();
        let handle = server.load::<Prefab>("level.prefab.ron");
        assert!(matches!(server.wait_for(&handle, Duration::from_secs(10)), LoadState::Loaded));
        let elapsed = t.elapsed();
        drop(handle);
        server.unload_unused();
        elapsed
    };
    let id = source.resolve(&AssetPath::new("level.prefab.ron").unwrap()).expect("id");
    let decode_once = || {
        let t = Instant::now();
        let mut bytes = Vec::new();
        source.read_chunk(id, 0, &mut bytes).expect("read");
        let prefab = decode_prefab(&bytes).expect("decodes");
        assert_eq!(prefab.entities.len(), 4);
        t.elapsed()
    };
    for _ in 0..rounds(100) {
        load_once();
    }
    let mut loads: Vec<Duration> = (0..rounds(2000)).map(|_| load_once()).collect();
    let mut decodes: Vec<Duration> = (0..rounds(2000)).map(|_| decode_once()).collect();
    loads.sort();
    decodes.sort();
    println!(
        "prefab_load: {ENTITIES}-entity prefab + 2 dependencies through the AssetServer: p50 {:?}, p99 {:?}; \
         reference (read chunk + decode_prefab alone): p50 {:?}, p99 {:?} ({} rounds each)",
        percentile(&loads, 0.5),
        percentile(&loads, 0.99),
        percentile(&decodes, 0.5),
        percentile(&decodes, 0.99),
        loads.len()
    );
    let mut group = c.benchmark_group("prefab_load");
    group.bench_function("asset_server_cached", |b| b.iter(load_once));
    group.bench_function("reference_read_and_decode", |b| b.iter(decode_once));
    group.finish();
}

criterion_group!(benches, cook_group, load_group);
criterion_main!(benches);
