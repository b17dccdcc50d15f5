//! Full-text search over path, type and tags.

mod common;

use amsp_catalog::Catalog;
use common::*;

fn search_catalog() -> Catalog {
    let mut catalog = Catalog::open_in_memory().unwrap();
    let mut records = vec![
        record(1, "textures/rock_albedo.png", "texture"),
        record(2, "textures/rock-normal.png", "texture"),
        record(3, "meshes/props/Crate_01.glb", "mesh"),
        record(4, "ui/MainMenu.ron", "data"),
        record(5, "audio/Überall/forêt.wav", "audio"),
        record(6, "levels/日本語/stage.scene", "scene"),
        record(7, "scripts/and_or_not.lua", "script"),
    ];
    records[2].tags = vec!["env:dock".into(), "prop".into()];
    records[3].tags = vec!["ui".into()];
    records[4].tags = vec!["ambience".into()];
    write(&mut catalog, &records);
    catalog
}

fn found(catalog: &Catalog, query: &str) -> Vec<u128> {
    let results = catalog.search(query).unwrap_or_else(|e| panic!("{query:?}: {e}"));
    let mut ids: Vec<u128> = results.iter().map(|r| r.id.as_u128()).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn folder_names_stems_types_and_tags_are_found() {
    let catalog = search_catalog();
    let cases: &[(&str, &[u128])] = &[
        ("textures", &[1, 2]),
        ("rock", &[1, 2]),
        ("albedo", &[1]),
        ("rock_albedo", &[1]),
        ("rock-normal", &[2]),
        ("textures/rock_albedo.png", &[1]),
        ("png", &[1, 2]),
        ("props", &[3]),
        ("crate 01", &[3]),
        ("texture", &[1, 2]), // the type (and, by prefix, the folder)
        ("mesh", &[3]),
        ("dock", &[3]), // tag `env:dock`
        ("env:dock", &[3]),
        ("ambience", &[5]),
        ("menu", &[4]), // camel-case part of MainMenu
        ("MainMenu", &[4]),
        ("mainmenu", &[4]),
        ("textures rock normal", &[2]),
        ("rock zebra", &[]),
        ("nothing", &[]),
    ];
    for &(query, expected) in cases {
        assert_eq!(found(&catalog, query), expected, "{query:?}");
    }
}

#[test]
fn the_last_word_matches_as_a_prefix() {
    let catalog = search_catalog();
    assert_eq!(found(&catalog, "alb"), [1]);
    assert_eq!(found(&catalog, "rock alb"), [1]);
    assert_eq!(found(&catalog, "tex"), [1, 2]);
    // Only the last word is a prefix.
    assert_eq!(found(&catalog, "alb rock"), Vec::<u128>::new());
}

#[test]
fn awkward_input_is_plain_text() {
    let catalog = search_catalog();
    let cases: &[(&str, &[u128])] = &[
        ("", &[]),
        ("   ", &[]),
        ("\"", &[]),
        ("\"\"", &[]),
        ("\"rock", &[1, 2]),
        ("rock\"", &[1, 2]),
        ("*", &[]),
        ("rock*", &[1, 2]),
        ("-", &[]),
        ("-rock", &[1, 2]),
        ("rock -normal", &[2]), // `-` is not NOT: both words must match
        ("AND", &[7]),
        ("and", &[7]),
        ("rock AND albedo", &[]), // `AND` is a word here, and no rock path has it
        ("OR", &[7]),
        ("NOT", &[7]),
        ("rock OR grass", &[]),
        ("NEAR(rock albedo)", &[]),
        ("path:rock", &[]), // column filters are not syntax either
        ("asset_type:mesh", &[]),
        ("^rock", &[1, 2]),
        ("(rock)", &[1, 2]),
        ("{}[]()+:^$%&|\\;,<>=!?~`@#", &[]),
        ("\0", &[]),
        ("🎮", &[]),
        ("\u{301}", &[]),
    ];
    for &(query, expected) in cases {
        assert_eq!(found(&catalog, query), expected, "{query:?}");
    }
}

#[test]
fn unicode_is_folded_and_matched() {
    let catalog = search_catalog();
    assert_eq!(found(&catalog, "überall"), [5]);
    assert_eq!(found(&catalog, "UBERALL"), [5]); // case and diacritics folded
    assert_eq!(found(&catalog, "foret"), [5]);
    assert_eq!(found(&catalog, "forêt"), [5]);
    assert_eq!(found(&catalog, "fore\u{302}t"), [5]); // decomposed accent
    assert_eq!(found(&catalog, "日本語"), [6]);
    assert_eq!(found(&catalog, "日本"), [6]); // prefix of the last word
}

#[test]
fn results_are_ranked_best_first() {
    let mut catalog = Catalog::open_in_memory().unwrap();
    let mut weak =
        record(1, "levels/forest/trees/oak/bark/detail/rock_moss_large_variant.png", "texture");
    weak.tags = vec!["foliage".into()];
    let strong = record(2, "rock/rock.png", "texture");
    write(&mut catalog, &[weak, strong]);
    let results = catalog.search("rock").unwrap();
    assert_eq!(ids(&results), [id(2), id(1)]);
}

#[test]
fn the_index_follows_upserts_and_removals() {
    let mut catalog = search_catalog();
    let tx = catalog.transaction().unwrap();
    let mut moved = tx.get(id(1)).unwrap().unwrap();
    moved.path = path("textures/cliff_albedo.png");
    moved.tags = vec!["cliff".into()];
    tx.upsert_asset(&moved).unwrap();
    tx.remove_asset(id(3)).unwrap();
    tx.commit().unwrap();

    assert_eq!(found(&catalog, "rock"), [2]);
    assert_eq!(found(&catalog, "cliff"), [1]);
    assert_eq!(found(&catalog, "crate"), Vec::<u128>::new());
    assert_eq!(found(&catalog, "dock"), Vec::<u128>::new());
    assert!(catalog.integrity_check().unwrap().is_empty());
}
