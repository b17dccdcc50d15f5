//! The development source: source files imported in memory without a cook,
//! checked against the `AssetSource` contract, and refreshed as files
//! change (`hot_reload` tests), and its refusal of paths out of its folder
//! (`traversal` tests).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use amsp_cook::dev::{DevSource, path_id};
use amsp_cook::{
    AssetMeta, ImportError, ImportInput, ImportedAsset, Importer, ImporterRegistry, SourceSet,
    SubAsset, sub_asset_id,
};
use amsp_core::{AssetId, AssetPath};
use amsp_io::vfs::EmbeddedTree;
use amsp_io::{AssetSource, ReadError};

fn p(text: &str) -> AssetPath {
    AssetPath::new(text).unwrap()
}

/// What a source must serve: path, id, chunks.
type Expected = Vec<(AssetPath, AssetId, Vec<Vec<u8>>)>;

/// The `AssetSource` contract (`amsp_io::conformance::check_source`) on
/// `source`, which must serve `expected`.
fn conformance(label: &str, source: &dyn AssetSource, expected: &Expected) {
    let expected: Vec<_> = expected.iter().cloned().map(Into::into).collect();
    amsp_io::conformance::check_source(label, source, &expected);
}

/// A test format with sub-assets and dependencies: each line of a `.kit`
/// file is `sub LABEL TEXT` (a sub-asset) or `embed PATH` (another
/// source's bytes, copied in: a dependency).
struct KitImporter;

impl Importer for KitImporter {
    fn name(&self) -> &str {
        "kit"
    }

    fn version(&self) -> u32 {
        1
    }

    fn extensions(&self) -> &[&str] {
        &["kit"]
    }

    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        self.import_with_sources(input, &HashMap::<AssetPath, Vec<u8>>::new())
    }

    fn import_with_sources(
        &self,
        input: &ImportInput<'_>,
        sources: &dyn SourceSet,
    ) -> Result<ImportedAsset, ImportError> {
        let text = std::str::from_utf8(input.bytes).map_err(|e| ImportError::new(e.to_string()))?;
        let mut asset = ImportedAsset { asset_type: "kit".into(), ..ImportedAsset::default() };
        let mut content = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match line.split_once(' ') {
                Some(("sub", rest)) => {
                    let (label, body) = rest.split_once(' ').unwrap_or((rest, ""));
                    let sub = ImportedAsset {
                        asset_type: "text".into(),
                        chunks: vec![body.as_bytes().to_vec()],
                        ..ImportedAsset::default()
                    };
                    asset.sub_assets.push(SubAsset { label: label.into(), asset: sub });
                }
                Some(("embed", path)) => {
                    let path = AssetPath::new(path).map_err(|e| ImportError::new(e.to_string()))?;
                    let bytes = sources
                        .read(&path)
                        .ok_or_else(|| ImportError::new(format!("cannot read {path}")))?;
                    content.extend_from_slice(&bytes);
                    asset.dependencies.push(path);
                }
                _ => return Err(ImportError::new(format!("bad line {line:?}"))),
            }
        }
        asset.chunks = vec![content];
        Ok(asset)
    }
}

fn registry() -> ImporterRegistry {
    let mut registry = ImporterRegistry::with_defaults();
    registry.register(Arc::new(KitImporter));
    registry
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let file = root.join(rel);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, bytes).unwrap();
}

const FIXED: AssetId = AssetId::from_u128(0x1234_5678_9abc_def0_1122_3344_5566_7788);

/// The test tree: (path, bytes).
fn files() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("a.txt", b"alpha"),
        ("b.json", br#"{"b": [1, 2]}"#),
        ("deep/down/c.bin", &[0, 1, 2, 3, 255]),
        ("k.kit", b"sub one first part\nembed a.txt\nsub two second\n"),
        ("fixed.txt", b"with a sidecar"),
        ("fixed.txt.meta", b"(id: \"123456789abcdef01122334455667788\")"),
    ]
}

