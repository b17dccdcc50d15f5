//! Hot reload end to end (`hot_reload` tests): a real folder, real
//! file-system events through the debounced watcher, the development
//! source re-importing what changed, and a real `AssetServer` swapping the
//! new versions in. Each editor save style runs 100 times in a row.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use amsp_cook::ImporterRegistry;
use amsp_cook::dev::DevSource;
use amsp_core::AssetId;
use amsp_io::{AssetSource, RefreshSource};
use amsp_runtime::hot_reload::{HotReload, HotReloadConfig};
use amsp_runtime::{
    Asset, AssetEvent, AssetLoader, AssetServer, Handle, LoadContext, LoadError, LoadInput,
    LoadState, Text,
};
use common::{LoaderGate, Material, MaterialLoader, TIMEOUT};
use parking_lot::Mutex;

/// How long one change may take to show (debounce included); far above
/// the expected tens of milliseconds, so that a slow CI machine passes.
const CHANGE_TIMEOUT: Duration = Duration::from_secs(10);

/// A running setup: folder, source, server, watcher, events seen.
/// Fields drop in order: the watcher stops before the server and the
/// folder go.
struct Rig {
    watcher: HotReload,
    server: AssetServer,
    source: Arc<DevSource>,
    events: Arc<Mutex<Vec<AssetEvent>>>,
    dir: tempfile::TempDir,
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let file = root.join(rel);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, bytes).unwrap();
}

impl Rig {
    /// A folder with `files`, served through a development source and
    /// watched with a 10 ms debounce.
    fn start(files: &[(&str, &[u8])]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for (rel, bytes) in files {
            write(dir.path(), rel, bytes);
        }
        let source =
            Arc::new(DevSource::folder(dir.path(), ImporterRegistry::with_defaults()).unwrap());
        let server = AssetServer::builder()
            .source(Arc::clone(&source) as Arc<dyn AssetSource>)
            .worker_threads(2)
            .build()
            .unwrap();
        server.register_loader(MaterialLoader);
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        server.on_event(move |e| sink.lock().push(e.clone()));
        let config = HotReloadConfig { debounce: Duration::from_millis(10), ..Default::default() };
        let watcher =
            HotReload::start(Arc::clone(&source) as Arc<dyn RefreshSource>, &server, config)
                .unwrap();
        Self { watcher, server, source, events, dir }
    }

    fn path(&self, rel: &str) -> std::path::PathBuf {
        self.dir.path().join(rel)
    }

    fn load_text(&self, rel: &str, want: &str) -> Handle<Text> {
        let handle = self.server.load::<Text>(rel);
        assert!(self.server.wait_for(&handle, TIMEOUT).is_loaded(), "{rel}: {:?}", handle.state());
        assert_eq!(self.server.get(&handle).unwrap().as_str(), want);
        handle
    }

    /// Waits until `handle` shows `want`, loaded; false on timeout.
    fn shows(&self, handle: &Handle<Text>, want: &str) -> bool {
        wait_until(|| {
            handle.state().is_loaded()
                && self.server.get(handle).is_some_and(|t| t.as_str() == want)
        })
    }

    fn reloaded_ids(&self) -> Vec<AssetId> {
        self.events
            .lock()
            .iter()
            .filter_map(|e| match e {
                AssetEvent::Reloaded { id, .. } => Some(*id),
                _ => None,
            })
            .collect()
    }
}

/// Polls `done` every millisecond for up to [`CHANGE_TIMEOUT`].
fn wait_until(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + CHANGE_TIMEOUT;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    done()
}

/// Saves `bytes` to `rel` 100 times in a row with `save`, each time
/// waiting for the handle to show exactly the file's content.
fn hundred_saves(save: impl Fn(&Path, &str)) -> Rig {
    let rig = Rig::start(&[("t/a.txt", b"start")]);
    let handle = rig.load_text("t/a.txt", "start");
    let mut version = handle.version();
    for i in 0..100 {
        let content = format!("save {i}: {}", "x".repeat(i % 7));
        save(&rig.path("t/a.txt"), &content);
        assert_eq!(std::fs::read_to_string(rig.path("t/a.txt")).unwrap(), content);
        assert!(
            rig.shows(&handle, &content),
            "save {i}: shows {:?}, state {:?}, watcher {:?}",
            rig.server.get(&handle).map(|t| t.as_str().to_owned()),
            handle.state(),
            rig.watcher.stats()
        );
        // The slot publishes the value, then bumps its counter.
        assert!(wait_until(|| handle.version() > version), "save {i}: the version counter moved");
        version = handle.version();
    }
    assert!(rig.server.wait_idle(TIMEOUT));
    assert!(handle.state().is_loaded(), "not stuck loading");
    assert_eq!(rig.server.stats().reloading, 0);
    let stats = rig.watcher.stats();
    assert!(stats.reloads >= 100 && stats.batches >= 100, "{stats:?}");
    // Regression: the source's own reads (open/close events) once fed back
    // as changes, a batch every debounce period for ever.
    assert!(stats.batches <= 150, "{stats:?}");
    assert!(stats.mean_latency.is_some() && stats.files_watched == 1, "{stats:?}");
    rig
}

