//! glTF materials, textures, samplers and images → cooked materials, and
//! the images embedded in the model cooked as texture sub-assets.

use std::collections::BTreeMap;

use amsp_cook::{AssetMeta, ImportError, ImportInput, ImportedAsset, Importer, SubAsset};
use amsp_core::{AssetId, AssetPath};
use gltf::json::material::AlphaMode as GltfAlpha;
use gltf::json::texture::{MagFilter, MinFilter, WrappingMode};
use gltf::json::validation::Checked;

use crate::mesh::MeshError;
use crate::mesh::import::gltf::{Document, decode_data_uri};
use crate::model::material::{AlphaMode, Filter, MaterialData, Sampler, TextureRef, Wrap};
use crate::texture::TextureImporter;

/// What a texture is used for, which decides how it is cooked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Usage {
    /// Base colour or emissive: sRGB colour.
    Color,
    /// Tangent-space normals.
    Normal,
    /// Metallic-roughness or occlusion: linear data.
    Linear,
}

impl Usage {
    fn role(self) -> &'static str {
        match self {
            Usage::Color => "color",
            Usage::Normal => "normal",
            Usage::Linear => "linear",
        }
    }
}

/// Where an image's bytes are.
enum ImageSource {
    /// Another file of the cook, relative to the source root.
    External(AssetPath),
    /// Bytes inside the model (a buffer view or a data URI), with the
    /// extension their MIME type implies.
    Embedded(Vec<u8>, &'static str),
}

/// The materials of a model and the texture sub-assets they need.
pub(super) struct Materials {
    /// One per glTF material, in order.
    pub materials: Vec<MaterialData>,
    /// Embedded images cooked as textures.
    pub textures: Vec<SubAsset>,
    /// Other sources the materials use (external images).
    pub external: Vec<AssetPath>,
}

/// Converts every material of the document. `resolve(uri)` turns an image
/// URI into the path of a source of the cook (or an error saying why not).
pub(super) fn read_materials(
    doc: &mut Document<'_>,
    source: &AssetPath,
    meta: &AssetMeta,
    textures: &TextureImporter,
    resolve: &dyn Fn(&str) -> Result<AssetPath, String>,
) -> Result<Materials, ImportError> {
    let root = &doc.root;
    // First use of each image decides how it is cooked.
    let mut usage: BTreeMap<usize, Usage> = BTreeMap::new();
    let mut slots = Vec::new();
    for (m, material) in root.materials.iter().enumerate() {
        let pbr = &material.pbr_metallic_roughness;
        let mut slot =
            |index: usize, uv: u32, use_: Usage| -> Result<(usize, u32, Usage), ImportError> {
                let texture = root.textures.get(index).ok_or_else(|| {
                    ImportError::new(format!("material {m}: texture {index} does not exist"))
                })?;
                let image = texture.source.value();
                if image >= root.images.len() {
                    return Err(ImportError::new(format!(
                        "texture {index}: image {image} does not exist"
                    )));
                }
                usage.entry(image).or_insert(use_);
                Ok((index, uv, use_))
            };
        let base = pbr
            .base_color_texture
            .as_ref()
            .map(|t| slot(t.index.value(), t.tex_coord, Usage::Color))
            .transpose()?;
        let mr = pbr
            .metallic_roughness_texture
            .as_ref()
            .map(|t| slot(t.index.value(), t.tex_coord, Usage::Linear))
            .transpose()?;
        let normal = material
            .normal_texture
            .as_ref()
            .map(|t| slot(t.index.value(), t.tex_coord, Usage::Normal))
            .transpose()?;
        let occlusion = material
            .occlusion_texture
            .as_ref()
            .map(|t| slot(t.index.value(), t.tex_coord, Usage::Linear))
            .transpose()?;
        let emissive = material
            .emissive_texture
            .as_ref()
            .map(|t| slot(t.index.value(), t.tex_coord, Usage::Color))
            .transpose()?;
        slots.push([base, mr, normal, occlusion, emissive]);
    }

    // Images: external ones are other sources; embedded ones are cooked here.
    let mut image_paths: BTreeMap<usize, AssetPath> = BTreeMap::new();
    let mut sub_textures = Vec::new();
    let mut external = Vec::new();
    for (&index, &use_) in &usage {
        let label = format!("texture{index}");
        match image_source(doc, index, resolve)? {
            ImageSource::External(path) => {
                if !external.contains(&path) {
                    external.push(path.clone());
                }
                image_paths.insert(index, path);
            }
            ImageSource::Embedded(bytes, ext) => {
                let path =
                    source.with_label(&label).map_err(|e| ImportError::new(e.to_string()))?;
                let asset = cook_embedded(textures, &bytes, ext, use_, meta)
                    .map_err(|e| ImportError::new(format!("image {index}: {}", e.0)))?;
                sub_textures.push(SubAsset { label, asset });
                image_paths.insert(index, path);
            }
        }
    }

    let root = &doc.root;
    let mut materials = Vec::with_capacity(root.materials.len());
    for (material, slot) in root.materials.iter().zip(slots) {
        let texture_ref = |s: Option<(usize, u32, Usage)>| -> Option<TextureRef> {
            let (index, uv_set, _) = s?;
            let texture = &root.textures[index];
            let path = image_paths.get(&texture.source.value())?.clone();
            let sampler = texture
                .sampler
                .and_then(|s| root.samplers.get(s.value()))
                .map(sampler)
                .unwrap_or_default();
            Some(TextureRef { path, uv_set, sampler })
        };
        let [base, mr, normal, occlusion, emissive] = slot;
        let pbr = &material.pbr_metallic_roughness;
        let alpha_mode = match material.alpha_mode {
            Checked::Valid(GltfAlpha::Mask) => AlphaMode::Mask,
            Checked::Valid(GltfAlpha::Blend) => AlphaMode::Blend,
            _ => AlphaMode::Opaque,
        };
        let unlit = material
            .extensions
            .as_ref()
            .is_some_and(|e| e.others.contains_key("KHR_materials_unlit"));
        let data = MaterialData {
            name: material.name.clone().unwrap_or_default(),
            base_color: pbr.base_color_factor.0,
            base_color_texture: texture_ref(base),
            metallic: pbr.metallic_factor.0,
            roughness: pbr.roughness_factor.0,
            metallic_roughness_texture: texture_ref(mr),
            normal_texture: texture_ref(normal),
            normal_scale: material.normal_texture.as_ref().map_or(1.0, |t| t.scale),
            occlusion_texture: texture_ref(occlusion),
            occlusion_strength: material.occlusion_texture.as_ref().map_or(1.0, |t| t.strength.0),
            emissive: material.emissive_factor.0,
            emissive_texture: texture_ref(emissive),
            alpha_mode,
            alpha_cutoff: material.alpha_cutoff.map_or(0.5, |c| c.0),
            double_sided: material.double_sided,
            unlit,
        };
        let scalars = [
            data.metallic,
            data.roughness,
            data.normal_scale,
            data.occlusion_strength,
            data.alpha_cutoff,
        ];
        if data.base_color.iter().chain(&data.emissive).chain(&scalars).any(|v| !v.is_finite()) {
            return Err(ImportError::new(format!(
                "material {:?}: a factor is not finite",
                data.name
            )));
        }
        materials.push(data);
    }
    Ok(Materials { materials, textures: sub_textures, external })
}

fn sampler(s: &gltf::json::texture::Sampler) -> Sampler {
    let mag = match s.mag_filter {
        Some(Checked::Valid(MagFilter::Nearest)) => Filter::Nearest,
        _ => Filter::Linear,
    };
    let (min, mipmap) = match s.min_filter {
        Some(Checked::Valid(f)) => match f {
            MinFilter::Nearest => (Filter::Nearest, None),
            MinFilter::Linear => (Filter::Linear, None),
            MinFilter::NearestMipmapNearest => (Filter::Nearest, Some(Filter::Nearest)),
            MinFilter::LinearMipmapNearest => (Filter::Linear, Some(Filter::Nearest)),
            MinFilter::NearestMipmapLinear => (Filter::Nearest, Some(Filter::Linear)),
            MinFilter::LinearMipmapLinear => (Filter::Linear, Some(Filter::Linear)),
        },
        _ => (Filter::Linear, Some(Filter::Linear)),
    };
    let wrap = |w: Checked<WrappingMode>| match w {
        Checked::Valid(WrappingMode::ClampToEdge) => Wrap::ClampToEdge,
        Checked::Valid(WrappingMode::MirroredRepeat) => Wrap::MirroredRepeat,
        _ => Wrap::Repeat,
    };
    Sampler { mag, min, mipmap, wrap_u: wrap(s.wrap_s), wrap_v: wrap(s.wrap_t) }
}

/// Where image `index` lives.
fn image_source(
    doc: &mut Document<'_>,
    index: usize,
    resolve: &dyn Fn(&str) -> Result<AssetPath, String>,
) -> Result<ImageSource, ImportError> {
    let image = &doc.root.images[index];
    let err = |m: String| ImportError::new(format!("image {index}: {m}"));
    let mime = image.mime_type.as_ref().map(|m| m.0.clone());
    let ext_of = |mime: Option<&str>, bytes: &[u8]| -> Result<&'static str, ImportError> {
        match mime {
            Some("image/png") => Ok("png"),
            Some("image/jpeg") => Ok("jpg"),
            Some("image/ktx2") => Ok("ktx2"),
            Some(other) => Err(err(format!("MIME type {other:?} is not supported"))),
            None if bytes.starts_with(b"\x89PNG") => Ok("png"),
            None if bytes.starts_with(&[0xff, 0xd8]) => Ok("jpg"),
            None => Err(err("no MIME type and not a PNG or JPEG".into())),
        }
    };
    match (&image.uri, image.buffer_view) {
        (Some(uri), _) if uri.starts_with("data:") => {
            let header_mime = uri.strip_prefix("data:").and_then(|u| u.split([';', ',']).next());
            let bytes = decode_data_uri(uri).ok_or_else(|| err("malformed data URI".into()))?;
            let ext = ext_of(header_mime.filter(|m| !m.is_empty()).or(mime.as_deref()), &bytes)?;
            Ok(ImageSource::Embedded(bytes, ext))
        }
        (Some(uri), _) => {
            resolve(uri).map(ImageSource::External).map_err(|m| err(format!("{uri:?}: {m}")))
        }
        (None, Some(view)) => {
            let bytes = doc.view(view.value()).map_err(|e: MeshError| err(e.to_string()))?.to_vec();
            let ext = ext_of(mime.as_deref(), &bytes)?;
            Ok(ImageSource::Embedded(bytes, ext))
        }
        (None, None) => Err(err("neither a URI nor a buffer view".into())),
    }
}

