//! Errors of audio decoding, cooked-layout parsing and streaming.

use amsp_core::{AssetId, AssetPath};

/// Why audio could not be decoded, cooked or streamed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// The source is not a file symphonia recognises (WAV, OGG, FLAC, MP3).
    #[error("{file}: unrecognised audio format: {message}")]
    UnknownFormat {
        /// The file, as given by the caller.
        file: String,
        /// What the probe said.
        message: String,
    },
    /// The file holds no audio track.
    #[error("{file}: no audio track")]
    NoAudioTrack {
        /// The file.
        file: String,
    },
    /// The codec of the audio track is not one AMSP cooks.
    #[error("{file}: unsupported codec {codec}")]
    UnsupportedCodec {
        /// The file.
        file: String,
        /// The codec, as symphonia names it.
        codec: String,
    },
    /// The audio data is damaged (truncated, corrupt, inconsistent).
    #[error("{file}: corrupt audio data: {message}")]
    Corrupt {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A size read from the data exceeds the configured limits.
    #[error("{file}: {what} is {value}, over the limit of {limit}")]
    Limit {
        /// The file.
        file: String,
        /// Which quantity.
        what: &'static str,
        /// Its value.
        value: u64,
        /// The limit.
        limit: u64,
    },
    /// The cooked layout is malformed.
    #[error("cooked audio: {0}")]
    Layout(String),
    /// A seek past the end of the clip.
    #[error("seek to frame {frame} past the end ({frames} frames)")]
    SeekOutOfRange {
        /// The requested frame.
        frame: u64,
        /// The clip's length in frames.
        frames: u64,
    },
    /// Reading a chunk from the asset source failed.
    #[error("reading chunk {chunk}: {source}")]
    Read {
        /// The chunk.
        chunk: u32,
        /// The source's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An error of a stream of a loaded asset (see `AudioStreamSource`):
    /// the asset, and what went wrong with it. A failed chunk read is a
    /// [`AudioError::Read`] inside, whose source is the server's load error
    /// (`LoadError::Corrupt` for a chunk that fails its checksum,
    /// `LoadError::Io` or `LoadError::NotFound` for a source that is gone).
    #[error("audio asset '{path}' (id {id}): {source}")]
    Asset {
        /// The asset's id.
        id: AssetId,
        /// The asset's path.
        path: AssetPath,
        /// What went wrong.
        #[source]
        source: Box<AudioError>,
    },
}

impl AudioError {
    /// The asset the error is about, for errors of a stream of a loaded
    /// asset.
    #[must_use]
    pub fn asset(&self) -> Option<(AssetId, &AssetPath)> {
        match self {
            Self::Asset { id, path, .. } => Some((*id, path)),
            _ => None,
        }
    }

    /// The error without its [`AudioError::Asset`] wrapping.
    #[must_use]
    pub fn inner(&self) -> &AudioError {
        match self {
            Self::Asset { source, .. } => source.inner(),
            other => other,
        }
    }

    /// The asset server's load error behind a failed chunk read of a
    /// stream of a loaded asset: it says whether the chunk failed its
    /// checksum ([`LoadError::Corrupt`](amsp_runtime::LoadError::Corrupt))
    /// or the source is gone, and names the asset.
    #[cfg(feature = "runtime")]
    #[must_use]
    pub fn load_error(&self) -> Option<&amsp_runtime::LoadError> {
        match self.inner() {
            Self::Read { source, .. } => source.downcast_ref::<amsp_runtime::LoadError>(),
            _ => None,
        }
    }

    /// A [`AudioError::Layout`] error.
    pub(crate) fn layout(message: impl Into<String>) -> Self {
        Self::Layout(message.into())
    }
}
