//! Errors of audio decoding, cooked-layout parsing and streaming.

/// Why audio could not be decoded, cooked or streamed.
#[derive(Debug, thiserror::Error)]
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
}

impl AudioError {
    /// A [`AudioError::Layout`] error.
    pub(crate) fn layout(message: impl Into<String>) -> Self {
        Self::Layout(message.into())
    }
}
