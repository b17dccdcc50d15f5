//! Meshes in the GPU tier: the finest resident LOD's vertex and index
//! buffers.

use amsp_runtime::gpu::{GpuAsset, GpuBufferUsage, GpuBuffersData, GpuData, GpuDataError};

use super::asset::Mesh;

impl GpuAsset for Mesh {
    /// Two buffers: the finest resident LOD's interleaved vertices (the
    /// mesh's [`VertexLayout`](super::layout::VertexLayout)) and its `u32`
    /// indices.
    fn gpu_data(&self) -> Result<GpuData<'_>, GpuDataError> {
        let lod = self
            .lods
            .first()
            .ok_or_else(|| GpuDataError::Inconsistent("a mesh without LODs".into()))?;
        let indices: &[u8] = bytemuck::cast_slice(&lod.indices);
        Ok(GpuData::Buffers(GpuBuffersData {
            level: lod.level,
            buffers: vec![
                (GpuBufferUsage::Vertex, &lod.vertices),
                (GpuBufferUsage::Index, indices),
            ],
        }))
    }
}
