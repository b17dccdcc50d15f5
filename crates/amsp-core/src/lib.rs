//! Core vocabulary of AMSP, shared by every other crate.
//!
//! - [`AssetId`]: the stable 128-bit identity of an asset. It is created once,
//!   on the first cook, kept in the `.meta` sidecar next to the source file, and
//!   survives renames.
//! - [`ContentHash`]: a 256-bit BLAKE3 digest of cooked bytes, used for content
//!   addressing and integrity checks.
//! - [`AssetPath`]: a normalised, relative, forward-slash path inside an asset
//!   tree; anything that could escape the tree is rejected.
//! - [`Priority`] and [`PriorityClass`]: the priority that travels with a load
//!   request through every stage.
//! - [`Codec`]: how a stored chunk is compressed.
//!
//! ```
//! use amsp_core::{AssetId, AssetPath, Priority, PriorityClass};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let id: AssetId = "0123456789abcdef0123456789abcdef".parse()?;
//! assert_eq!(id.to_string(), "0123456789abcdef0123456789abcdef");
//!
//! let path = AssetPath::new("textures\\rock/./albedo.png")?;
//! assert_eq!(path.as_str(), "textures/rock/albedo.png");
//! assert!(AssetPath::new("../secret").is_err());
//!
//! assert!(Priority::new(PriorityClass::High) > Priority::new(PriorityClass::Normal));
//! # Ok(())
//! # }
//! ```

mod codec;
mod hash;
mod id;
mod path;
mod priority;

pub use codec::{Codec, UnknownCodecError};
pub use hash::{ContentHash, ParseHashError};
pub use id::{AssetId, ParseIdError};
pub use path::{AssetPath, PathError};
pub use priority::{Priority, PriorityClass};
