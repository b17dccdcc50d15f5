//! The synthetic world cooks into models, LOD-chained meshes and mip-chained
//! textures, and its placements survive a save and load.

use amsp_bench::world::{World, WorldSpec, world_cooker, write_world};
use amsp_catalog::Catalog;
use amsp_core::AssetPath;

#[test]
fn a_small_world_cooks_with_lods_and_mips() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    let spec = WorldSpec {
        placements: 5000,
        props: 24,
        max_texture: 512,
        max_triangles: 4000,
        ..WorldSpec::default()
    };
    let world = write_world(&src, &spec).unwrap();
    assert_eq!((world.props.len(), world.placements.len()), (24, 5000));
    assert!(world.placements.iter().all(|p| p.position[0] >= 0.0 && p.position[0] <= spec.side_m));

    let report = world_cooker(&src, &out).run().unwrap();
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    let catalog = Catalog::open_read_only(out.join("catalog.db")).unwrap();
    for prop in &world.props {
        let mesh = catalog.get_by_path(&AssetPath::new(&prop.mesh).unwrap()).unwrap().unwrap();
        assert_eq!(mesh.asset_type, "mesh");
        // Small meshes cannot lose half their triangles within the error
        // target; larger ones get a chain.
        if mesh.lods[0].triangles > 2000 {
            assert!(mesh.lods.len() >= 2, "{} has an LOD chain: {:?}", prop.mesh, mesh.lods);
        }
        let texture =
            catalog.get_by_path(&AssetPath::new(&prop.texture).unwrap()).unwrap().unwrap();
        assert_eq!(texture.metadata["format"], "Bc7Srgb", "{}", texture.metadata);
        assert!(texture.metadata["mip_count"].as_u64().unwrap() >= 8);
        let material = catalog
            .get_by_path(&AssetPath::new(&format!("{}#material0", prop.model)).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(material.dependencies, vec![texture.id]);
    }

    let again = World::load(&src.join("world.json")).unwrap();
    assert_eq!(again.props, world.props);
    assert_eq!(again.placements, world.placements);
    // The same seed writes the same world.
    let other = write_world(&dir.path().join("again"), &spec).unwrap();
    assert_eq!(other.placements, world.placements);
}
