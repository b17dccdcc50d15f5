//! Opening files: creation, schema versions, foreign and damaged files,
//! connection settings, and `integrity_check`.

mod common;

use std::fs;

use amsp_catalog::{Catalog, CatalogError};
use common::*;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;

/// `PRAGMA application_id` of a catalog (`AMSP`).
const APPLICATION_ID: i32 = 0x414D_5350;

fn raw(file: &std::path::Path) -> Connection {
    Connection::open(file).unwrap()
}

#[test]
fn a_new_file_is_created_at_the_current_version() {
    let (_dir, file) = temp_catalog();
    let catalog = Catalog::open(&file).unwrap();
    assert!(file.exists());
    assert_eq!(catalog.path(), Some(file.as_path()));
    assert_eq!(catalog.schema_version().unwrap(), Catalog::SCHEMA_VERSION);
    assert_eq!(Catalog::SCHEMA_VERSION, 1);
    assert!(catalog.integrity_check().unwrap().is_empty());
    drop(catalog);

    let conn = raw(&file);
    let pragma = |name: &str| -> i64 { conn.pragma_query_value(None, name, |r| r.get(0)).unwrap() };
    assert_eq!(pragma("user_version"), 1);
    assert_eq!(pragma("application_id"), i64::from(APPLICATION_ID));
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'assets_fts_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        tables,
        ["assets", "assets_fts", "dependencies", "lods", "packs", "settings", "tags"]
    );
}

#[test]
fn reopening_keeps_the_data_and_does_not_migrate_again() {
    let (_dir, file) = temp_catalog();
    write(&mut Catalog::open(&file).unwrap(), &[full_record()]);
    let before = fs::read(&file).unwrap();
    let catalog = Catalog::open(&file).unwrap();
    assert_eq!(catalog.count().unwrap(), 1);
    drop(catalog);
    assert_eq!(fs::read(&file).unwrap(), before);
}

#[test]
fn a_newer_schema_is_refused_and_the_file_is_untouched() {
    let (_dir, file) = temp_catalog();
    write(&mut Catalog::open(&file).unwrap(), &[full_record()]);
    raw(&file).pragma_update(None, "user_version", 99).unwrap();
    let before = fs::read(&file).unwrap();

    for result in [Catalog::open(&file), Catalog::open_read_only(&file)] {
        match result {
            Err(e @ CatalogError::SchemaTooNew { found: 99, supported: 1, .. }) => {
                assert_eq!(
                    e.to_string(),
                    format!(
                        "catalog {} has schema version 99; this build supports up to 1",
                        file.display()
                    )
                );
                assert_eq!(e.path(), file);
            }
            other => panic!("expected SchemaTooNew, got {other:?}"),
        }
        assert_eq!(fs::read(&file).unwrap(), before, "the file was modified");
    }
}

#[test]
fn a_newer_schema_in_rollback_journal_mode_is_not_switched_to_wal() {
    // A file whose header says "rollback journal": switching it to WAL would
    // rewrite the header, so the version check must come first.
    let (_dir, file) = temp_catalog();
    {
        let conn = raw(&file);
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 7;").unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID).unwrap();
    }
    let before = fs::read(&file).unwrap();
    let err = Catalog::open(&file).unwrap_err();
    assert!(matches!(err, CatalogError::SchemaTooNew { found: 7, .. }), "{err:?}");
    assert_eq!(fs::read(&file).unwrap(), before);
}

#[test]
fn random_bytes_are_not_a_catalog() {
    let (_dir, file) = temp_catalog();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut bytes = vec![0u8; 64 * 1024];
    rng.fill(&mut bytes[..]);
    fs::write(&file, &bytes).unwrap();

    for result in [Catalog::open(&file), Catalog::open_read_only(&file)] {
        match result {
            Err(e @ CatalogError::NotACatalog { .. }) => {
                assert_eq!(e.path(), file);
                assert!(e.to_string().starts_with(&file.display().to_string()), "{e}");
            }
            other => panic!("expected NotACatalog, got {other:?}"),
        }
    }
    assert_eq!(fs::read(&file).unwrap(), bytes);
}

