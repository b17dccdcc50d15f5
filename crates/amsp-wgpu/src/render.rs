//! A minimal offscreen renderer: textured meshes drawn into an RGBA8
//! image and read back, to check what the GPU tier uploaded.

use std::collections::HashMap;
use std::ops::Range;

use amsp_runtime::gpu::{GpuBufferId, GpuError, GpuTextureId};

use crate::backend::{WgpuBackend, read_mapped};
use crate::camera::Mat4;
use crate::ring::ALIGN;

const COLOR: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
const DEPTH: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

/// Where a mesh's attributes are in its interleaved vertices (bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VertexFormat {
    /// Bytes per vertex.
    pub stride: u32,
    /// Offset of the `f32 × 2` texture coordinates.
    pub uv: u32,
    /// Offset of the `f32 × 3` normal, if the mesh has normals.
    pub normal: Option<u32>,
}

/// One indexed draw of a textured mesh.
#[derive(Debug, Clone)]
pub struct DrawCall {
    /// Interleaved `f32` vertices, position first.
    pub vertices: GpuBufferId,
    /// `u32` triangle list.
    pub indices: GpuBufferId,
    /// Which indices to draw.
    pub index_range: Range<u32>,
    /// Vertex layout.
    pub format: VertexFormat,
    /// Base colour texture.
    pub texture: GpuTextureId,
    /// Finest mip to sample (a streaming texture's finest resident mip).
    pub base_mip: u32,
    /// Model-to-clip transform.
    pub mvp: Mat4,
    /// Model-to-world transform (for normals).
    pub model: Mat4,
}

/// Why a frame could not be drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// A draw names a buffer or texture the backend does not hold.
    #[error("draw {draw} names a resource the backend does not hold: {what}")]
    Missing {
        /// Index of the draw call.
        draw: usize,
        /// Which resource.
        what: String,
    },
    /// Reading the image back failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

/// Draws into a `width × height` sRGB colour target with a depth buffer.
pub struct OffscreenRenderer {
    width: u32,
    height: u32,
    color: wgpu::Texture,
    depth: wgpu::Texture,
    layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    shader: wgpu::ShaderModule,
    sampler: wgpu::Sampler,
    pipelines: HashMap<VertexFormat, wgpu::RenderPipeline>,
}

impl std::fmt::Debug for OffscreenRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OffscreenRenderer")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

