//! `CookedSource` over a real cooked output.

use std::fs;

use amsp_cook::Cooker;
use amsp_cook::synthetic::{SyntheticSpec, generate};
use amsp_core::AssetPath;
use amsp_io::{AssetSource, CookedSource, ReadError};

#[test]
fn reads_every_asset_back_and_reports_damage() {
    let dir = tempfile::tempdir().unwrap();
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    let assets = generate(
        &src,
        &SyntheticSpec { assets: 60, max_bytes: 16 * 1024, ..SyntheticSpec::default() },
    )
    .unwrap();
    let report = Cooker::new(&src, &out).run().unwrap();
    assert_eq!(report.cooked, 60);

    let source = CookedSource::open(&out).unwrap();
    assert_eq!(source.len(), 60);
    for asset in &assets {
        let id = source.resolve(&asset.path).expect("path resolves");
        assert_eq!(id, asset.id);
        let desc = source.describe(id).unwrap();
        assert_eq!(desc.path, asset.path);
        assert_eq!(desc.raw_size as usize, asset.bytes);
        let bytes = source.read_all(id).unwrap();
        assert_eq!(bytes, fs::read(src.join(asset.path.as_str())).unwrap());
    }
    assert!(source.resolve(&AssetPath::new("not/there.txt").unwrap()).is_none());

    // Flip one byte inside the first asset's stored data: that asset reads as
    // corrupt, naming the pack; the others still read.
    let victim = &assets[0];
    let pack_name = &report.packs_written[0];
    let reader = amsp_pack::PackReader::open(out.join(pack_name)).unwrap();
    let entry = reader.find(victim.id).unwrap();
    let offset = reader.chunks(entry)[0].offset;
    drop(reader);
    let mut bytes = fs::read(out.join(pack_name)).unwrap();
    bytes[offset as usize + 1] ^= 0x40;
    fs::write(out.join(pack_name), bytes).unwrap();

    let source = CookedSource::open(&out).unwrap();
    match source.read_all(victim.id) {
        Err(ReadError::Corrupt { id, location, detail }) => {
            assert_eq!(id, victim.id);
            assert!(location.contains(pack_name.trim_start_matches("packs/")), "{location}");
            assert!(detail.contains("checksum"), "{detail}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    for asset in &assets[1..] {
        assert!(source.read_all(asset.id).is_ok(), "{} unaffected", asset.path);
    }

    // A truncated pack: every asset in it fails as corrupt, none panics.
    let len = fs::metadata(out.join(pack_name)).unwrap().len();
    let file = fs::OpenOptions::new().write(true).open(out.join(pack_name)).unwrap();
    file.set_len(len / 2).unwrap();
    let source = CookedSource::open(&out).unwrap();
    for asset in &assets {
        assert!(matches!(source.read_all(asset.id), Err(ReadError::Corrupt { .. })));
    }
}
