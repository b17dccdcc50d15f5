//! The cook's texture importer: every source kind ends as one KTX2 file in
//! AMSP's layout, cut into one pack chunk per mip level.
//!
//! - [`pipeline`]: decoded images → mip chains → encoded levels.
//! - [`exr`]: decoding OpenEXR sources.
//! - [`dds`]: DDS sources (uncompressed through the pipeline, block data kept).
//! - [`ktx2`]: KTX2 sources, passed through and re-laid out.
//! - [`cooked`]: chunks and catalog metadata, the same for every source.
//! - [`settings`]: the sidecar settings.

mod cooked;
mod dds;
mod exr;
mod ktx2;
mod pipeline;
mod settings;

use amsp_cook::{ImportError, ImportInput, ImportedAsset, Importer};
use serde_json::json;

use super::ktx2::TextureLimits;
use super::source::{ImageLimits, PixelFormat, TextureRole, decode_image};
use cooked::{cooked, extras};
use pipeline::{Cook, cook_images, to_rgba8};

/// Imports textures for the cook: PNG, JPEG, BMP, TGA, GIF, Radiance HDR,
/// OpenEXR, DDS and KTX2 sources, each cooked into one KTX2 file whose mip
/// levels are separate pack chunks (see [`layout`](super::layout)),
/// zstd-supercompressed where that pays off.
///
/// What happens to a source depends on what it holds:
///
/// - **LDR images** (PNG, JPEG, BMP, TGA, GIF) and **uncompressed DDS**
///   (level 0 of each layer and face): a full mip chain filtered for the
///   role, block-compressed per the settings. 16-bit sources are rounded to
///   8 bits.
/// - **HDR images** (`.hdr`, `.exr`) and **float DDS** (`R16G16B16A16_FLOAT`,
///   `R32G32B32A32_FLOAT`): role HDR, a full mip chain, BC6H unsigned float
///   by default (negative values clamp to 0).
/// - **Block-compressed DDS** (BC1–BC7): the blocks are kept as encoded;
///   a short mip chain is completed where the format can be re-encoded (see
///   the DDS rules below).
/// - **KTX2**: passed through ([`repack`](super::ktx2::repack)): texels,
///   format, DFD, key/value data, layers, faces, depth and levels are kept;
///   Basis Universal data (BasisLZ/ETC1S, UASTC) stays as it is, with its
///   global data, for the runtime to transcode. zstd is then applied or
///   undone as the `supercompression` setting says; BasisLZ data is copied
///   as stored.
///
/// Sidecar settings:
/// - `role`: `"color"` (default; sRGB, gamma-correct mips), `"linear"`
///   (data), `"normal"` (renormalised mips), `"ui"`; for HDR sources only
///   `"hdr"`. Without a setting, a file whose name contains `normal` or ends
///   in `_n` is a normal map.
/// - `encoding`: for LDR sources `"bc7"`, `"bc1"`, `"bc3"`, `"bc4"`, `"bc5"`,
///   `"rgba8"`, `"astc-4x4"` … `"astc-12x12"` (every ASTC LDR block size,
///   for mobile GPUs; a normal map keeps X in RGB and Y in alpha) or
///   `"uastc"` (Basis Universal, transcoded at load to the runtime's
///   `TextureTarget`: BC7, ASTC 4×4, ETC2 or RGBA8; `quality` picks the
///   UASTC pack level — fast: fastest, basic: faster, slow: UASTC's
///   default, which is about nine times slower than BC7 — and `uastc_rdo`
///   an optional RDO scalar);
///   without a setting it follows the role: colour and UI →
///   BC7 sRGB, normal map → BC5, single-channel linear data → BC4, other
///   linear data → BC7 (a grey colour image stays BC7 sRGB: BC4 has no sRGB
///   form). For HDR sources `"bc6h"` (default), `"rgba16f"` or `"rgba32f"`
///   (uncompressed; half floats clamp at ±65504).
/// - `quality`: `"fast"`, `"basic"` (default) or `"slow"` (BC6H, BC7, ASTC,
///   UASTC).
/// - `supercompression`: `"auto"` (default), `"zstd"` or `"none"`. Auto
///   keeps zstd only where it saves at least a quarter of the level bytes:
///   decoding zstd runs at about 1 GB/s on one core, ten times slower than
///   reading the same bytes from the page cache, and block-compressed
///   photographic content typically saves 5–20%, while flat art and UI
///   save far more. Levels stored without supercompression load straight
///   from the pack into the texture.
/// - `zstd_level`: supercompression level (default 9).
///
/// `encoding` and `quality` are refused for block-compressed DDS and KTX2
/// sources, whose texels are kept; `role` is refused for KTX2.
///
/// DDS rules: a block-compressed DX9 file with a colour or UI role is marked
/// sRGB (DX9 cannot say; DX10 files are kept as they say). A chain that
/// stops short of 1×1 is completed for 2D BC1, BC3, BC4, BC5 and BC7 data
/// by decoding the smallest stored level and encoding the levels below it
/// in the same format; BC2, BC6H, signed BC4/BC5 and volume data keep the
/// levels they have. Uncompressed volume DDS files are refused.
///
/// Every source records the same catalog metadata: `source_format`
/// (`"image"`, `"hdr"`, `"exr"`, `"dds"`, `"ktx2"`), `width`, `height`, `depth`,
/// `layers`, `faces`, `format`, `srgb`, `encoding` (`"passthrough"` when the
/// texels are kept), `supercompression`, `mip_count`, `mip_bytes`,
/// `mip_stored_bytes`, `mip_chunks`, `transcode: true` for Basis Universal
/// data, and for pipeline sources `role` and `has_alpha`.
#[derive(Debug, Clone, Default)]
pub struct TextureImporter {
    /// Size limits for image sources, checked before anything is decoded.
    pub limits: ImageLimits,
    /// Size limits for DDS and KTX2 sources, checked against their headers
    /// before anything is allocated.
    pub container_limits: TextureLimits,
}