impl OffscreenRenderer {
    /// A renderer for images of `width × height` on `backend`'s device.
    #[must_use]
    pub fn new(backend: &WgpuBackend, width: u32, height: u32) -> Self {
        let device = &backend.context().device;
        let target = |format, usage, label| {
            device.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size: wgpu::Extent3d { width, height, depth_or_array_layers: 1 },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage,
                view_formats: &[],
            })
        };
        let color = target(
            COLOR,
            wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            "amsp offscreen colour",
        );
        let depth = target(DEPTH, wgpu::TextureUsages::RENDER_ATTACHMENT, "amsp offscreen depth");
        let entry = |binding, ty| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
            ty,
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("amsp draw"),
            entries: &[
                entry(
                    0,
                    wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                ),
                entry(
                    1,
                    wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                ),
                entry(2, wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering)),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("amsp draw"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("amsp textured mesh"),
            source: wgpu::ShaderSource::Wgsl(include_str!("shader.wgsl").into()),
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("amsp linear"),
            address_mode_u: wgpu::AddressMode::Repeat,
            address_mode_v: wgpu::AddressMode::Repeat,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            mipmap_filter: wgpu::MipmapFilterMode::Linear,
            ..Default::default()
        });
        Self {
            width,
            height,
            color,
            depth,
            layout,
            pipeline_layout,
            shader,
            sampler,
            pipelines: HashMap::new(),
        }
    }

    fn pipeline(&mut self, device: &wgpu::Device, format: VertexFormat) -> &wgpu::RenderPipeline {
        let (layout, shader) = (&self.pipeline_layout, &self.shader);
        self.pipelines.entry(format).or_insert_with(|| {
            let attributes = [
                wgpu::VertexAttribute {
                    format: wgpu::VertexFormat::Float32x3,
                    offset: 0,
                    shader_location: 0,
                },
                wgpu::VertexAttribute {
                    format: wgpu::VertexFormat::Float32x2,
                    offset: u64::from(format.uv),
                    shader_location: 1,
                },
                wgpu::VertexAttribute {
                    format: wgpu::VertexFormat::Float32x3,
                    offset: u64::from(format.normal.unwrap_or(0)),
                    shader_location: 2,
                },
            ];
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some("amsp textured mesh"),
                layout: Some(layout),
                vertex: wgpu::VertexState {
                    module: shader,
                    entry_point: Some("vs"),
                    compilation_options: Default::default(),
                    buffers: &[Some(wgpu::VertexBufferLayout {
                        array_stride: u64::from(format.stride),
                        step_mode: wgpu::VertexStepMode::Vertex,
                        attributes: &attributes,
                    })],
                },
                primitive: wgpu::PrimitiveState { cull_mode: None, ..Default::default() },
                depth_stencil: Some(wgpu::DepthStencilState {
                    format: DEPTH,
                    depth_write_enabled: Some(true),
                    depth_compare: Some(wgpu::CompareFunction::Less),
                    stencil: Default::default(),
                    bias: Default::default(),
                }),
                multisample: Default::default(),
                fragment: Some(wgpu::FragmentState {
                    module: shader,
                    entry_point: Some("fs"),
                    compilation_options: Default::default(),
                    targets: &[Some(COLOR.into())],
                }),
                multiview_mask: None,
                cache: None,
            })
        })
    }

    /// Draws `calls` over a `clear` background and reads the image back:
    /// `width × height` RGBA8 pixels (sRGB), rows top to bottom.
    ///
    /// # Errors
    /// [`RenderError::Missing`] when a draw names a resource the backend
    /// does not hold; a device error reading back.
    pub fn draw(
        &mut self,
        backend: &mut WgpuBackend,
        calls: &[DrawCall],
        clear: [f64; 4],
    ) -> Result<Vec<u8>, RenderError> {
        let device = backend.context().device.clone();
        let queue = backend.context().queue.clone();
        let mut bind_groups = Vec::with_capacity(calls.len());
        for (i, call) in calls.iter().enumerate() {
            let missing = |what: String| RenderError::Missing { draw: i, what };
            let texture = backend
                .texture(call.texture)
                .ok_or_else(|| missing(format!("texture {}", call.texture.0)))?;
            for id in [call.vertices, call.indices] {
                backend.buffer(id).ok_or_else(|| missing(format!("buffer {}", id.0)))?;
            }
            let view = texture.create_view(&wgpu::TextureViewDescriptor {
                dimension: Some(wgpu::TextureViewDimension::D2),
                base_mip_level: call.base_mip.min(texture.mip_level_count() - 1),
                base_array_layer: 0,
                array_layer_count: Some(1),
                ..Default::default()
            });
            let mut uniforms = Vec::with_capacity(36);
            uniforms.extend_from_slice(&call.mvp);
            uniforms.extend_from_slice(&call.model);
            uniforms.extend_from_slice(&[
                if call.format.normal.is_some() { 1.0 } else { 0.0 },
                0.0,
                0.0,
                0.0,
            ]);
            let buffer = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("amsp draw uniforms"),
                size: (uniforms.len() * 4) as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            queue.write_buffer(&buffer, 0, bytemuck::cast_slice(&uniforms));
            bind_groups.push(device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("amsp draw"),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: buffer.as_entire_binding() },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: wgpu::BindingResource::TextureView(&view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: wgpu::BindingResource::Sampler(&self.sampler),
                    },
                ],
            }));
        }
        for call in calls {
            self.pipeline(&device, call.format);
        }
        let color_view = self.color.create_view(&Default::default());
        let depth_view = self.depth.create_view(&Default::default());
        let mut encoder = device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("amsp draw") });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("amsp offscreen"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &color_view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color {
                            r: clear[0],
                            g: clear[1],
                            b: clear[2],
                            a: clear[3],
                        }),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                    view: &depth_view,
                    depth_ops: Some(wgpu::Operations {
                        load: wgpu::LoadOp::Clear(1.0),
                        store: wgpu::StoreOp::Discard,
                    }),
                    stencil_ops: None,
                }),
                ..Default::default()
            });
            for (call, group) in calls.iter().zip(&bind_groups) {
                pass.set_pipeline(&self.pipelines[&call.format]);
                pass.set_bind_group(0, group, &[]);
                let (Some(vertices), Some(indices)) =
                    (backend.buffer(call.vertices), backend.buffer(call.indices))
                else {
                    continue;
                };
                pass.set_vertex_buffer(0, vertices.slice(..));
                pass.set_index_buffer(indices.slice(..), wgpu::IndexFormat::Uint32);
                pass.draw_indexed(call.index_range.clone(), 0, 0..1);
            }
        }
        let row = u64::from(self.width) * 4;
        let pitch = row.div_ceil(ALIGN) * ALIGN;
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("amsp offscreen readback"),
            size: pitch * u64::from(self.height),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.copy_texture_to_buffer(
            self.color.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(pitch as u32),
                    rows_per_image: Some(self.height),
                },
            },
            wgpu::Extent3d { width: self.width, height: self.height, depth_or_array_layers: 1 },
        );
        queue.submit([encoder.finish()]);
        Ok(read_mapped(&device, &readback, self.height as usize, row as usize, pitch as usize)?)
    }

    /// Image size.
    #[must_use]
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}
