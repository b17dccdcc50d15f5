// A textured, lit mesh: position, uv and (optionally) normal attributes.

struct Uniforms {
    mvp: mat4x4<f32>,
    model: mat4x4<f32>,
    // x: 1 when the mesh has normals (lit), 0 when not.
    params: vec4<f32>,
};

@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var base_color: texture_2d<f32>;
@group(0) @binding(2) var base_sampler: sampler;

struct VsOut {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
    @location(1) normal: vec3<f32>,
};

@vertex
fn vs(@location(0) position: vec3<f32>, @location(1) uv: vec2<f32>, @location(2) normal: vec3<f32>) -> VsOut {
    var out: VsOut;
    out.position = u.mvp * vec4<f32>(position, 1.0);
    out.uv = uv;
    out.normal = (u.model * vec4<f32>(normal, 0.0)).xyz;
    return out;
}

@fragment
fn fs(in: VsOut) -> @location(0) vec4<f32> {
    let color = textureSample(base_color, base_sampler, in.uv);
    let light = normalize(vec3<f32>(0.4, 0.8, 0.5));
    let diffuse = max(dot(normalize(in.normal), light), 0.0);
    let shade = mix(1.0, 0.35 + 0.65 * diffuse, u.params.x);
    return vec4<f32>(color.rgb * shade, 1.0);
}
