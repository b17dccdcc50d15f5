//! The `AssetServer` over a real cooked output: real packs, a real catalog,
//! damage on disk.

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use amsp_cook::Cooker;
use amsp_cook::synthetic::{SyntheticSpec, generate};
use amsp_io::{AssetSource, CookedSource};
use amsp_runtime::{AssetServer, Blob, LoadError, LoadState};

const WAIT: Duration = Duration::from_secs(30);

fn start_server(out: &std::path::Path) -> AssetServer {
    let source = Arc::new(CookedSource::open(out).expect("cooked output opens"));
    AssetServer::builder().source(source as Arc<dyn AssetSource>).worker_threads(2).build().unwrap()
}

#[test]
fn loads_every_cooked_asset_and_reports_a_damaged_one_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    let spec = SyntheticSpec {
        assets: 80,
        max_bytes: 32 * 1024,
        max_dependencies: 0,
        ..SyntheticSpec::default()
    };
    let assets = generate(&src, &spec).unwrap();
    let report = Cooker::new(&src, &out).run().unwrap();
    assert_eq!(report.cooked, 80);

    let server = start_server(&out);
    let handles: Vec<_> = assets.iter().map(|a| server.load::<Blob>(a.path.as_str())).collect();
    assert!(server.wait_idle(WAIT));
    for (asset, handle) in assets.iter().zip(&handles) {
        let blob = server.get(handle).unwrap_or_else(|| panic!("{} loaded", asset.path));
        assert_eq!(blob.bytes(), fs::read(src.join(asset.path.as_str())).unwrap().as_slice());
    }
    let missing = server.load::<Blob>("no/such/asset.bin");
    match server.wait_for(&missing, WAIT) {
        LoadState::Failed(err @ LoadError::NotFound { .. }) => {
            assert!(err.to_string().contains("no/such/asset.bin"), "{err}");
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    drop(server);

    // Flip one bit in the middle of one asset's stored bytes.
    let victim = &assets[17];
    let pack_path = out.join(&report.packs_written[0]);
    let reader = amsp_pack::PackReader::open(&pack_path).unwrap();
    let chunk = reader.chunks(reader.find(victim.id).unwrap())[0];
    drop(reader);
    let mut bytes = fs::read(&pack_path).unwrap();
    bytes[(chunk.offset + chunk.stored_len / 2) as usize] ^= 0x04;
    fs::write(&pack_path, &bytes).unwrap();

    let server = start_server(&out);
    let handles: Vec<_> = assets.iter().map(|a| server.load::<Blob>(a.id)).collect();
    assert!(server.wait_idle(WAIT));
    for (asset, handle) in assets.iter().zip(&handles) {
        match (asset.id == victim.id, server.state(handle)) {
            (true, LoadState::Failed(err @ LoadError::Corrupt { .. })) => {
                let text = err.to_string();
                assert!(text.contains(&victim.id.to_string()), "names the asset: {text}");
                assert!(text.contains("pack-000001.amsp"), "names the pack: {text}");
                assert!(server.get(handle).is_none(), "wrong bytes are never served");
            }
            (false, LoadState::Loaded) => {}
            (_, state) => panic!("{}: unexpected {state:?}", asset.path),
        }
    }
}
