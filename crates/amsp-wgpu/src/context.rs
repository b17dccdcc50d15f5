//! A headless wgpu device for the GPU tier.

/// Why no device could be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// No adapter on the requested backends (no Vulkan driver: install
    /// Mesa's `mesa-vulkan-drivers` and `libvulkan1` for lavapipe).
    #[error(
        "no GPU adapter on {backends:?}: {reason} (for a software Vulkan device install mesa-vulkan-drivers and libvulkan1)"
    )]
    NoAdapter {
        /// The backends asked for.
        backends: wgpu::Backends,
        /// wgpu's reason.
        reason: String,
    },
    /// The adapter refused the device.
    #[error("the adapter {adapter} refused a device: {reason}")]
    Device {
        /// The adapter's name.
        adapter: String,
        /// wgpu's reason.
        reason: String,
    },
}

/// A device, its queue and what the adapter is.
#[derive(Debug, Clone)]
pub struct GpuContext {
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// The adapter (name, driver, device type).
    pub adapter: wgpu::AdapterInfo,
}

impl GpuContext {
    /// A device on `backends` with no window, with BC texture compression
    /// when the adapter offers it (lavapipe does). Blocks until the device
    /// is made.
    ///
    /// # Errors
    /// [`ContextError::NoAdapter`] when no adapter is found,
    /// [`ContextError::Device`] when it refuses a device.
    pub fn headless(backends: wgpu::Backends) -> Result<Self, ContextError> {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = backends;
        let instance = wgpu::Instance::new(desc);
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            force_fallback_adapter: false,
            ..Default::default()
        }))
        .map_err(|e| ContextError::NoAdapter { backends, reason: e.to_string() })?;
        let info = adapter.get_info();
        let features = adapter.features() & wgpu::Features::TEXTURE_COMPRESSION_BC;
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("amsp"),
            required_features: features,
            required_limits: wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits()),
            ..Default::default()
        }))
        .map_err(|e| ContextError::Device { adapter: info.name.clone(), reason: e.to_string() })?;
        Ok(Self { device, queue, adapter: info })
    }

    /// A short description: adapter name, backend and driver.
    #[must_use]
    pub fn describe(&self) -> String {
        format!(
            "{} ({:?}, {} {})",
            self.adapter.name, self.adapter.backend, self.adapter.driver, self.adapter.driver_info
        )
    }
}
