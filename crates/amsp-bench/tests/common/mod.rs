//! The small cooked world the simulation tests drive through.

use std::sync::Arc;

use amsp_bench::sim::assets::{StreamAsset, open_world};
use amsp_bench::world::{World, WorldSpec, world_cooker, write_world};
use amsp_io::CookedSource;

/// 10,000 placements of 40 props over 800 m, cooked into a temporary
/// folder (deleted with the returned guard), its assets and packs opened.
pub fn small_world() -> (tempfile::TempDir, World, Vec<StreamAsset>, Arc<CookedSource>) {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    let spec = WorldSpec {
        placements: 10_000,
        side_m: 800.0,
        props: 40,
        max_texture: 512,
        max_triangles: 6000,
        ..WorldSpec::default()
    };
    let world = write_world(&src, &spec).unwrap();
    assert_eq!(world_cooker(&src, &out).run().unwrap().failed, 0);
    let (assets, source) = open_world(&out, &world).unwrap();
    (dir, world, assets, source)
}
