//! The cooked audio layout: a header chunk and bounded data chunks.
//!
//! Chunk 0 is an [`AudioHeader`]: codec, sample rate, channels, length in
//! frames, the load mode, the codec's setup data and the seek table (first
//! frame, frame count and byte size of every data chunk). Chunks `1..=n`
//! hold the audio, each a bounded duration:
//!
//! - **PCM** (from WAV): interleaved little-endian samples (`i16` or `f32`),
//!   the chunk's frames and nothing else.
//! - **FLAC, Vorbis, MP3**: the source's packets, untouched, cut at packet
//!   boundaries. A chunk starts with a `u32` packet count, then one 32-byte
//!   [`PacketEntry`] per packet, then the packets' bytes in order.
//!
//! Every integer is little-endian, every size is checked against the chunk
//! and [`AudioLimits`] before anything is allocated.

use super::error::AudioError;

/// The cooked type name of audio assets.
pub const AUDIO_TYPE: &str = "audio";

/// Packets of the previous chunk an MP3 stream decodes (and drops) before
/// a seek target's chunk: at least this many…
pub const MP3_PREROLL_PACKETS: usize = 4;
/// …and at least this many bytes of them (MP3 main data reaches back up
/// to 511 bytes).
pub const MP3_PREROLL_BYTES: usize = 1024;
/// The cook closes a Vorbis or MP3 data chunk only once it holds at least
/// this many packets…
pub const MIN_CHUNK_PACKETS: usize = 8;
/// …and this many packet bytes, so that a seek's warm-up packets always
/// lie in the one chunk before the target's.
pub const MIN_CHUNK_PACKET_BYTES: usize = 2048;

const MAGIC: &[u8; 8] = b"AMSPAUD1";
const PACKET_ENTRY_BYTES: usize = 32;

/// How a cooked audio asset is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    /// Raw interleaved PCM.
    Pcm(SampleFormat),
    /// FLAC frames.
    Flac,
    /// Vorbis packets.
    Vorbis,
    /// MPEG-1/2 layer III frames.
    Mp3,
}

impl AudioCodec {
    /// The name recorded in the catalog (`pcm_s16`, `pcm_f32`, `flac`,
    /// `vorbis`, `mp3`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            AudioCodec::Pcm(SampleFormat::I16) => "pcm_s16",
            AudioCodec::Pcm(SampleFormat::F32) => "pcm_f32",
            AudioCodec::Flac => "flac",
            AudioCodec::Vorbis => "vorbis",
            AudioCodec::Mp3 => "mp3",
        }
    }

    fn code(self) -> u8 {
        match self {
            AudioCodec::Pcm(SampleFormat::I16) => 0,
            AudioCodec::Pcm(SampleFormat::F32) => 1,
            AudioCodec::Flac => 2,
            AudioCodec::Vorbis => 3,
            AudioCodec::Mp3 => 4,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => AudioCodec::Pcm(SampleFormat::I16),
            1 => AudioCodec::Pcm(SampleFormat::F32),
            2 => AudioCodec::Flac,
            3 => AudioCodec::Vorbis,
            4 => AudioCodec::Mp3,
            _ => return None,
        })
    }
}

/// Sample format of stored PCM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SampleFormat {
    /// Signed 16-bit integers (sources of 16 bits or fewer).
    I16,
    /// 32-bit floats (24- and 32-bit integer and float sources).
    F32,
}

impl SampleFormat {
    /// Bytes per sample.
    #[must_use]
    pub fn bytes(self) -> usize {
        match self {
            SampleFormat::I16 => 2,
            SampleFormat::F32 => 4,
        }
    }
}

/// Whether a clip is decoded whole at load or streamed chunk by chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoadMode {
    /// Decoded to PCM when the asset loads.
    Decompress,
    /// Decoded block by block through an `AudioStream`.
    Stream,
}

impl LoadMode {
    /// The name used in settings and the catalog.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            LoadMode::Decompress => "decompress",
            LoadMode::Stream => "stream",
        }
    }
}

/// One data chunk in the seek table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkEntry {
    /// Index of the chunk's first output frame in the clip.
    pub first_frame: u64,
    /// Output frames the chunk yields.
    pub frames: u64,
    /// Stored bytes of the chunk.
    pub bytes: u64,
}

/// The header chunk of a cooked audio asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioHeader {
    /// How the audio is stored.
    pub codec: AudioCodec,
    /// How the clip loads.
    pub load: LoadMode,
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels per frame.
    pub channels: u16,
    /// Speaker positions as symphonia's position bits (0: discrete channels).
    pub channel_mask: u64,
    /// Length of the clip in output frames.
    pub frames: u64,
    /// Bits per decoded sample, if the source says (0: unknown).
    pub bits_per_sample: u32,
    /// Most frames one packet decodes to, if known (0: unknown).
    pub max_frames_per_packet: u32,
    /// The codec's setup data (FLAC stream info, Vorbis headers).
    pub extra_data: Vec<u8>,
    /// One entry per data chunk (chunk `i + 1`), in order.
    pub chunks: Vec<ChunkEntry>,
}

