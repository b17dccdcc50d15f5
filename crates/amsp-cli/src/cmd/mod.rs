//! One module per subcommand.

pub mod cook;
pub mod demo;
pub mod demo_gpu;
pub mod demo_models;
pub mod demo_stats;
pub mod demo_textures;
pub mod demo_transcode;
pub mod dev;
pub mod query;
pub mod simulate;
pub mod verify;
