//! The Vulkan formats AMSP writes and recognises, with their block layout.

macro_rules! vk_formats {
    ($( $(#[$doc:meta])* $name:ident = $raw:literal, [$bw:literal, $bh:literal], $bytes:literal, $srgb:literal; )*) => {
        /// A `VkFormat` that AMSP knows the block layout of.
        ///
        /// Files may carry any `VkFormat`; [`Ktx2Texture::vk_format`](super::Ktx2Texture::vk_format)
        /// returns the raw number and [`VkFormat::from_raw`] maps the ones listed here.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum VkFormat {
            $( $(#[$doc])* $name, )*
        }

        impl VkFormat {
            /// Every format in this enum.
            pub const ALL: &'static [VkFormat] = &[$(VkFormat::$name),*];

            /// The format with this `VkFormat` number, if AMSP knows it.
            pub fn from_raw(raw: u32) -> Option<VkFormat> {
                match raw {
                    $( $raw => Some(VkFormat::$name), )*
                    _ => None,
                }
            }

            /// The `VkFormat` number.
            pub fn raw(self) -> u32 {
                match self { $( VkFormat::$name => $raw, )* }
            }

            /// Texel block width and height (1×1 for uncompressed formats).
            pub fn block_dimensions(self) -> (u32, u32) {
                match self { $( VkFormat::$name => ($bw, $bh), )* }
            }

            /// Bytes in one texel block (0 for [`VkFormat::Undefined`]).
            pub fn block_bytes(self) -> u32 {
                match self { $( VkFormat::$name => $bytes, )* }
            }

            /// Whether the format decodes colour through the sRGB transfer function.
            pub fn is_srgb(self) -> bool {
                match self { $( VkFormat::$name => $srgb, )* }
            }
        }
    };
}

vk_formats! {
    /// `VK_FORMAT_UNDEFINED`: Basis Universal data, to be transcoded.
    Undefined = 0, [1, 1], 0, false;
    /// `VK_FORMAT_R8G8B8A8_UNORM`.
    R8G8B8A8Unorm = 37, [1, 1], 4, false;
    /// `VK_FORMAT_R8G8B8A8_SRGB`.
    R8G8B8A8Srgb = 43, [1, 1], 4, true;
    /// `VK_FORMAT_BC1_RGB_UNORM_BLOCK`.
    Bc1RgbUnorm = 131, [4, 4], 8, false;
    /// `VK_FORMAT_BC1_RGB_SRGB_BLOCK`.
    Bc1RgbSrgb = 132, [4, 4], 8, true;
    /// `VK_FORMAT_BC1_RGBA_UNORM_BLOCK`.
    Bc1RgbaUnorm = 133, [4, 4], 8, false;
    /// `VK_FORMAT_BC1_RGBA_SRGB_BLOCK`.
    Bc1RgbaSrgb = 134, [4, 4], 8, true;
    /// `VK_FORMAT_BC2_UNORM_BLOCK`.
    Bc2Unorm = 135, [4, 4], 16, false;
    /// `VK_FORMAT_BC2_SRGB_BLOCK`.
    Bc2Srgb = 136, [4, 4], 16, true;
    /// `VK_FORMAT_BC3_UNORM_BLOCK`.
    Bc3Unorm = 137, [4, 4], 16, false;
    /// `VK_FORMAT_BC3_SRGB_BLOCK`.
    Bc3Srgb = 138, [4, 4], 16, true;
    /// `VK_FORMAT_BC4_UNORM_BLOCK`.
    Bc4Unorm = 139, [4, 4], 8, false;
    /// `VK_FORMAT_BC5_UNORM_BLOCK`.
    Bc5Unorm = 141, [4, 4], 16, false;
    /// `VK_FORMAT_BC6H_UFLOAT_BLOCK`.
    Bc6hUfloat = 143, [4, 4], 16, false;
    /// `VK_FORMAT_BC7_UNORM_BLOCK`.
    Bc7Unorm = 145, [4, 4], 16, false;
    /// `VK_FORMAT_BC7_SRGB_BLOCK`.
    Bc7Srgb = 146, [4, 4], 16, true;
    /// `VK_FORMAT_ETC2_R8G8B8_UNORM_BLOCK`.
    Etc2R8G8B8Unorm = 147, [4, 4], 8, false;
    /// `VK_FORMAT_ETC2_R8G8B8_SRGB_BLOCK`.
    Etc2R8G8B8Srgb = 148, [4, 4], 8, true;
    /// `VK_FORMAT_ETC2_R8G8B8A8_UNORM_BLOCK`.
    Etc2R8G8B8A8Unorm = 151, [4, 4], 16, false;
    /// `VK_FORMAT_ETC2_R8G8B8A8_SRGB_BLOCK`.
    Etc2R8G8B8A8Srgb = 152, [4, 4], 16, true;
    /// `VK_FORMAT_ASTC_4x4_UNORM_BLOCK`.
    Astc4x4Unorm = 157, [4, 4], 16, false;
    /// `VK_FORMAT_ASTC_4x4_SRGB_BLOCK`.
    Astc4x4Srgb = 158, [4, 4], 16, true;
}

impl VkFormat {
    /// The sRGB (`true`) or linear (`false`) variant of this format, if it has one.
    ///
    /// Formats without an sRGB variant (BC4, BC5, BC6H) return themselves for
    /// `false` and `None` for `true`.
    pub fn with_srgb(self, srgb: bool) -> Option<VkFormat> {
        if self.is_srgb() == srgb {
            return Some(self);
        }
        let raw = self.raw();
        let partner = match (self, srgb) {
            (VkFormat::R8G8B8A8Unorm, true) => 43,
            (VkFormat::R8G8B8A8Srgb, false) => 37,
            (_, true) => raw + 1,
            (_, false) => raw - 1,
        };
        VkFormat::from_raw(partner)
            .filter(|f| f.is_srgb() == srgb && f.block_bytes() == self.block_bytes())
    }
}