/// Limits checked against cooked and source audio before allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioLimits {
    /// Most channels.
    pub max_channels: u16,
    /// Highest sample rate.
    pub max_sample_rate: u32,
    /// Longest clip, in frames.
    pub max_frames: u64,
    /// Most decoded bytes held for one clip (f32 samples).
    pub max_decoded_bytes: u64,
    /// Largest data chunk.
    pub max_chunk_bytes: u64,
    /// Most data chunks.
    pub max_chunks: u32,
    /// Largest codec setup data.
    pub max_extra_data: u32,
}

impl Default for AudioLimits {
    fn default() -> Self {
        Self {
            max_channels: 32,
            max_sample_rate: 768_000,
            max_frames: 48_000 * 60 * 60 * 4,
            max_decoded_bytes: 1 << 30,
            max_chunk_bytes: 64 << 20,
            max_chunks: 1 << 20,
            max_extra_data: 1 << 20,
        }
    }
}

impl AudioHeader {
    /// Length in seconds.
    #[must_use]
    pub fn duration_s(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate.max(1))
    }

    /// The data chunk (index into [`chunks`](Self::chunks)) holding output
    /// frame `frame`, or `None` past the end.
    #[must_use]
    pub fn chunk_of_frame(&self, frame: u64) -> Option<usize> {
        let i = self.chunks.partition_point(|c| c.first_frame + c.frames <= frame);
        (i < self.chunks.len()).then_some(i)
    }

    /// The header as stored in chunk 0.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.extra_data.len() + 24 * self.chunks.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[self.codec.code(), self.load as u8, 0, 0]);
        out.extend_from_slice(&self.sample_rate.to_le_bytes());
        out.extend_from_slice(&u32::from(self.channels).to_le_bytes());
        out.extend_from_slice(&self.channel_mask.to_le_bytes());
        out.extend_from_slice(&self.frames.to_le_bytes());
        out.extend_from_slice(&self.bits_per_sample.to_le_bytes());
        out.extend_from_slice(&self.max_frames_per_packet.to_le_bytes());
        out.extend_from_slice(&(self.extra_data.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.extra_data);
        out.extend_from_slice(&(self.chunks.len() as u32).to_le_bytes());
        for c in &self.chunks {
            out.extend_from_slice(&c.first_frame.to_le_bytes());
            out.extend_from_slice(&c.frames.to_le_bytes());
            out.extend_from_slice(&c.bytes.to_le_bytes());
        }
        out
    }

    /// Parses chunk 0, checking it against `limits` and itself (chunks
    /// contiguous and summing to the clip length).
    ///
    /// # Errors
    /// [`AudioError::Layout`] for malformed bytes, [`AudioError::Limit`]
    /// for sizes over `limits`.
    pub fn parse(bytes: &[u8], limits: &AudioLimits) -> Result<Self, AudioError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8)? != MAGIC {
            return Err(AudioError::layout("not a cooked audio header (bad magic)"));
        }
        let flags = r.take(4)?;
        let codec = AudioCodec::from_code(flags[0])
            .ok_or_else(|| AudioError::layout(format!("unknown codec code {}", flags[0])))?;
        let load = match flags[1] {
            0 => LoadMode::Decompress,
            1 => LoadMode::Stream,
            other => return Err(AudioError::layout(format!("unknown load mode {other}"))),
        };
        let sample_rate = r.u32()?;
        let channels = r.u32()?;
        let channel_mask = r.u64()?;
        let frames = r.u64()?;
        let bits_per_sample = r.u32()?;
        let max_frames_per_packet = r.u32()?;
        let limit = |what, value: u64, limit: u64| {
            if value > limit {
                Err(AudioError::Limit { file: "cooked audio".into(), what, value, limit })
            } else {
                Ok(())
            }
        };
        limit("channel count", u64::from(channels), u64::from(limits.max_channels))?;
        limit("sample rate", u64::from(sample_rate), u64::from(limits.max_sample_rate))?;
        limit("frame count", frames, limits.max_frames)?;
        if channels == 0 || sample_rate == 0 {
            return Err(AudioError::layout("zero channels or sample rate"));
        }
        let extra_len = r.u32()?;
        limit("codec setup data", u64::from(extra_len), u64::from(limits.max_extra_data))?;
        let extra_data = r.take(extra_len as usize)?.to_vec();
        let count = r.u32()?;
        limit("chunk count", u64::from(count), u64::from(limits.max_chunks))?;
        if (count as usize).checked_mul(24).is_none_or(|n| n > r.remaining()) {
            return Err(AudioError::layout("seek table runs past the header"));
        }
        let mut chunks = Vec::with_capacity(count as usize);
        let mut next = 0u64;
        for i in 0..count {
            let entry = ChunkEntry { first_frame: r.u64()?, frames: r.u64()?, bytes: r.u64()? };
            if entry.first_frame != next {
                return Err(AudioError::layout(format!("chunk {} does not follow on", i + 1)));
            }
            limit("chunk size", entry.bytes, limits.max_chunk_bytes)?;
            next = next
                .checked_add(entry.frames)
                .ok_or_else(|| AudioError::layout("chunk frames overflow"))?;
            chunks.push(entry);
        }
        if next != frames {
            return Err(AudioError::layout(format!(
                "chunks hold {next} frames, the header says {frames}"
            )));
        }
        Ok(Self {
            codec,
            load,
            sample_rate,
            channels: channels as u16,
            channel_mask,
            frames,
            bits_per_sample,
            max_frames_per_packet,
            extra_data,
            chunks,
        })
    }
}

