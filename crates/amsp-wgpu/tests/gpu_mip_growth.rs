//! A texture streamed tail first, then upgraded to its finest mip, grows
//! in place on a Vulkan device: the same GPU texture throughout, and in
//! the end every mip equal to a full upload of the whole texture.

mod common;

use amsp_core::PriorityClass;
use amsp_formats::texture::Texture;
use amsp_runtime::gpu::{Residency, ResidencyConfig};
use common::*;

#[test]
fn a_texture_streamed_tail_first_keeps_its_gpu_texture_and_ends_like_a_full_upload() {
    let Some(mut backend) = backend() else { return };
    let dir = tempfile::tempdir().unwrap();
    cook(&dir.path().join("src"), &dir.path().join("out"), &DUCK[2..]);
    let server = server(&dir.path().join("out"));
    let mut residency = Residency::new(ResidencyConfig::new(64 << 20, 16 << 10));
    residency.register::<Texture>(&server);
    let path = "duck/DuckCM.png";

    // The tail: mip 5 (16×16) and smaller.
    let tail = server.load_level::<Texture>(path, 5, PriorityClass::High);
    assert!(server.wait_for(&tail, WAIT).is_loaded());
    let id = tail.id();
    update_until(&mut residency, &server, &mut backend, 50, |r| {
        r.texture(id).is_some_and(|t| t.resident.start == 5)
    });
    let first = residency.texture(id).unwrap();
    assert_eq!((first.desc.width, first.desc.mip_count), (512, 10), "the whole chain is allocated");
    // Nothing finer than the tail was written.
    assert_eq!(residency.stats().uploaded_bytes, first.desc.bytes_of(5..10));

    // Then the finest: mips appear coarse to fine, one texture throughout.
    let full = server.load_level::<Texture>(path, 0, PriorityClass::High);
    assert!(server.wait_for(&full, WAIT).is_loaded());
    let mut seen = vec![5];
    for _ in 0..200 {
        let now = residency.texture(id).unwrap();
        assert_eq!(now.id, first.id, "the GPU texture is the same");
        if seen.last() != Some(&now.resident.start) {
            seen.push(now.resident.start);
        }
        if now.resident.start == 0 {
            break;
        }
        residency.update(&server, &mut backend).unwrap();
    }
    // Small mips complete several to a frame, large ones take several
    // frames each: the finest resident mip only ever gets finer.
    assert!(seen.windows(2).all(|w| w[1] < w[0]) && seen.ends_with(&[2, 1, 0]), "{seen:?}");
    assert_eq!(residency.stats().uploaded_bytes, first.desc.bytes(), "each mip written once");

    // Every mip equals a full upload of the whole texture.
    let whole = server.load::<Texture>(path);
    assert!(server.wait_for(&whole, WAIT).is_loaded());
    let whole = server.get(&whole).unwrap();
    let reference = upload_whole(&mut backend, &whole);
    for mip in 0..10 {
        let streamed = backend.read_texture(first.id, mip, 0).unwrap();
        let direct = backend.read_texture(reference, mip, 0).unwrap();
        assert!(streamed == direct, "mip {mip} differs from a full upload");
        assert!(
            streamed.as_slice() == whole.level(mip).unwrap(),
            "mip {mip} differs from the asset"
        );
    }
}