#[test]
fn a_text_file_is_not_a_catalog() {
    let (_dir, file) = temp_catalog();
    fs::write(&file, "name,size\nrock.png,12\n").unwrap();
    assert!(matches!(Catalog::open(&file), Err(CatalogError::NotACatalog { .. })));
}

#[test]
fn another_programs_database_is_not_a_catalog_and_is_untouched() {
    let (_dir, file) = temp_catalog();
    raw(&file)
        .execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL);")
        .unwrap();
    let before = fs::read(&file).unwrap();
    for result in [Catalog::open(&file), Catalog::open_read_only(&file)] {
        assert!(matches!(result, Err(CatalogError::NotACatalog { .. })), "{result:?}");
    }
    // Another program that marks its files.
    raw(&file).pragma_update(None, "application_id", 0x1234_5678).unwrap();
    let marked = fs::read(&file).unwrap();
    let err = Catalog::open(&file).unwrap_err();
    assert!(err.to_string().contains("0x12345678"), "{err}");
    assert_eq!(fs::read(&file).unwrap(), marked);
    assert_ne!(before, marked);
}

#[test]
fn read_only_opens_of_missing_and_empty_files() {
    let (dir, file) = temp_catalog();
    assert!(matches!(Catalog::open_read_only(&file), Err(CatalogError::NotFound { .. })));
    assert!(!file.exists(), "a read-only open must not create the file");

    let empty = dir.path().join("empty.db");
    fs::write(&empty, b"").unwrap();
    assert!(matches!(Catalog::open_read_only(&empty), Err(CatalogError::NotACatalog { .. })));
    // A read-write open of an empty file makes it a catalog.
    assert_eq!(Catalog::open(&empty).unwrap().count().unwrap(), 0);
    assert_eq!(Catalog::open_read_only(&empty).unwrap().count().unwrap(), 0);
}

#[test]
fn a_file_in_a_missing_directory_is_an_sqlite_error_naming_it() {
    let (dir, _) = temp_catalog();
    let file = dir.path().join("no/such/dir/catalog.db");
    let err = Catalog::open(&file).unwrap_err();
    assert!(matches!(err, CatalogError::Sqlite { .. }), "{err:?}");
    assert_eq!(err.path(), file);
}

#[test]
fn damaged_pages_are_reported() {
    let (_dir, file) = temp_catalog();
    {
        let mut catalog = Catalog::open(&file).unwrap();
        let records: Vec<_> = (0..2000u128)
            .map(|n| {
                let mut r = record(n + 1, &format!("assets/{n:05}.bin"), "data");
                r.tags = vec![format!("tag{}", n % 7)];
                r
            })
            .collect();
        write(&mut catalog, &records);
    }
    // Overwrite everything after the first two pages (the header and schema
    // stay readable, the b-trees do not).
    let mut bytes = fs::read(&file).unwrap();
    let page = 4096;
    assert!(bytes.len() > 8 * page);
    for (i, b) in bytes[2 * page..].iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    fs::write(&file, &bytes).unwrap();

    match Catalog::open(&file) {
        Ok(catalog) => {
            let problems = catalog.integrity_check().unwrap();
            assert!(!problems.is_empty());
            assert!(
                matches!(catalog.all(), Err(CatalogError::Corrupt { .. })),
                "reading a damaged file must fail as Corrupt"
            );
        }
        Err(e) => assert!(
            matches!(e, CatalogError::Corrupt { .. } | CatalogError::NotACatalog { .. }),
            "{e:?}"
        ),
    }
}