/// One stored packet's entry in a data chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PacketEntry {
    /// Bytes of the packet.
    pub size: u32,
    /// Output frames the packet decodes to (after trimming).
    pub frames: u32,
    /// Decoded frames to drop from the packet's start (encoder delay).
    pub trim_start: u32,
    /// Decoded frames to drop from the packet's end (padding).
    pub trim_end: u32,
    /// Presentation timestamp, in the source track's time base.
    pub pts: i64,
    /// Duration of the packet's valid frames, in that time base.
    pub dur: u64,
}

/// The packets of a data chunk: their entries and a view of their bytes.
#[derive(Debug)]
pub struct PacketChunk<'a> {
    /// The entries, in order.
    pub entries: Vec<PacketEntry>,
    /// Each packet's bytes.
    pub data: Vec<&'a [u8]>,
}

/// Builds a packet data chunk.
#[must_use]
pub fn write_packet_chunk(packets: &[(PacketEntry, &[u8])]) -> Vec<u8> {
    let data: usize = packets.iter().map(|(_, d)| d.len()).sum();
    let mut out = Vec::with_capacity(4 + PACKET_ENTRY_BYTES * packets.len() + data);
    out.extend_from_slice(&(packets.len() as u32).to_le_bytes());
    for (e, _) in packets {
        for v in [e.size, e.frames, e.trim_start, e.trim_end] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&e.pts.to_le_bytes());
        out.extend_from_slice(&e.dur.to_le_bytes());
    }
    for (_, d) in packets {
        out.extend_from_slice(d);
    }
    out
}

/// Parses a packet data chunk; the packet sizes must add up to the chunk.
///
/// # Errors
/// [`AudioError::Layout`] when the chunk is malformed.
pub fn parse_packet_chunk(bytes: &[u8]) -> Result<PacketChunk<'_>, AudioError> {
    let mut r = Reader { bytes, at: 0 };
    let count = r.u32()? as usize;
    if count.checked_mul(PACKET_ENTRY_BYTES).is_none_or(|n| n > r.remaining()) {
        return Err(AudioError::layout(format!("{count} packet entries do not fit the chunk")));
    }
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        entries.push(PacketEntry {
            size: r.u32()?,
            frames: r.u32()?,
            trim_start: r.u32()?,
            trim_end: r.u32()?,
            pts: r.u64()? as i64,
            dur: r.u64()?,
        });
    }
    let mut data = Vec::with_capacity(count);
    for e in &entries {
        data.push(r.take(e.size as usize)?);
    }
    if r.remaining() != 0 {
        return Err(AudioError::layout("bytes after the last packet"));
    }
    Ok(PacketChunk { entries, data })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], AudioError> {
        let end =
            self.at.checked_add(n).filter(|&end| end <= self.bytes.len()).ok_or_else(|| {
                AudioError::layout(format!("truncated: {n} bytes wanted at offset {}", self.at))
            })?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, AudioError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, AudioError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_packet_chunk_round_trip_and_truncation_is_an_error() {
        let header = AudioHeader {
            codec: AudioCodec::Vorbis,
            load: LoadMode::Stream,
            sample_rate: 44_100,
            channels: 2,
            channel_mask: 3,
            frames: 300,
            bits_per_sample: 0,
            max_frames_per_packet: 2048,
            extra_data: vec![1, 2, 3],
            chunks: vec![
                ChunkEntry { first_frame: 0, frames: 100, bytes: 10 },
                ChunkEntry { first_frame: 100, frames: 200, bytes: 20 },
            ],
        };
        let bytes = header.to_bytes();
        let limits = AudioLimits::default();
        assert_eq!(AudioHeader::parse(&bytes, &limits).unwrap(), header);
        assert_eq!(header.chunk_of_frame(99), Some(0));
        assert_eq!(header.chunk_of_frame(100), Some(1));
        assert_eq!(header.chunk_of_frame(300), None);
        for cut in 0..bytes.len() {
            assert!(AudioHeader::parse(&bytes[..cut], &limits).is_err());
        }
        let entry = PacketEntry { size: 3, frames: 5, trim_start: 1, trim_end: 0, pts: 7, dur: 5 };
        let chunk = write_packet_chunk(&[(entry, &[9, 8, 7])]);
        let parsed = parse_packet_chunk(&chunk).unwrap();
        assert_eq!(parsed.entries, vec![entry]);
        assert_eq!(parsed.data, vec![&[9u8, 8, 7][..]]);
        for cut in 0..chunk.len() {
            assert!(parse_packet_chunk(&chunk[..cut]).is_err());
        }
    }
}