impl Importer for TextureImporter {
    fn name(&self) -> &str {
        "texture"
    }

    fn version(&self) -> u32 {
        4
    }

    fn extensions(&self) -> &[&str] {
        &["png", "jpg", "jpeg", "bmp", "tga", "gif", "hdr", "exr", "dds", "ktx2"]
    }

    fn import(&self, input: &ImportInput<'_>) -> Result<ImportedAsset, ImportError> {
        let ext = input.path.extension().map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("dds") => dds::import(self, input),
            Some("ktx2") => ktx2::import(self, input),
            _ => self.import_image(input, ext.as_deref()),
        }
    }
}

impl TextureImporter {
    fn import_image(
        &self,
        input: &ImportInput<'_>,
        ext: Option<&str>,
    ) -> Result<ImportedAsset, ImportError> {
        let meta = input.meta;
        let image = if ext == Some("exr") {
            exr::decode_exr(input.bytes, &self.limits)?
        } else {
            decode_image(input.bytes, ext, &self.limits)
                .map_err(|e| ImportError::new(e.to_string()))?
        };
        let hdr = image.format == PixelFormat::RgbaF32;
        let (role, target) = if hdr {
            settings::check_hdr_role(meta)?;
            (TextureRole::Hdr, settings::hdr_target(meta)?)
        } else {
            let role = settings::role(meta, input.path.file_name())?;
            (role, settings::ldr_target(meta, role, image.source_channels)?)
        };
        let image = to_rgba8(image);
        let cook = Cook::new(meta, role, target)?;
        let file = cook_images(std::slice::from_ref(&image), 0, 1, cook)?;
        let extra = extras([
            ("encoding", json!(target.name())),
            ("role", json!(settings::role_name(role))),
            ("has_alpha", json!(image.has_alpha)),
        ]);
        let source_format = match ext {
            Some("exr") => "exr",
            _ if hdr => "hdr",
            _ => "image",
        };
        cooked(&file, meta, source_format, extra)
    }
}
