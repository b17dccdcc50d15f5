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
    /// `VK_FORMAT_R8_UNORM`.
    R8Unorm = 9, [1, 1], 1, false;
    /// `VK_FORMAT_R8_SRGB`.
    R8Srgb = 15, [1, 1], 1, true;
    /// `VK_FORMAT_R8G8_UNORM`.
    R8G8Unorm = 16, [1, 1], 2, false;
    /// `VK_FORMAT_R8G8_SRGB`.
    R8G8Srgb = 22, [1, 1], 2, true;
    /// `VK_FORMAT_R8G8B8_UNORM`.
    R8G8B8Unorm = 23, [1, 1], 3, false;
    /// `VK_FORMAT_R8G8B8_SRGB`.
    R8G8B8Srgb = 29, [1, 1], 3, true;
    /// `VK_FORMAT_R8G8B8A8_UNORM`.
    R8G8B8A8Unorm = 37, [1, 1], 4, false;
    /// `VK_FORMAT_R8G8B8A8_SRGB`.
    R8G8B8A8Srgb = 43, [1, 1], 4, true;
    /// `VK_FORMAT_B8G8R8A8_UNORM`.
    B8G8R8A8Unorm = 44, [1, 1], 4, false;
    /// `VK_FORMAT_B8G8R8A8_SRGB`.
    B8G8R8A8Srgb = 50, [1, 1], 4, true;
    /// `VK_FORMAT_R16G16B16A16_UNORM`.
    R16G16B16A16Unorm = 91, [1, 1], 8, false;
    /// `VK_FORMAT_R16G16B16A16_SFLOAT`.
    R16G16B16A16Sfloat = 97, [1, 1], 8, false;
    /// `VK_FORMAT_R32G32B32A32_SFLOAT`.
    R32G32B32A32Sfloat = 109, [1, 1], 16, false;
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
    /// `VK_FORMAT_BC4_SNORM_BLOCK`.
    Bc4Snorm = 140, [4, 4], 8, false;
    /// `VK_FORMAT_BC5_UNORM_BLOCK`.
    Bc5Unorm = 141, [4, 4], 16, false;
    /// `VK_FORMAT_BC5_SNORM_BLOCK`.
    Bc5Snorm = 142, [4, 4], 16, false;
    /// `VK_FORMAT_BC6H_UFLOAT_BLOCK`.
    Bc6hUfloat = 143, [4, 4], 16, false;
    /// `VK_FORMAT_BC6H_SFLOAT_BLOCK`.
    Bc6hSfloat = 144, [4, 4], 16, false;
    /// `VK_FORMAT_BC7_UNORM_BLOCK`.
    Bc7Unorm = 145, [4, 4], 16, false;
    /// `VK_FORMAT_BC7_SRGB_BLOCK`.
    Bc7Srgb = 146, [4, 4], 16, true;
    /// `VK_FORMAT_ETC2_R8G8B8_UNORM_BLOCK`.
    Etc2R8G8B8Unorm = 147, [4, 4], 8, false;
    /// `VK_FORMAT_ETC2_R8G8B8_SRGB_BLOCK`.
    Etc2R8G8B8Srgb = 148, [4, 4], 8, true;
    /// `VK_FORMAT_ETC2_R8G8B8A1_UNORM_BLOCK`.
    Etc2R8G8B8A1Unorm = 149, [4, 4], 8, false;
    /// `VK_FORMAT_ETC2_R8G8B8A1_SRGB_BLOCK`.
    Etc2R8G8B8A1Srgb = 150, [4, 4], 8, true;
    /// `VK_FORMAT_ETC2_R8G8B8A8_UNORM_BLOCK`.
    Etc2R8G8B8A8Unorm = 151, [4, 4], 16, false;
    /// `VK_FORMAT_ETC2_R8G8B8A8_SRGB_BLOCK`.
    Etc2R8G8B8A8Srgb = 152, [4, 4], 16, true;
    /// `VK_FORMAT_EAC_R11_UNORM_BLOCK`.
    EacR11Unorm = 153, [4, 4], 8, false;
    /// `VK_FORMAT_EAC_R11_SNORM_BLOCK`.
    EacR11Snorm = 154, [4, 4], 8, false;
    /// `VK_FORMAT_EAC_R11G11_UNORM_BLOCK`.
    EacR11G11Unorm = 155, [4, 4], 16, false;
    /// `VK_FORMAT_EAC_R11G11_SNORM_BLOCK`.
    EacR11G11Snorm = 156, [4, 4], 16, false;
    /// `VK_FORMAT_ASTC_4x4_UNORM_BLOCK`.
    Astc4x4Unorm = 157, [4, 4], 16, false;
    /// `VK_FORMAT_ASTC_4x4_SRGB_BLOCK`.
    Astc4x4Srgb = 158, [4, 4], 16, true;
    /// `VK_FORMAT_ASTC_5x4_UNORM_BLOCK`.
    Astc5x4Unorm = 159, [5, 4], 16, false;
    /// `VK_FORMAT_ASTC_5x4_SRGB_BLOCK`.
    Astc5x4Srgb = 160, [5, 4], 16, true;
    /// `VK_FORMAT_ASTC_5x5_UNORM_BLOCK`.
    Astc5x5Unorm = 161, [5, 5], 16, false;
    /// `VK_FORMAT_ASTC_5x5_SRGB_BLOCK`.
    Astc5x5Srgb = 162, [5, 5], 16, true;
    /// `VK_FORMAT_ASTC_6x5_UNORM_BLOCK`.
    Astc6x5Unorm = 163, [6, 5], 16, false;
    /// `VK_FORMAT_ASTC_6x5_SRGB_BLOCK`.
    Astc6x5Srgb = 164, [6, 5], 16, true;
    /// `VK_FORMAT_ASTC_6x6_UNORM_BLOCK`.
    Astc6x6Unorm = 165, [6, 6], 16, false;
    /// `VK_FORMAT_ASTC_6x6_SRGB_BLOCK`.
    Astc6x6Srgb = 166, [6, 6], 16, true;
    /// `VK_FORMAT_ASTC_8x5_UNORM_BLOCK`.
    Astc8x5Unorm = 167, [8, 5], 16, false;
    /// `VK_FORMAT_ASTC_8x5_SRGB_BLOCK`.
    Astc8x5Srgb = 168, [8, 5], 16, true;
    /// `VK_FORMAT_ASTC_8x6_UNORM_BLOCK`.
    Astc8x6Unorm = 169, [8, 6], 16, false;
    /// `VK_FORMAT_ASTC_8x6_SRGB_BLOCK`.
    Astc8x6Srgb = 170, [8, 6], 16, true;
    /// `VK_FORMAT_ASTC_8x8_UNORM_BLOCK`.
    Astc8x8Unorm = 171, [8, 8], 16, false;
    /// `VK_FORMAT_ASTC_8x8_SRGB_BLOCK`.
    Astc8x8Srgb = 172, [8, 8], 16, true;
    /// `VK_FORMAT_ASTC_10x5_UNORM_BLOCK`.
    Astc10x5Unorm = 173, [10, 5], 16, false;
    /// `VK_FORMAT_ASTC_10x5_SRGB_BLOCK`.
    Astc10x5Srgb = 174, [10, 5], 16, true;
    /// `VK_FORMAT_ASTC_10x6_UNORM_BLOCK`.
    Astc10x6Unorm = 175, [10, 6], 16, false;
    /// `VK_FORMAT_ASTC_10x6_SRGB_BLOCK`.
    Astc10x6Srgb = 176, [10, 6], 16, true;
    /// `VK_FORMAT_ASTC_10x8_UNORM_BLOCK`.
    Astc10x8Unorm = 177, [10, 8], 16, false;
    /// `VK_FORMAT_ASTC_10x8_SRGB_BLOCK`.
    Astc10x8Srgb = 178, [10, 8], 16, true;
    /// `VK_FORMAT_ASTC_10x10_UNORM_BLOCK`.
    Astc10x10Unorm = 179, [10, 10], 16, false;
    /// `VK_FORMAT_ASTC_10x10_SRGB_BLOCK`.
    Astc10x10Srgb = 180, [10, 10], 16, true;
    /// `VK_FORMAT_ASTC_12x10_UNORM_BLOCK`.
    Astc12x10Unorm = 181, [12, 10], 16, false;
    /// `VK_FORMAT_ASTC_12x10_SRGB_BLOCK`.
    Astc12x10Srgb = 182, [12, 10], 16, true;
    /// `VK_FORMAT_ASTC_12x12_UNORM_BLOCK`.
    Astc12x12Unorm = 183, [12, 12], 16, false;
    /// `VK_FORMAT_ASTC_12x12_SRGB_BLOCK`.
    Astc12x12Srgb = 184, [12, 12], 16, true;
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
            (VkFormat::R8Unorm, true) => 15,
            (VkFormat::R8Srgb, false) => 9,
            (VkFormat::R8G8Unorm, true) => 22,
            (VkFormat::R8G8Srgb, false) => 16,
            (VkFormat::R8G8B8Unorm, true) => 29,
            (VkFormat::R8G8B8Srgb, false) => 23,
            (VkFormat::R8G8B8A8Unorm, true) => 43,
            (VkFormat::R8G8B8A8Srgb, false) => 37,
            (VkFormat::B8G8R8A8Unorm, true) => 50,
            (VkFormat::B8G8R8A8Srgb, false) => 44,
            (_, true) => raw + 1,
            (_, false) => raw - 1,
        };
        VkFormat::from_raw(partner)
            .filter(|f| f.is_srgb() == srgb && f.block_bytes() == self.block_bytes())
    }
}

impl VkFormat {
    /// Whether texels are stored in blocks of more than one texel (BCn,
    /// ETC2/EAC, ASTC).
    pub fn is_block_compressed(self) -> bool {
        self.block_dimensions() != (1, 1)
    }

    /// The `typeSize` a KTX2 file must declare for this format: 1 for block
    /// formats and [`VkFormat::Undefined`], else the size of one component in
    /// bytes (the unit of endianness conversion).
    pub fn type_size(self) -> u32 {
        match self {
            VkFormat::R16G16B16A16Unorm | VkFormat::R16G16B16A16Sfloat => 2,
            VkFormat::R32G32B32A32Sfloat => 4,
            _ => 1,
        }
    }
}
