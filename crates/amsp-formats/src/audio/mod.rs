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
//!   bounded window and seeking, to f32 or i16 ([`f32_to_i16`]).
//! - `AudioStreamSource`, `AudioStreamSourceLoader` (feature `runtime`): a
//!   clip loaded through the asset server for streaming (chunk 0 only);
//!   each `open` gives an independent `AudioStream` reading the data chunks
//!   through the server's source.

#[cfg(feature = "runtime")]
mod clip;
pub mod decode;
mod error;
#[cfg(feature = "import")]
mod import;
pub mod layout;
mod pcm;
#[cfg(feature = "runtime")]
mod stream;
#[cfg(feature = "runtime")]
mod stream_source;

#[cfg(feature = "runtime")]
pub use clip::{AudioClip, AudioClipLoader, ClipState, PLACEHOLDER_FRAMES, read_clip};
pub use error::AudioError;
#[cfg(feature = "import")]
pub use import::{AUTO_STREAM_SECONDS, AudioImporter, CookedAudio, cook};
pub use layout::{AUDIO_TYPE, AudioCodec, AudioHeader, AudioLimits, LoadMode};
pub use pcm::{f32_to_i16, samples_to_i16};
#[cfg(feature = "runtime")]
pub use stream::{AudioStream, ChunkReader, PCM_BLOCK_FRAMES};
#[cfg(feature = "runtime")]
pub use stream_source::{AudioStreamSource, AudioStreamSourceLoader};