/// Cooks an embedded image with the texture importer: the role follows the
/// image's use, and the model's `texture_*` settings apply (`texture_encoding`
/// → `encoding`, …).
fn cook_embedded(
    textures: &TextureImporter,
    bytes: &[u8],
    ext: &str,
    usage: Usage,
    model_meta: &AssetMeta,
) -> Result<ImportedAsset, ImportError> {
    let mut meta = AssetMeta::with_id(AssetId::NIL);
    for (key, value) in &model_meta.settings {
        if let Some(key) = key.strip_prefix("texture_") {
            meta.settings.insert(key.to_owned(), value.clone());
        }
    }
    if ext != "ktx2" {
        meta.settings
            .entry("role".into())
            .or_insert_with(|| ron::Value::String(usage.role().into()));
    }
    let path =
        AssetPath::new(&format!("embedded.{ext}")).map_err(|e| ImportError::new(e.to_string()))?;
    textures.import(&ImportInput { path: &path, bytes, meta: &meta })
}

/// `uri` (percent-encoded, relative to the model's folder) as a path in
/// the source tree; `..` may climb inside the tree but not out of it.
pub(super) fn relative_path(model: &AssetPath, uri: &str) -> Result<AssetPath, String> {
    let decoded = percent_decode(uri).ok_or("malformed percent-encoding")?;
    if decoded.starts_with('/') || decoded.contains(':') || decoded.contains('\\') {
        return Err("the URI is absolute or has a scheme".into());
    }
    let mut parts: Vec<&str> = model.as_str().split('/').collect();
    parts.pop();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or("the URI leaves the source folder")?;
            }
            s => parts.push(s),
        }
    }
    AssetPath::new(&parts.join("/")).map_err(|e| e.to_string())
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_resolve_inside_the_tree() {
        let model = AssetPath::new("models/duck/duck.gltf").unwrap();
        let ok = |uri: &str| relative_path(&model, uri).unwrap().to_string();
        assert_eq!(ok("DuckCM.png"), "models/duck/DuckCM.png");
        assert_eq!(ok("../shared/wood%20grain.png"), "models/shared/wood grain.png");
        assert_eq!(ok("./tex/../a.png"), "models/duck/a.png");
        for bad in
            ["../../../x.png", "/etc/passwd", "C:/x.png", "http://x/y.png", "%zz.png", "a\\b.png"]
        {
            assert!(relative_path(&model, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn samplers_map_filters_and_wraps() {
        let json = r#"{"magFilter":9728,"minFilter":9985,"wrapS":33071,"wrapT":33648}"#;
        let s: gltf::json::texture::Sampler = serde_json::from_str(json).unwrap();
        assert_eq!(
            sampler(&s),
            Sampler {
                mag: Filter::Nearest,
                min: Filter::Linear,
                mipmap: Some(Filter::Nearest),
                wrap_u: Wrap::ClampToEdge,
                wrap_v: Wrap::MirroredRepeat,
            }
        );
    }
}
