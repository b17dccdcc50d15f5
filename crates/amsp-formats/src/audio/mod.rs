//! Audio clips: WAV, OGG Vorbis, FLAC and MP3 sources, decoded whole at load
//! or streamed block by block.
//!
//! - [`layout`]: the cooked form: a header chunk with the seek table, then
//!   data chunks of bounded duration (PCM, or the source's packets).
//! - [`decode`]: symphonia decoding of source files (at cook) and of stored
//!   packets (at run time).
//! - `AudioImporter` (feature `import`): the cook's importer.
//! - `AudioClip`, `AudioClipLoader`, `read_clip` (feature `runtime`): clips
//!   decoded whole at load, with silent placeholders.
//! - `AudioStream` (feature `runtime`): block-by-block decoding with a
//!   bounded window and seeking.

#[cfg(feature = "runtime")]
mod clip;
pub mod decode;
mod error;
#[cfg(feature = "import")]
mod import;
pub mod layout;
#[cfg(feature = "runtime")]
mod stream;

#[cfg(feature = "runtime")]
pub use clip::{AudioClip, AudioClipLoader, ClipState, PLACEHOLDER_FRAMES, read_clip};
pub use error::AudioError;
#[cfg(feature = "import")]
pub use import::{AUTO_STREAM_SECONDS, AudioImporter, CookedAudio, cook};
pub use layout::{AUDIO_TYPE, AudioCodec, AudioHeader, AudioLimits, LoadMode};
#[cfg(feature = "runtime")]
pub use stream::{AudioStream, ChunkReader, PCM_BLOCK_FRAMES};
