//! Every `GpuBackend` passes one suite: the same calls, the same answers
//! (ids, regions, byte counts, memory accounting), on the `NullBackend`
//! and on wgpu over Vulkan.

mod common;

use amsp_runtime::gpu::{
    GpuBackend, GpuBufferId, GpuBufferUsage, GpuError, GpuFormat, GpuTextureDesc, GpuTextureId,
    NullBackend, TextureWrite,
};

const BC7: GpuTextureDesc = GpuTextureDesc {
    format: GpuFormat::Bc7RgbaUnormSrgb,
    width: 64,
    height: 32,
    layers: 2,
    mip_count: 7,
};

fn write(mip: u32, layer: u32, rows: std::ops::Range<u32>) -> TextureWrite {
    TextureWrite { mip, layer, rows }
}

fn accounting(backend: &mut dyn GpuBackend) {
    let before = backend.memory_info().used;
    let texture = backend.create_texture(&BC7).unwrap();
    assert_eq!(backend.memory_info().used - before, BC7.bytes());
    let buffer = backend.create_buffer(10, GpuBufferUsage::Vertex).unwrap();
    assert_eq!(backend.memory_info().used - before, BC7.bytes() + 12, "sizes round up to 4");
    backend.destroy_texture(texture);
    backend.destroy_buffer(buffer);
    backend.destroy_buffer(buffer);
    assert_eq!(backend.memory_info().used, before, "destroying twice is a no-op");
}

fn bad_texture_writes_are_refused(backend: &mut dyn GpuBackend) {
    let id = backend.create_texture(&BC7).unwrap();
    let row = BC7.row_bytes(0) as usize; // 16 blocks × 16 bytes
    assert_eq!(row, 256);
    let cases: [(TextureWrite, usize, &str); 6] = [
        (write(7, 0, 0..1), 16, "mip past the chain"),
        (write(0, 2, 0..1), row, "layer past the array"),
        (write(0, 0, 0..9), 9 * row, "rows past the mip (8 rows of blocks)"),
        (write(0, 0, 3..3), 0, "no rows"),
        (write(0, 0, 0..2), row, "bytes short of the region"),
        (write(6, 1, 0..1), 17, "bytes past the region"),
    ];
    for (region, len, what) in cases {
        let result = backend.write_texture(id, &region, &vec![0; len]);
        assert!(matches!(result, Err(GpuError::BadWrite { .. })), "{what}: {result:?}");
    }
    let unknown = backend.write_texture(GpuTextureId(u64::MAX), &write(0, 0, 0..1), &[0; 256]);
    assert!(matches!(unknown, Err(GpuError::UnknownResource(_))), "{unknown:?}");
    // The smallest mips are one block.
    backend.write_texture(id, &write(6, 1, 0..1), &[7; 16]).unwrap();
    backend.end_frame().unwrap();
    backend.destroy_texture(id);
}

fn bad_descriptions_are_refused(backend: &mut dyn GpuBackend) {
    for desc in [
        GpuTextureDesc { width: 0, ..BC7 },
        GpuTextureDesc { layers: 0, ..BC7 },
        GpuTextureDesc { mip_count: 0, ..BC7 },
        GpuTextureDesc { mip_count: 8, ..BC7 },
    ] {
        let result = backend.create_texture(&desc);
        assert!(matches!(result, Err(GpuError::InvalidTexture { .. })), "{desc:?}: {result:?}");
    }
}

fn bad_buffer_writes_are_refused(backend: &mut dyn GpuBackend) {
    let id = backend.create_buffer(64, GpuBufferUsage::Index).unwrap();
    for (offset, len) in [(2, 4), (60, 8), (u64::MAX - 3, 8)] {
        let result = backend.write_buffer(id, offset, &vec![0; len]);
        assert!(matches!(result, Err(GpuError::BadWrite { .. })), "{offset}+{len}: {result:?}");
    }
    let unknown = backend.write_buffer(GpuBufferId(u64::MAX), 0, &[0; 4]);
    assert!(matches!(unknown, Err(GpuError::UnknownResource(_))));
    backend.write_buffer(id, 0, &[1; 64]).unwrap();
    backend.write_buffer(id, 60, &[1; 3]).unwrap();
    backend.end_frame().unwrap();
    backend.destroy_buffer(id);
}

macro_rules! backend_suite {
    ($module:ident, $make:expr) => {
        mod $module {
            use super::*;

            fn with(test: impl FnOnce(&mut dyn GpuBackend)) {
                let backend: Option<Box<dyn GpuBackend>> = ($make)();
                if let Some(mut backend) = backend {
                    test(backend.as_mut());
                }
            }

            #[test]
            fn accounting() {
                with(super::accounting);
            }

            #[test]
            fn bad_texture_writes_are_refused() {
                with(super::bad_texture_writes_are_refused);
            }

            #[test]
            fn bad_descriptions_are_refused() {
                with(super::bad_descriptions_are_refused);
            }

            #[test]
            fn bad_buffer_writes_are_refused() {
                with(super::bad_buffer_writes_are_refused);
            }
        }
    };
}

backend_suite!(null, || Some(Box::new(NullBackend::new()) as Box<dyn GpuBackend>));
backend_suite!(wgpu_vulkan, || common::backend().map(|b| Box::new(b) as Box<dyn GpuBackend>));

#[test]
fn wgpu_reads_back_what_was_written_row_by_row() {
    let Some(mut backend) = common::backend() else { return };
    let id = backend.create_texture(&BC7).unwrap();
    let layer: Vec<u8> = (0..BC7.layer_bytes(0)).map(|i| (i * 7 % 251) as u8).collect();
    // Rows in three writes, out of order, into layer 1.
    let row = BC7.row_bytes(0) as usize;
    for rows in [4..8, 0..1, 1..4] {
        let bytes = &layer[rows.start as usize * row..rows.end as usize * row];
        backend.write_texture(id, &write(0, 1, rows), bytes).unwrap();
    }
    backend.end_frame().unwrap();
    assert!(backend.read_texture(id, 0, 1).unwrap() == layer);
}
