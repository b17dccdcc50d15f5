//! The `GpuBackend` trait: what the residency manager needs of a renderer.

use super::types::{
    GpuBufferId, GpuBufferUsage, GpuError, GpuMemoryInfo, GpuTextureDesc, GpuTextureId,
    TextureWrite,
};

/// A GPU device as the GPU tier uses it: create and destroy textures and
/// buffers, write them from CPU bytes, say how much memory they take, and
/// submit a frame's copies. Object-safe (`&mut dyn GpuBackend`), so an
/// engine plugs in its own renderer; `amsp-wgpu` implements it on wgpu and
/// [`NullBackend`](super::NullBackend) for headless servers.
///
/// # Note for implementors
///
/// - Writes are staged: the bytes are copied out before the call returns
///   (the caller may free them), and the GPU sees them no later than after
///   the next [`end_frame`](GpuBackend::end_frame).
/// - Writes to one resource land in call order.
/// - A write whose region lies outside the resource, or whose byte count
///   does not match the region, returns [`GpuError::BadWrite`] and writes
///   nothing; an unknown id returns [`GpuError::UnknownResource`].
/// - Destroying an id the backend does not hold is a no-op.
/// - [`GpuMemoryInfo::used`] counts the bytes of the resources created and
///   not destroyed.
pub trait GpuBackend {
    /// A short name for messages (`"wgpu (llvmpipe)"`, `"null"`).
    fn name(&self) -> String;

    /// Creates a texture with every mip of `desc`, contents undefined.
    ///
    /// # Errors
    /// [`GpuError::UnsupportedFormat`], [`GpuError::InvalidTexture`], or a
    /// device error.
    fn create_texture(&mut self, desc: &GpuTextureDesc) -> Result<GpuTextureId, GpuError>;

    /// Destroys a texture (after the copies already submitted that use it).
    fn destroy_texture(&mut self, id: GpuTextureId);

    /// Writes rows of blocks of one layer of one mip.
    ///
    /// # Errors
    /// [`GpuError::UnknownResource`], [`GpuError::BadWrite`], or a device
    /// error.
    fn write_texture(
        &mut self,
        id: GpuTextureId,
        region: &TextureWrite,
        bytes: &[u8],
    ) -> Result<(), GpuError>;

    /// Creates a buffer of `size` bytes (rounded up to a multiple of 4).
    ///
    /// # Errors
    /// A device error (size beyond the device's limit).
    fn create_buffer(&mut self, size: u64, usage: GpuBufferUsage) -> Result<GpuBufferId, GpuError>;

    /// Destroys a buffer.
    fn destroy_buffer(&mut self, id: GpuBufferId);

    /// Writes `bytes` at `offset` (a multiple of 4) of a buffer; a length
    /// that is not a multiple of 4 is padded with zeros up to the buffer's
    /// rounded size.
    ///
    /// # Errors
    /// [`GpuError::UnknownResource`], [`GpuError::BadWrite`], or a device
    /// error.
    fn write_buffer(&mut self, id: GpuBufferId, offset: u64, bytes: &[u8]) -> Result<(), GpuError>;

    /// Memory used, and the device's budget if known.
    fn memory_info(&self) -> GpuMemoryInfo;

    /// Submits the frame's staged writes. Called once per frame by the
    /// residency manager after its writes.
    ///
    /// # Errors
    /// A device error.
    fn end_frame(&mut self) -> Result<(), GpuError>;
}
