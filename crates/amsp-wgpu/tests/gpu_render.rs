//! The cooked Duck drawn offscreen on a real (software) Vulkan device
//! after the residency manager uploaded it, against a reference image.

mod common;

use amsp_formats::texture::Texture;
use amsp_runtime::Asset;
use amsp_runtime::gpu::{Residency, ResidencyConfig};
use amsp_wgpu::OffscreenRenderer;
use common::*;

const CONFIG: ResidencyConfig = ResidencyConfig::new(64 << 20, 96 << 10);

fn fully_resident(
    residency: &Residency,
    texture: amsp_core::AssetId,
    mesh: amsp_core::AssetId,
) -> bool {
    residency.texture(texture).is_some_and(|t| t.resident.start == 0)
        && residency.buffers(mesh).is_some()
}

#[test]
fn the_duck_uploaded_through_the_residency_manager_renders_like_the_reference() {
    let Some(mut backend) = backend() else { return };
    let dir = tempfile::tempdir().unwrap();
    cook(&dir.path().join("src"), &dir.path().join("out"), &DUCK);
    let server = server(&dir.path().join("out"));
    let mut residency = Residency::new(CONFIG);
    register(&mut residency, &server);
    let (_handle, model) = load_model(&server, "duck/Duck.gltf");
    let texture = server.load::<Texture>("duck/DuckCM.png").id();
    let mesh = model.meshes[0].id();
    let frames = update_until(&mut residency, &server, &mut backend, 200, |r| {
        fully_resident(r, texture, mesh)
    });
    // 512² BC7 with its mips and the mesh do not fit one frame's budget.
    assert!(frames > 3, "uploaded in {frames} frames");
    assert!(residency.stats().max_frame_bytes <= CONFIG.upload_budget);

    let placeholder = upload_whole(&mut backend, &Texture::placeholder().unwrap());
    let mut renderer = OffscreenRenderer::new(&backend, SIZE, SIZE);
    let (image, fallbacks) =
        draw_model(&mut renderer, &mut backend, &mut residency, &server, &model, placeholder);
    assert_eq!(fallbacks, 0);
    let saved = save_for_inspection("amsp-duck.png", &image);

    // Independent of the reference: the duck covers a good part of the
    // frame, and it is yellow (red and green well above blue).
    let (covered, mean) = coverage(&image);
    assert!(
        covered > (SIZE * SIZE / 8) as usize,
        "duck covers {covered} pixels ({})",
        saved.display()
    );
    assert!(
        mean[0] > 1.3 * mean[2] && mean[1] > 1.1 * mean[2],
        "duck colour {mean:?} ({})",
        saved.display()
    );

    let reference = reference("duck.png", &image);
    let (mae, off) = compare(&image, &reference, 24);
    assert!(
        mae < 2.0 && off < 0.01,
        "mean abs error {mae:.3}, {:.2}% pixels off ({})",
        off * 100.0,
        saved.display()
    );
}

#[test]
fn the_placeholder_is_drawn_until_the_texture_is_uploaded_then_the_texture() {
    let Some(mut backend) = backend() else { return };
    let dir = tempfile::tempdir().unwrap();
    cook(&dir.path().join("src"), &dir.path().join("out"), &DUCK);
    let server = server(&dir.path().join("out"));
    let mut residency = Residency::new(CONFIG);
    register(&mut residency, &server);
    let placeholder = upload_whole(&mut backend, &Texture::placeholder().unwrap());
    let mut renderer = OffscreenRenderer::new(&backend, SIZE, SIZE);

    // The mesh alone is loaded and uploaded first.
    let mesh_handle = server.load::<amsp_formats::mesh::Mesh>("duck/Duck.gltf#mesh0");
    assert!(server.wait_for(&mesh_handle, WAIT).is_loaded());
    let mesh = mesh_handle.id();
    update_until(&mut residency, &server, &mut backend, 200, |r| r.buffers(mesh).is_some());
    // Then the model: loaded with its texture in memory, but the texture
    // waits in the upload stage until the next update, so this frame draws
    // the placeholder.
    let (_handle, model) = load_model(&server, "duck/Duck.gltf");
    let texture = server.load::<Texture>("duck/DuckCM.png").id();
    assert!(residency.texture(texture).is_none());
    let (before, fallbacks) =
        draw_model(&mut renderer, &mut backend, &mut residency, &server, &model, placeholder);
    assert_eq!(fallbacks, 1);
    let saved = save_for_inspection("amsp-duck-placeholder.png", &before);
    let magenta = before.chunks_exact(4).filter(|p| p[0] > 200 && p[2] > 200 && p[1] < 60).count();
    assert!(
        magenta > 500,
        "{magenta} magenta pixels in the placeholder frame ({})",
        saved.display()
    );

    update_until(&mut residency, &server, &mut backend, 200, |r| fully_resident(r, texture, mesh));
    let (after, fallbacks) =
        draw_model(&mut renderer, &mut backend, &mut residency, &server, &model, placeholder);
    assert_eq!(fallbacks, 0);
    let (mae, off) = compare(&before, &after, 24);
    assert!(mae > 10.0 && off > 0.1, "placeholder and textured frames alike: {mae:.2}, {off:.3}");
    let (mae, off) = compare(&after, &reference("duck.png", &after), 24);
    assert!(mae < 2.0 && off < 0.01, "textured frame off the reference: {mae:.3}, {off:.4}");
}