#[test]
fn hot_reload_in_place_writes_100_times() {
    let rig = hundred_saves(|file, content| std::fs::write(file, content).unwrap());
    assert_eq!(rig.watcher.stats().failures, 0);
}

#[test]
fn hot_reload_write_to_temp_then_rename_over_100_times() {
    let rig = hundred_saves(|file, content| {
        let temp = file.with_file_name(".a.txt.swp");
        std::fs::write(&temp, content).unwrap();
        std::fs::rename(&temp, file).unwrap();
    });
    let stats = rig.watcher.stats();
    assert_eq!(stats.failures, 0);
    // The editor's temporary file is never handed to the source.
    assert!(stats.paths_changed <= stats.batches, "{stats:?}");
    assert!(rig.source.resolve(&amsp_core::AssetPath::new("t/.a.txt.swp").unwrap()).is_none());
}

#[test]
fn hot_reload_delete_then_create_100_times() {
    hundred_saves(|file, content| {
        std::fs::remove_file(file).unwrap();
        std::fs::write(file, content).unwrap();
    });
}

#[test]
fn hot_reload_several_quick_saves_100_times() {
    let rig = hundred_saves(|file, content| {
        for partial in ["one", "two", "three"] {
            std::fs::write(file, format!("{content} {partial}")).unwrap();
        }
        std::fs::write(file, content).unwrap();
    });
    let stats = rig.watcher.stats();
    assert!(stats.batches < 300, "quick saves are debounced into one change: {stats:?}");
}

/// A text whose loader reads its bytes, then waits at a gate.
struct GatedText(String);

impl Asset for GatedText {
    const TYPE_NAME: &'static str = "GatedText";

    fn byte_size(&self) -> usize {
        self.0.len()
    }
}

struct GatedLoader(Arc<LoaderGate>);

impl AssetLoader for GatedLoader {
    type Asset = GatedText;

    fn asset_types(&self) -> &[&str] {
        &[]
    }

    fn extensions(&self) -> &[&str] {
        &["gtxt"]
    }

    fn load(&self, input: LoadInput, _ctx: &mut LoadContext<'_>) -> Result<GatedText, LoadError> {
        let bytes = input.read_all()?;
        self.0.pass();
        Ok(GatedText(String::from_utf8_lossy(&bytes).into_owned()))
    }
}

#[test]
fn hot_reload_during_a_load_ends_with_the_file_content() {
    let rig = Rig::start(&[("g/a.gtxt", b"v1")]);
    let gate = LoaderGate::new();
    rig.server.register_loader(GatedLoader(Arc::clone(&gate)));
    let handle = rig.server.load::<GatedText>("g/a.gtxt");
    gate.wait_for_waiting(1);
    // The first load has read "v1" and is held; the file changes now.
    write(rig.dir.path(), "g/a.gtxt", b"v2");
    assert!(wait_until(|| rig.watcher.stats().assets_changed >= 1), "{:?}", rig.watcher.stats());
    gate.open();
    assert!(wait_until(|| {
        handle.state().is_loaded() && rig.server.get(&handle).is_some_and(|t| t.0 == "v2")
    }));
    assert!(rig.server.wait_idle(TIMEOUT));
    assert_eq!(rig.server.get(&handle).unwrap().0, "v2");
    assert_eq!(rig.server.stats().reloading, 0);
}

