//! The cooked worlds the simulation and streaming tests drive through.

use std::path::PathBuf;
use std::sync::Arc;

use amsp_bench::sim::assets::{StreamAsset, open_world};
use amsp_bench::world::{World, WorldSpec, world_cooker, write_world};
use amsp_io::CookedSource;

/// 10,000 placements of 40 props over 800 m, cooked into a temporary
/// folder (deleted with the returned guard), its assets and packs opened.
#[allow(dead_code, reason = "not every test binary uses every world")]
pub fn small_world() -> (tempfile::TempDir, World, Vec<StreamAsset>, Arc<CookedSource>) {
    let spec = WorldSpec {
        placements: 10_000,
        side_m: 800.0,
        props: 40,
        max_texture: 512,
        max_triangles: 6000,
        ..WorldSpec::default()
    };
    let (dir, world, assets, out) = cooked_world(&spec);
    let source = Arc::new(CookedSource::open(&out).unwrap());
    (dir, world, assets, source)
}

/// The world `spec` cooked into a temporary folder (deleted with the
/// returned guard): the world, its assets, and the cooked output folder.
#[allow(dead_code, reason = "not every test binary uses every world")]
pub fn cooked_world(spec: &WorldSpec) -> (tempfile::TempDir, World, Vec<StreamAsset>, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    let world = write_world(&src, spec).unwrap();
    assert_eq!(world_cooker(&src, &out).run().unwrap().failed, 0);
    let (assets, _) = open_world(&out, &world).unwrap();
    (dir, world, assets, out)
}
