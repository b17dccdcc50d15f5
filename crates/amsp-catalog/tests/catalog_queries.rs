//! Reads by id, path, type, tag, content hash and pack; counts, packs and
//! settings.

mod common;

use amsp_catalog::{AssetRecord, Catalog, Location, LodVariant};
use common::*;

/// Five assets of three types whose child rows all differ, written in an
/// order that is neither id nor path order.
fn sample() -> Vec<AssetRecord> {
    let mut rock = record(30, "textures/rock_albedo.png", "texture");
    rock.tags = vec!["env".into(), "rock".into()];
    rock.content_hash = hash(7);
    rock.location = Some(Location { pack: PACK.into(), entry: 1 });

    let mut grass = record(10, "textures/grass.png", "texture");
    grass.tags = vec!["env".into()];
    grass.content_hash = hash(7); // same bytes as the rock texture
    grass.location = Some(Location { pack: PACK.into(), entry: 0 });

    let mut material = record(20, "materials/rock.material.ron", "material");
    material.dependencies = vec![id(30), id(10)];
    material.tags = vec!["rock".into()];

    let mut mesh = record(50, "meshes/boulder.glb", "mesh");
    mesh.dependencies = vec![id(20)];
    mesh.lods = vec![
        LodVariant { level: 0, chunk: 1, screen_error: 0.0, triangles: 900, bytes: 9000 },
        LodVariant { level: 1, chunk: 0, screen_error: 0.5, triangles: 100, bytes: 1000 },
    ];

    let script = record(40, "scripts/ai.lua", "script");
    vec![rock, mesh, grass, script, material]
}

fn sample_catalog() -> Catalog {
    let mut catalog = Catalog::open_in_memory().unwrap();
    write(&mut catalog, &sample());
    catalog
}

#[test]
fn all_is_ordered_by_path_with_every_record_complete() {
    let catalog = sample_catalog();
    let all = catalog.all().unwrap();
    assert_eq!(
        paths(&all),
        [
            "materials/rock.material.ron",
            "meshes/boulder.glb",
            "scripts/ai.lua",
            "textures/grass.png",
            "textures/rock_albedo.png",
        ]
    );
    // The child rows were joined onto the right parents.
    let mut expected = sample();
    expected.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(all, expected);
    assert_eq!(catalog.count().unwrap(), 5);
}

#[test]
fn get_by_id_and_path() {
    let catalog = sample_catalog();
    let mesh = catalog.get(id(50)).unwrap().unwrap();
    assert_eq!(mesh.path.as_str(), "meshes/boulder.glb");
    assert_eq!(mesh.lods.len(), 2);
    assert_eq!(mesh.dependencies, [id(20)]);
    assert_eq!(catalog.get_by_path(&path("meshes/boulder.glb")).unwrap(), Some(mesh));
    // Paths are matched after normalisation, exactly otherwise.
    assert!(catalog.get_by_path(&path("meshes\\boulder.glb")).unwrap().is_some());
    assert!(catalog.get_by_path(&path("Meshes/boulder.glb")).unwrap().is_none());
}

#[test]
fn by_type() {
    let catalog = sample_catalog();
    assert_eq!(ids(&catalog.by_type("texture").unwrap()), [id(10), id(30)]);
    assert_eq!(ids(&catalog.by_type("script").unwrap()), [id(40)]);
    assert!(catalog.by_type("Texture").unwrap().is_empty());
    assert!(catalog.by_type("").unwrap().is_empty());
}

#[test]
fn by_tag_returns_full_records() {
    let catalog = sample_catalog();
    let rock = catalog.by_tag("rock").unwrap();
    assert_eq!(paths(&rock), ["materials/rock.material.ron", "textures/rock_albedo.png"]);
    assert_eq!(rock[0].dependencies, [id(30), id(10)]);
    assert_eq!(rock[1].tags, ["env", "rock"]);
    assert_eq!(ids(&catalog.by_tag("env").unwrap()), [id(10), id(30)]);
    assert!(catalog.by_tag("ro").unwrap().is_empty());
}

#[test]
fn by_content_hash_and_pack() {
    let catalog = sample_catalog();
    assert_eq!(ids(&catalog.by_content_hash(&hash(7)).unwrap()), [id(10), id(30)]);
    assert!(catalog.by_content_hash(&hash(8)).unwrap().is_empty());
    assert_eq!(ids(&catalog.in_pack(PACK).unwrap()), [id(10), id(30)]);
    assert!(catalog.in_pack("packs/other.amsp").unwrap().is_empty());
}

#[test]
fn packs_are_listed_by_name() {
    let mut catalog = sample_catalog();
    let tx = catalog.transaction().unwrap();
    tx.upsert_pack(&pack("packs/pack-000000.amsp", 3)).unwrap();
    let mut replaced = pack(PACK, 7);
    replaced.file_len = 123;
    tx.upsert_pack(&replaced).unwrap();
    tx.commit().unwrap();
    let packs = catalog.packs().unwrap();
    assert_eq!(packs, [pack("packs/pack-000000.amsp", 3), replaced]);
}

#[test]
fn settings() {
    let mut catalog = Catalog::open_in_memory().unwrap();
    assert_eq!(catalog.get_setting("cook.profile").unwrap(), None);
    let tx = catalog.transaction().unwrap();
    tx.set_setting("cook.profile", "release").unwrap();
    tx.set_setting("cook.profile", "debug").unwrap();
    tx.set_setting("empty", "").unwrap();
    tx.set_setting("gone", "x").unwrap();
    assert!(tx.remove_setting("gone").unwrap());
    assert!(!tx.remove_setting("never").unwrap());
    tx.commit().unwrap();
    assert_eq!(catalog.get_setting("cook.profile").unwrap().as_deref(), Some("debug"));
    assert_eq!(catalog.get_setting("empty").unwrap().as_deref(), Some(""));
    assert_eq!(catalog.get_setting("gone").unwrap(), None);
}

#[test]
fn a_second_connection_sees_committed_writes_only() {
    let (_dir, file) = temp_catalog();
    let mut writer = Catalog::open(&file).unwrap();
    let reader = Catalog::open(&file).unwrap();
    let tx = writer.transaction().unwrap();
    tx.upsert_pack(&pack(PACK, 10)).unwrap();
    tx.upsert_asset(&record(1, "a.png", "texture")).unwrap();
    assert_eq!(tx.count().unwrap(), 1);
    assert!(tx.get(id(1)).unwrap().is_some());
    // WAL: the reader is not blocked and does not see uncommitted rows.
    assert_eq!(reader.count().unwrap(), 0);
    tx.commit().unwrap();
    assert_eq!(reader.count().unwrap(), 1);
    assert_eq!(reader.packs().unwrap().len(), 1);
}

#[test]
fn catalog_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Catalog>();
    let catalog = sample_catalog();
    let count = std::thread::spawn(move || catalog.count().unwrap()).join().unwrap();
    assert_eq!(count, 5);
}