#[test]
fn integrity_check_reports_rows_damaged_behind_the_catalogs_back() {
    let (_dir, file) = temp_catalog();
    let mut full = full_record();
    full.location = Some(amsp_catalog::Location { pack: PACK.into(), entry: 5 });
    write(&mut Catalog::open(&file).unwrap(), &[full.clone(), record(2, "b.png", "texture")]);
    let healthy = Catalog::open(&file).unwrap();
    assert_eq!(healthy.integrity_check().unwrap(), Vec::<String>::new());
    drop(healthy);

    let conn = raw(&file);
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         UPDATE packs SET entry_count = 2;
         INSERT INTO tags (asset, tag) VALUES ('ffffffffffffffffffffffffffffffff', 'orphan');
         UPDATE assets SET codec = 'brotli' WHERE id = '00000000000000000000000000000002';
         DELETE FROM assets_fts WHERE rowid = (SELECT key FROM assets WHERE id = '00000000000000000000000000000002');",
    )
    .unwrap();
    drop(conn);
    let problems = Catalog::open(&file).unwrap().integrity_check().unwrap();
    let text = problems.join("\n");
    assert!(text.contains("tags rows of asset ffffffffffffffffffffffffffffffff"), "{text}");
    assert!(text.contains("unknown codec 'brotli'"), "{text}");
    assert!(text.contains("is entry 5 of pack"), "{text}");
    assert!(text.contains("00000000000000000000000000000002 has no full-text entry"), "{text}");

    // A pack removed with foreign keys off leaves a dangling location.
    raw(&file).execute_batch("PRAGMA foreign_keys = OFF; DELETE FROM packs;").unwrap();
    let problems = Catalog::open(&file).unwrap().integrity_check().unwrap().join("\n");
    assert!(problems.contains(&format!("asset {} is located in pack", full.id)), "{problems}");
}

#[test]
fn values_that_do_not_parse_are_corrupt_not_a_panic() {
    let (_dir, file) = temp_catalog();
    write(&mut Catalog::open(&file).unwrap(), &[record(1, "a.png", "texture")]);
    raw(&file)
        .execute_batch(
            "PRAGMA ignore_check_constraints = ON;
             UPDATE assets SET content_hash = 'not hex', version = -3;",
        )
        .unwrap();
    let catalog = Catalog::open(&file).unwrap();
    for result in [catalog.get(id(1)).map(|_| ()), catalog.all().map(|_| ())] {
        match result {
            Err(CatalogError::Corrupt { detail, .. }) => {
                assert!(detail.contains("00000000000000000000000000000001"), "{detail}");
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
    let problems = catalog.integrity_check().unwrap().join("\n");
    assert!(problems.contains("CHECK constraint failed"), "{problems}");
}

#[test]
fn ids_and_hashes_that_are_not_lowercase_hex_are_reported() {
    let (_dir, file) = temp_catalog();
    let mut r = record(1, "a.png", "texture");
    r.dependencies = vec![id(2)];
    write(&mut Catalog::open(&file).unwrap(), &[r]);
    let upper = "ABCDEF".repeat(10) + "ABCD";
    raw(&file)
        .execute_batch(&format!(
            "UPDATE assets SET source_hash = '{upper}';
             UPDATE dependencies SET dep = 'zz000000000000000000000000000002';"
        ))
        .unwrap();
    let catalog = Catalog::open(&file).unwrap();
    let problems = catalog.integrity_check().unwrap().join("\n");
    assert!(
        problems.contains(&format!("source hash '{upper}' is not lowercase hex")),
        "{problems}"
    );
    assert!(problems.contains("dependency 'zz000000000000000000000000000002'"), "{problems}");
    assert!(matches!(catalog.all(), Err(CatalogError::Corrupt { .. })));
}

#[test]
fn a_damaged_full_text_index_is_reported() {
    let (_dir, file) = temp_catalog();
    let records: Vec<_> =
        (0..50u128).map(|n| record(n + 1, &format!("assets/file_{n}.bin"), "data")).collect();
    write(&mut Catalog::open(&file).unwrap(), &records);
    // Drop the index's term data behind FTS5's back (its shadow table).
    raw(&file).execute_batch("DELETE FROM assets_fts_data WHERE id > 10;").unwrap();
    for catalog in [Catalog::open(&file).unwrap(), Catalog::open_read_only(&file).unwrap()] {
        let problems = catalog.integrity_check().unwrap();
        assert!(!problems.is_empty(), "read-only: {}", catalog.is_read_only());
        assert!(problems.join("\n").contains("assets_fts"), "{problems:?}");
    }
}
