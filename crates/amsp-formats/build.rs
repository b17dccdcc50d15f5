//! Links the C++ runtime that the ISPC texture compressor (`intel_tex_2`)
//! needs; without it linking fails on `__gxx_personality_v0`.

fn main() {
    println!("cargo:rustc-link-lib=stdc++");
    println!("cargo:rerun-if-changed=build.rs");
}
