//! The cooked material: glTF's metallic-roughness PBR model, with each
//! texture slot naming a texture asset by path, in a compact binary form.
//!
//! ```text
//! "AMSPMAT\0" version:varint(1) name:str
//! base_color:4×f32 metallic:f32 roughness:f32 emissive:3×f32
//! normal_scale:f32 occlusion_strength:f32 alpha_cutoff:f32
//! alpha_mode:u8 (0 opaque, 1 mask, 2 blend) flags:u8 (1 double-sided, 2 unlit)
//! 5 slots (base colour, metallic-roughness, normal, occlusion, emissive):
//!   present:u8; if 1: path:str uv_set:varint
//!   mag:u8 min:u8 mipmap:u8 wrap_u:u8 wrap_v:u8
//! ```

use amsp_core::AssetPath;

use super::data::{ModelDecodeError, read_f32s, read_path, write_f32s, write_str};
use crate::prefab::bytes::{ByteReader, Fault, write_varint};

const MAGIC: &[u8; 8] = b"AMSPMAT\0";
/// Version of the cooked material form.
pub const MATERIAL_FORMAT_VERSION: u64 = 1;

/// How a material's alpha is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlphaMode {
    /// Alpha is ignored.
    #[default]
    Opaque,
    /// Alpha below [`MaterialData::alpha_cutoff`] discards the fragment.
    Mask,
    /// Alpha blends.
    Blend,
}

/// Texture filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    /// Nearest texel.
    Nearest,
    /// Linear interpolation.
    #[default]
    Linear,
}

/// Texture addressing outside 0…1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wrap {
    /// Tile.
    #[default]
    Repeat,
    /// Tile mirrored.
    MirroredRepeat,
    /// Clamp to the edge.
    ClampToEdge,
}

/// How a texture is sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sampler {
    /// Magnification filter.
    pub mag: Filter,
    /// Minification filter.
    pub min: Filter,
    /// Filter between mip levels; `None` samples level 0 only.
    pub mipmap: Option<Filter>,
    /// Addressing along u.
    pub wrap_u: Wrap,
    /// Addressing along v.
    pub wrap_v: Wrap,
}

impl Default for Sampler {
    /// Trilinear, repeating: glTF's default when a texture names no sampler.
    fn default() -> Self {
        Self {
            mag: Filter::Linear,
            min: Filter::Linear,
            mipmap: Some(Filter::Linear),
            wrap_u: Wrap::Repeat,
            wrap_v: Wrap::Repeat,
        }
    }
}

/// A texture slot of a cooked material.
#[derive(Debug, Clone, PartialEq)]
pub struct TextureRef {
    /// The texture asset: another source (`textures/wood.png`) or a
    /// texture embedded in the model (`duck.glb#texture0`).
    pub path: AssetPath,
    /// Which texture coordinate set it uses.
    pub uv_set: u32,
    /// How it is sampled.
    pub sampler: Sampler,
}

/// A cooked material (glTF metallic-roughness PBR).
#[derive(Debug, Clone, PartialEq)]
pub struct MaterialData {
    /// The material's name.
    pub name: String,
    /// Linear RGBA base colour factor.
    pub base_color: [f32; 4],
    /// Base colour texture (sRGB).
    pub base_color_texture: Option<TextureRef>,
    /// Metalness factor.
    pub metallic: f32,
    /// Roughness factor.
    pub roughness: f32,
    /// Metalness (blue) and roughness (green) texture.
    pub metallic_roughness_texture: Option<TextureRef>,
    /// Tangent-space normal map.
    pub normal_texture: Option<TextureRef>,
    /// Scale of the normal map's x and y.
    pub normal_scale: f32,
    /// Ambient occlusion texture (red).
    pub occlusion_texture: Option<TextureRef>,
    /// Strength of the occlusion.
    pub occlusion_strength: f32,
    /// Linear RGB emissive factor.
    pub emissive: [f32; 3],
    /// Emissive texture (sRGB).
    pub emissive_texture: Option<TextureRef>,
    /// How alpha is used.
    pub alpha_mode: AlphaMode,
    /// The alpha threshold of [`AlphaMode::Mask`].
    pub alpha_cutoff: f32,
    /// Whether back faces are drawn.
    pub double_sided: bool,
    /// Whether lighting is skipped (`KHR_materials_unlit`).
    pub unlit: bool,
}

impl Default for MaterialData {
    /// glTF's default material: white, fully metallic and rough, opaque.
    fn default() -> Self {
        Self {
            name: String::new(),
            base_color: [1.0; 4],
            base_color_texture: None,
            metallic: 1.0,
            roughness: 1.0,
            metallic_roughness_texture: None,
            normal_texture: None,
            normal_scale: 1.0,
            occlusion_texture: None,
            occlusion_strength: 1.0,
            emissive: [0.0; 3],
            emissive_texture: None,
            alpha_mode: AlphaMode::Opaque,
            alpha_cutoff: 0.5,
            double_sided: false,
            unlit: false,
        }
    }
}

impl MaterialData {
    /// The texture slots in their stored order: base colour,
    /// metallic-roughness, normal, occlusion, emissive.
    #[must_use]
    pub fn textures(&self) -> [Option<&TextureRef>; 5] {
        [
            self.base_color_texture.as_ref(),
            self.metallic_roughness_texture.as_ref(),
            self.normal_texture.as_ref(),
            self.occlusion_texture.as_ref(),
            self.emissive_texture.as_ref(),
        ]
    }
}