/// What the test tree serves.
fn expected() -> Expected {
    let k = path_id(&p("k.kit"));
    vec![
        (p("a.txt"), path_id(&p("a.txt")), vec![b"alpha".to_vec()]),
        (p("b.json"), path_id(&p("b.json")), vec![br#"{"b": [1, 2]}"#.to_vec()]),
        (p("deep/down/c.bin"), path_id(&p("deep/down/c.bin")), vec![vec![0, 1, 2, 3, 255]]),
        (p("k.kit"), k, vec![b"alpha".to_vec()]),
        (p("k.kit#one"), sub_asset_id(k, "one"), vec![b"first part".to_vec()]),
        (p("k.kit#two"), sub_asset_id(k, "two"), vec![b"second".to_vec()]),
        (p("fixed.txt"), FIXED, vec![b"with a sidecar".to_vec()]),
    ]
}

/// A zip archive of `files`, with an entry that tries to leave it.
fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in files.iter().chain([&("../evil.txt", &b"evil"[..])]) {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn folder_source() -> (tempfile::TempDir, DevSource) {
    let dir = tempfile::tempdir().unwrap();
    for (rel, bytes) in files() {
        write(dir.path(), rel, bytes);
    }
    let source = DevSource::folder(dir.path(), registry()).unwrap();
    (dir, source)
}

#[test]
fn dev_source_keeps_the_asset_source_contract_over_a_folder_and_embedded_bytes() {
    let meta = AssetMeta::parse(Path::new("m"), std::str::from_utf8(files()[5].1).unwrap());
    assert_eq!(meta.unwrap().id, FIXED, "the test sidecar is well formed");
    let (_dir, folder) = folder_source();
    assert!(folder.failures().is_empty(), "{:?}", folder.failures());
    conformance("folder", &folder, &expected());
    let embedded = EmbeddedTree::new("embedded", &files());
    let embedded = DevSource::open(Arc::new(embedded), registry()).unwrap();
    conformance("embedded", &embedded, &expected());
    let zipped = amsp_io::vfs::ZipTree::from_bytes("zip", zip_of(&files())).unwrap();
    let zipped = DevSource::open(Arc::new(zipped), registry()).unwrap();
    conformance("zip", &zipped, &expected());
    let stats = folder.stats();
    assert_eq!((stats.files, stats.assets, stats.failed), (5, 7, 0));
    // Dependencies are resolved by path, and the sidecar is not an asset.
    let k = folder.describe(path_id(&p("k.kit"))).unwrap();
    assert_eq!(k.dependencies, [path_id(&p("a.txt"))]);
    assert_eq!(k.asset_type, "kit");
    assert!(folder.resolve(&p("fixed.txt.meta")).is_none());
}

#[test]
fn hot_reload_refresh_reports_what_changed_and_what_depends_on_it() {
    let (dir, source) = folder_source();
    let a = path_id(&p("a.txt"));
    let k = path_id(&p("k.kit"));
    let before = source.describe(a).unwrap();
    assert_eq!(before.version, 1);
    // The same bytes again: nothing changed.
    write(dir.path(), "a.txt", b"alpha");
    assert_eq!(source.refresh(&[p("a.txt")]), Vec::<AssetId>::new());
    // New bytes: the file and the kit that embeds it.
    write(dir.path(), "a.txt", b"ALPHA!");
    let mut want = vec![a, k];
    want.sort();
    assert_eq!(source.refresh(&[p("a.txt")]), want);
    let after = source.describe(a).unwrap();
    assert_eq!(after.version, 2);
    assert_ne!(after.content_hash, before.content_hash);
    assert_eq!(source.read_all(k).unwrap(), b"ALPHA!");
    // The kit's sub-assets did not change, so they are not reported.
    assert_eq!(source.describe(sub_asset_id(k, "one")).unwrap().version, 1);
    // A sub-asset removed from its source disappears.
    write(dir.path(), "k.kit", b"sub one first part\nembed a.txt\n");
    assert_eq!(source.refresh(&[p("k.kit")]), [sub_asset_id(k, "two")]);
    assert!(source.resolve(&p("k.kit#two")).is_none());
    // A sidecar change stands for its source: a new id.
    write(dir.path(), "fixed.txt.meta", b"(id: \"00000000000000000000000000000042\")");
    let mut want = vec![FIXED, AssetId::from_u128(0x42)];
    want.sort();
    assert_eq!(source.refresh(&[p("fixed.txt.meta")]), want);
    assert_eq!(source.resolve(&p("fixed.txt")), Some(AssetId::from_u128(0x42)));
    assert!(source.describe(FIXED).is_none());
    assert!(source.stats().refreshes >= 4);
}

#[test]
fn hot_reload_failed_import_is_served_as_an_error_naming_file_and_importer_until_fixed() {
    let (dir, source) = folder_source();
    write(dir.path(), "bad.txt", b"ok\n\xff\xfe");
    let bad = path_id(&p("bad.txt"));
    assert_eq!(source.refresh(&[p("bad.txt")]), [bad]);
    let desc = source.describe(bad).expect("a failed file is still described");
    assert_eq!(desc.asset_type, amsp_cook::dev::FAILED_IMPORT_TYPE);
    let mut out = Vec::new();
    match source.read_chunk(bad, 0, &mut out) {
        Err(ReadError::Corrupt { location, detail, .. }) => {
            assert!(location.contains("bad.txt"), "{location}");
            assert!(detail.contains("import failed (data importer)"), "{detail}");
            assert!(detail.contains("UTF-8"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(source.failures().len(), 1);
    assert_eq!(source.stats().failed, 1);
    // Fixed: served, and reported as changed.
    write(dir.path(), "bad.txt", b"fine now");
    assert_eq!(source.refresh(&[p("bad.txt")]), [bad]);
    assert_eq!(source.read_all(bad).unwrap(), b"fine now");
    assert_eq!(source.describe(bad).unwrap().asset_type, "text");
    // Broken again after a good version: keeps its last good type.
    write(dir.path(), "bad.txt", b"\xff");
    assert_eq!(source.refresh(&[p("bad.txt")]), [bad]);
    assert_eq!(source.describe(bad).unwrap().asset_type, "text");
    assert!(source.read_all(bad).is_err());
}

#[test]
fn hot_reload_deleted_files_disappear_and_come_back_under_the_same_id() {
    let (dir, source) = folder_source();
    let a = path_id(&p("a.txt"));
    let k = path_id(&p("k.kit"));
    std::fs::remove_file(dir.path().join("a.txt")).unwrap();
    // The file, and the kit that embeds it: it fails now, and its
    // sub-assets go with its import.
    let mut want = vec![a, k, sub_asset_id(k, "one"), sub_asset_id(k, "two")];
    want.sort();
    assert_eq!(source.refresh(&[p("a.txt")]), want);
    assert!(source.resolve(&p("a.txt")).is_none() && source.describe(a).is_none());
    let mut out = Vec::new();
    assert!(matches!(source.read_chunk(a, 0, &mut out), Err(ReadError::NotFound { .. })));
    // The kit now fails: it embeds a missing file.
    assert!(source.read_all(k).is_err());
    // Back, with other bytes: same id, and the kit is fixed with it.
    write(dir.path(), "a.txt", b"again");
    assert_eq!(source.refresh(&[p("a.txt")]), want);
    assert_eq!(source.read_all(a).unwrap(), b"again");
    assert_eq!(source.read_all(k).unwrap(), b"again");
    // A folder deleted at once: every file under it.
    std::fs::remove_dir_all(dir.path().join("deep")).unwrap();
    assert_eq!(source.refresh(&[p("deep")]), [path_id(&p("deep/down/c.bin"))]);
    // A new file whose sidecar names a dependency that arrives later.
    write(dir.path(), "later.txt", b"needs dep");
    write(
        dir.path(),
        "later.txt.meta",
        b"(id: \"00000000000000000000000000000077\", dependencies: [\"dep.txt\"])",
    );
    let later = AssetId::from_u128(0x77);
    assert_eq!(source.refresh(&[p("later.txt"), p("later.txt.meta")]), [later]);
    let err = source.read_all(later).unwrap_err().to_string();
    assert!(err.contains("dep.txt"), "{err}");
    write(dir.path(), "dep.txt", b"here");
    let dep = path_id(&p("dep.txt"));
    let mut want = vec![later, dep];
    want.sort();
    assert_eq!(source.refresh(&[p("dep.txt")]), want);
    assert_eq!(source.describe(later).unwrap().dependencies, [dep]);
}

#[test]
fn hot_reload_two_files_with_one_sidecar_id_keep_the_first_and_fail_the_copy() {
    let (dir, source) = folder_source();
    write(dir.path(), "copy.txt", b"copied");
    std::fs::copy(dir.path().join("fixed.txt.meta"), dir.path().join("copy.txt.meta")).unwrap();
    let changed = source.refresh(&[p("copy.txt")]);
    assert_eq!(source.resolve(&p("fixed.txt")), Some(FIXED), "the first keeps its id");
    let copy = source.resolve(&p("copy.txt")).unwrap();
    assert_ne!(copy, FIXED);
    assert_eq!(changed, [copy]);
    let err = source.read_all(copy).unwrap_err().to_string();
    assert!(err.contains("also used by fixed.txt"), "{err}");
    assert_eq!(source.read_all(FIXED).unwrap(), b"with a sidecar");
}

#[test]
fn hot_reload_reads_during_refreshes_see_whole_versions() {
    let (dir, source) = folder_source();
    let a = path_id(&p("a.txt"));
    let versions: Vec<Vec<u8>> =
        (0..40).map(|i| format!("version {i} ").repeat(i + 1).into_bytes()).collect();
    let source = &source;
    let versions = &versions;
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let done = &done;
        for _ in 0..2 {
            scope.spawn(move || {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let bytes = source.read_all(a).unwrap();
                    assert!(bytes == b"alpha" || versions.contains(&bytes), "a torn read");
                }
            });
        }
        for version in versions {
            write(dir.path(), "a.txt", version);
            source.refresh(&[p("a.txt")]);
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(source.read_all(a).unwrap(), *versions.last().unwrap());
}

#[test]
fn traversal_zip_entries_leaving_the_archive_are_never_served() {
    let zipped = amsp_io::vfs::ZipTree::from_bytes("zip", zip_of(&files())).unwrap();
    let source = DevSource::open(Arc::new(zipped), registry()).unwrap();
    assert!(!source.rejected().is_empty());
    assert!(source.paths().iter().all(|p| !p.as_str().contains("evil")), "{:?}", source.paths());
    assert!(source.refresh(&[p("evil.txt")]).is_empty());
}

#[cfg(unix)]
#[test]
fn traversal_links_out_of_the_folder_and_bad_names_are_never_served() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.txt", b"secret");
    let (dir, _) = folder_source();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("link.txt"))
        .unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linkdir")).unwrap();
    write(dir.path(), "ctl\u{1}.txt", b"control character");
    write(dir.path(), "back\\slash.txt", b"backslash");
    // Inside links are followed.
    std::os::unix::fs::symlink(dir.path().join("a.txt"), dir.path().join("inside.txt")).unwrap();
    let source = DevSource::folder(dir.path(), registry()).unwrap();
    assert!(source.rejected().len() >= 3, "{:?}", source.rejected());
    for name in ["link.txt", "linkdir/secret.txt", "back/slash.txt"] {
        assert!(source.resolve(&p(name)).is_none(), "{name} is served");
    }
    assert_eq!(source.read_all(source.resolve(&p("inside.txt")).unwrap()).unwrap(), b"alpha");
    for id in [path_id(&p("link.txt")), path_id(&p("linkdir/secret.txt"))] {
        assert!(source.describe(id).is_none());
    }
    // Asked to refresh them (a watcher saw them change): still refused.
    assert!(source.refresh(&[p("link.txt"), p("linkdir/secret.txt"), p("linkdir")]).is_empty());
    assert!(source.resolve(&p("link.txt")).is_none());
    // A file replaced by a link out of the folder stops being served.
    let a = path_id(&p("a.txt"));
    std::fs::remove_file(dir.path().join("a.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("a.txt"))
        .unwrap();
    let changed = source.refresh(&[p("a.txt")]);
    assert!(changed.contains(&a));
    assert!(source.describe(a).is_none(), "a link out is never read");
    for id in source_ids(&source) {
        assert_ne!(source.read_all(id).ok().as_deref(), Some(&b"secret"[..]));
    }
}

/// Every id the test tree could serve.
fn source_ids(source: &DevSource) -> Vec<AssetId> {
    let mut ids: Vec<AssetId> = expected().into_iter().map(|(_, id, _)| id).collect();
    ids.extend(["link.txt", "inside.txt", "linkdir/secret.txt"].map(|n| path_id(&p(n))));
    ids.retain(|id| source.describe(*id).is_some());
    ids
}

/// Cooks a file into the text of its `mode` setting.
struct EchoImporter;

impl Importer for EchoImporter {
    fn name(&self) -> &str {
        "echo"
    }

    fn version(&self) -> u32 {
        1
    }

    fn extensions(&self) -> &[&str] {
        &["echo"]
    }

    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        let mode = match input.meta.settings.get("mode") {
            Some(ron::Value::String(mode)) => mode.clone(),
            other => format!("{other:?}"),
        };
        Ok(ImportedAsset {
            asset_type: "text".into(),
            chunks: vec![mode.into_bytes()],
            ..ImportedAsset::default()
        })
    }
}

#[test]
fn dev_source_default_settings_apply_by_extension_unless_the_sidecar_sets_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "plain.echo", b"");
    write(dir.path(), "UPPER.ECHO", b"");
    write(dir.path(), "own.echo", b"");
    write(
        dir.path(),
        "own.echo.meta",
        b"(id: \"00000000000000000000000000000005\", settings: {\"mode\": \"sidecar\"})",
    );
    let mut registry = registry();
    registry.register(Arc::new(EchoImporter));
    let options = amsp_cook::dev::DevOptions::default().with_setting(
        "echo",
        "mode",
        ron::Value::String("dev".into()),
    );
    let source = DevSource::folder_with(dir.path(), registry.clone(), options).unwrap();
    let read = |name: &str| source.read_all(source.resolve(&p(name)).unwrap()).unwrap();
    assert_eq!(read("plain.echo"), b"dev");
    assert_eq!(read("UPPER.ECHO"), b"dev");
    assert_eq!(read("own.echo"), b"sidecar");
    let plain = DevSource::folder(dir.path(), registry).unwrap();
    assert_eq!(plain.read_all(plain.resolve(&p("plain.echo")).unwrap()).unwrap(), b"None");
    // The texture fast path names the image extensions.
    let fast = amsp_cook::dev::DevOptions::fast_textures();
    assert_eq!(fast.default_settings["png"]["encoding"], ron::Value::String("rgba8".into()));
}

#[test]
fn dev_source_skips_hidden_files_and_folders_as_the_cook_does() {
    let (dir, _) = folder_source();
    write(dir.path(), ".hidden.txt", b"hidden");
    write(dir.path(), ".git/HEAD", b"ref: refs/heads/main");
    write(dir.path(), "t/.a.txt.swp", b"swap");
    let source = DevSource::folder(dir.path(), registry()).unwrap();
    assert_eq!(source.stats().files, 5);
    for name in [".hidden.txt", ".git/HEAD", "t/.a.txt.swp"] {
        assert!(source.resolve(&p(name)).is_none(), "{name}");
        assert!(source.refresh(&[p(name)]).is_empty(), "{name}");
        assert!(source.resolve(&p(name)).is_none(), "{name}");
    }
    assert_eq!(source.paths().len(), 7);
}

/// An importer that breaks its contract and panics.
struct PanickingImporter;

impl Importer for PanickingImporter {
    fn name(&self) -> &str {
        "panicky"
    }

    fn version(&self) -> u32 {
        1
    }

    fn extensions(&self) -> &[&str] {
        &["boom"]
    }

    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        if input.bytes == b"boom" {
            panic!("exploded on {}", input.path);
        }
        Ok(ImportedAsset {
            asset_type: "blob".into(),
            chunks: vec![input.bytes.to_vec()],
            ..ImportedAsset::default()
        })
    }
}

#[test]
fn hot_reload_an_importer_that_panics_fails_the_file_and_nothing_else() {
    let (dir, _) = folder_source();
    write(dir.path(), "x.boom", b"boom");
    let mut registry = registry();
    registry.register(Arc::new(PanickingImporter));
    let source = DevSource::folder(dir.path(), registry).unwrap();
    let x = path_id(&p("x.boom"));
    let err = source.read_all(x).unwrap_err().to_string();
    assert!(err.contains("panicky importer") && err.contains("exploded on x.boom"), "{err}");
    assert_eq!(source.stats().failed, 1);
    write(dir.path(), "x.boom", b"calm");
    assert_eq!(source.refresh(&[p("x.boom")]), [x]);
    assert_eq!(source.read_all(x).unwrap(), b"calm");
}
