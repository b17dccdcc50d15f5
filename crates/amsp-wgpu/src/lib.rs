//! The GPU tier on wgpu: [`WgpuBackend`] implements the runtime's
//! [`GpuBackend`](amsp_runtime::gpu::GpuBackend) on a wgpu device, writing
//! textures and buffers through a ring of mapped staging buffers, and
//! [`OffscreenRenderer`] draws textured meshes into an image (for tests
//! and tools).
//!
//! ```no_run
//! use amsp_runtime::gpu::{Residency, ResidencyConfig};
//! use amsp_wgpu::{GpuContext, WgpuBackend, WgpuBackendConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = amsp_runtime::AssetServer::builder().build()?;
//! let context = GpuContext::headless(wgpu::Backends::VULKAN)?;
//! let mut backend = WgpuBackend::new(context, WgpuBackendConfig::default());
//! let mut residency = Residency::new(ResidencyConfig::default());
//! residency.register::<amsp_formats::texture::Texture>(&server);
//! // Once a frame:
//! residency.update(&server, &mut backend)?;
//! # Ok(())
//! # }
//! ```

mod backend;
pub mod camera;
mod context;
mod format;
mod render;
mod ring;

pub use backend::{WgpuBackend, WgpuBackendConfig};
pub use context::{ContextError, GpuContext};
pub use format::{FormatError, wgpu_format, wgpu_format_of};
pub use render::{DrawCall, OffscreenRenderer, RenderError, VertexFormat};
pub use ring::RingStats;