#[test]
fn hot_reload_of_a_dependency_chain_reloads_dependents_after_their_dependencies() {
    let rig = Rig::start(&[
        ("m/top.mat", b"mat:m/mid.mat"),
        ("m/mid.mat", b"text:t/leaf.txt"),
        ("t/leaf.txt", b"leaf 1"),
    ]);
    let top = rig.server.load::<Material>("m/top.mat");
    assert!(rig.server.wait_for(&top, TIMEOUT).is_loaded(), "{:?}", top.state());
    let leaf = rig.load_text("t/leaf.txt", "leaf 1");
    let mid = rig.server.get(&top).unwrap().materials[0].clone();
    let versions = (top.version(), mid.version(), leaf.version());
    write(rig.dir.path(), "t/leaf.txt", b"leaf 2");
    assert!(rig.shows(&leaf, "leaf 2"));
    assert!(wait_until(|| top.version() > versions.0 && mid.version() > versions.1));
    assert!(rig.server.wait_idle(TIMEOUT));
    let order = rig.reloaded_ids();
    let at = |h: AssetId| order.iter().position(|&i| i == h).unwrap();
    assert!(at(leaf.id()) < at(mid.id()) && at(mid.id()) < at(top.id()), "{order:?}");
    assert_eq!(order.len(), 3, "each once: {order:?}");
    // The dependent sees the new leaf.
    let new_mid = rig.server.get(&mid).unwrap();
    assert_eq!(rig.server.get(&new_mid.texts[0]).unwrap().as_str(), "leaf 2");
}

#[test]
fn hot_reload_of_a_deleted_file_keeps_the_old_version_until_it_comes_back() {
    let rig = Rig::start(&[("t/d.txt", b"here")]);
    let handle = rig.load_text("t/d.txt", "here");
    let version = handle.version();
    std::fs::remove_file(rig.path("t/d.txt")).unwrap();
    assert!(wait_until(|| rig.watcher.stats().failures >= 1), "{:?}", rig.watcher.stats());
    assert!(rig.server.wait_idle(TIMEOUT));
    assert_eq!(rig.server.get(&handle).unwrap().as_str(), "here", "the old version stays");
    assert_eq!(handle.version(), version);
    assert!(handle.state().is_loaded());
    assert!(
        rig.events
            .lock()
            .iter()
            .any(|e| matches!(e, AssetEvent::ReloadFailed { id, .. } if *id == handle.id()))
    );
    assert_eq!(rig.watcher.stats().files_watched, 0);
    write(rig.dir.path(), "t/d.txt", b"back");
    assert!(rig.shows(&handle, "back"));
    assert_eq!(rig.watcher.stats().files_watched, 1);
}

#[test]
fn hot_reload_of_a_file_that_failed_its_first_import_loads_it_when_fixed() {
    let rig = Rig::start(&[("t/bad.txt", b"broken \xff\xfe")]);
    let handle = rig.server.load::<Text>("t/bad.txt");
    match rig.server.wait_for(&handle, TIMEOUT) {
        LoadState::Failed(error) => {
            let text = error.to_string();
            assert!(text.contains("bad.txt") && text.contains("data importer"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    write(rig.dir.path(), "t/bad.txt", b"fixed");
    assert!(rig.shows(&handle, "fixed"), "{:?}", handle.state());
    // A new file in a new folder is served too.
    write(rig.dir.path(), "new/deeper/n.txt", b"new");
    let path = amsp_core::AssetPath::new("new/deeper/n.txt").unwrap();
    assert!(wait_until(|| rig.source.resolve(&path).is_some()));
    rig.load_text("new/deeper/n.txt", "new");
}

#[cfg(unix)]
#[test]
fn traversal_links_out_of_the_watched_folder_are_never_served() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.txt", b"secret");
    let rig = Rig::start(&[("t/a.txt", b"inside")]);
    let handle = rig.load_text("t/a.txt", "inside");
    // A link out appears, its target changes: never served.
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), rig.path("t/link.txt")).unwrap();
    write(outside.path(), "secret.txt", b"secret 2");
    // A file replaced by a link out: the old version stays, the secret is
    // never read.
    std::fs::remove_file(rig.path("t/a.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), rig.path("t/a.txt")).unwrap();
    assert!(wait_until(|| rig.watcher.stats().failures >= 1), "{:?}", rig.watcher.stats());
    assert!(rig.server.wait_idle(TIMEOUT));
    assert_eq!(rig.server.get(&handle).unwrap().as_str(), "inside");
    for name in ["t/link.txt", "t/a.txt"] {
        assert!(rig.source.resolve(&amsp_core::AssetPath::new(name).unwrap()).is_none(), "{name}");
    }
    let link = rig.server.load::<Text>("t/link.txt");
    assert!(matches!(rig.server.wait_for(&link, TIMEOUT), LoadState::Failed(_)));
}