/// Encodes a material in the cooked form.
#[must_use]
pub fn encode_material(m: &MaterialData) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(MAGIC);
    write_varint(&mut out, MATERIAL_FORMAT_VERSION);
    write_str(&mut out, &m.name);
    write_f32s(&mut out, &m.base_color);
    write_f32s(&mut out, &[m.metallic, m.roughness]);
    write_f32s(&mut out, &m.emissive);
    write_f32s(&mut out, &[m.normal_scale, m.occlusion_strength, m.alpha_cutoff]);
    out.push(match m.alpha_mode {
        AlphaMode::Opaque => 0,
        AlphaMode::Mask => 1,
        AlphaMode::Blend => 2,
    });
    out.push(u8::from(m.double_sided) | (u8::from(m.unlit) << 1));
    for slot in m.textures() {
        let Some(t) = slot else {
            out.push(0);
            continue;
        };
        out.push(1);
        write_str(&mut out, t.path.as_str());
        write_varint(&mut out, u64::from(t.uv_set));
        let s = &t.sampler;
        let filter = |f: Filter| match f {
            Filter::Nearest => 0,
            Filter::Linear => 1,
        };
        let wrap = |w: Wrap| match w {
            Wrap::Repeat => 0,
            Wrap::MirroredRepeat => 1,
            Wrap::ClampToEdge => 2,
        };
        out.extend_from_slice(&[
            filter(s.mag),
            filter(s.min),
            s.mipmap.map_or(2, filter),
            wrap(s.wrap_u),
            wrap(s.wrap_v),
        ]);
    }
    out
}

/// Decodes a cooked material.
///
/// # Errors
/// [`ModelDecodeError`] for bytes that are not a valid cooked material.
pub fn decode_material(bytes: &[u8]) -> Result<MaterialData, ModelDecodeError> {
    decode(bytes).map_err(|f| ModelDecodeError::from_fault("material", f))
}

fn decode(bytes: &[u8]) -> Result<MaterialData, Fault> {
    let mut r = ByteReader::new(bytes);
    r.magic(MAGIC, "material")?;
    let version = r.varint()?;
    if version != MATERIAL_FORMAT_VERSION {
        return Err(
            r.fault(format!("format version {version}, expected {MATERIAL_FORMAT_VERSION}"))
        );
    }
    let name = r.str()?.to_owned();
    let base_color = read_f32s::<4>(&mut r)?;
    let [metallic, roughness] = read_f32s::<2>(&mut r)?;
    let emissive = read_f32s::<3>(&mut r)?;
    let [normal_scale, occlusion_strength, alpha_cutoff] = read_f32s::<3>(&mut r)?;
    let alpha_mode = match r.byte()? {
        0 => AlphaMode::Opaque,
        1 => AlphaMode::Mask,
        2 => AlphaMode::Blend,
        other => return Err(r.fault(format!("alpha mode {other}"))),
    };
    let flags = r.byte()?;
    if flags > 3 {
        return Err(r.fault(format!("flags {flags:#x}")));
    }
    let mut slots: [Option<TextureRef>; 5] = Default::default();
    for slot in &mut slots {
        match r.byte()? {
            0 => continue,
            1 => {}
            other => return Err(r.fault(format!("texture slot marker {other}"))),
        }
        let path = read_path(&mut r)?;
        let uv = r.varint()?;
        let uv_set = u32::try_from(uv).map_err(|_| r.fault(format!("uv set {uv}")))?;
        let [mag, min, mip, wrap_u, wrap_v] = r.array::<5>()?;
        let filter = |b: u8| match b {
            0 => Some(Filter::Nearest),
            1 => Some(Filter::Linear),
            _ => None,
        };
        let wrap = |b: u8| match b {
            0 => Some(Wrap::Repeat),
            1 => Some(Wrap::MirroredRepeat),
            2 => Some(Wrap::ClampToEdge),
            _ => None,
        };
        let bad = || r.fault("sampler byte out of range");
        let sampler = Sampler {
            mag: filter(mag).ok_or_else(bad)?,
            min: filter(min).ok_or_else(bad)?,
            mipmap: match mip {
                2 => None,
                b => Some(filter(b).ok_or_else(bad)?),
            },
            wrap_u: wrap(wrap_u).ok_or_else(bad)?,
            wrap_v: wrap(wrap_v).ok_or_else(bad)?,
        };
        *slot = Some(TextureRef { path, uv_set, sampler });
    }
    if !r.at_end() {
        return Err(r.fault("trailing bytes"));
    }
    let [
        base_color_texture,
        metallic_roughness_texture,
        normal_texture,
        occlusion_texture,
        emissive_texture,
    ] = slots;
    Ok(MaterialData {
        name,
        base_color,
        base_color_texture,
        metallic,
        roughness,
        metallic_roughness_texture,
        normal_texture,
        normal_scale,
        occlusion_texture,
        occlusion_strength,
        emissive,
        emissive_texture,
        alpha_mode,
        alpha_cutoff,
        double_sided: flags & 1 != 0,
        unlit: flags & 2 != 0,
    })
}
