//! Asset formats: how each asset type is imported from its source files and
//! loaded into its runtime form.
//!
//! - [`texture`]: images and GPU texture containers (KTX2).
//! - [`prefab`]: prefabs and scenes, scripts and data tables.

pub mod prefab;
pub mod texture;
