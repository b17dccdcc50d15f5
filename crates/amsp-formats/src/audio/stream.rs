//! Decoding a cooked clip block by block with a bounded window.

use std::sync::Arc;

use amsp_core::{AssetId, AssetPath};

use super::decode::{PacketDecoder, pcm_chunk_to_f32};
use super::error::AudioError;
use super::layout::{
    AudioCodec, AudioHeader, AudioLimits, MP3_PREROLL_BYTES, MP3_PREROLL_PACKETS, PacketEntry,
    parse_packet_chunk,
};
use super::pcm::samples_to_i16;

/// Frames of one PCM block from [`AudioStream::next_block`].
pub const PCM_BLOCK_FRAMES: usize = 4096;

/// Reads pack chunk `chunk` of the asset into the buffer.
pub type ChunkReader = Box<dyn FnMut(u32, &mut Vec<u8>) -> Result<(), AudioError> + Send>;

/// Plays a cooked clip block by block: reads one data chunk at a time,
/// decodes one packet (or [`PCM_BLOCK_FRAMES`] PCM frames) per
/// [`next_block`](Self::next_block), and seeks through the header's seek
/// table.
///
/// **Memory bound.** Besides the header, the stream holds the compressed
/// bytes of the current data chunk and one decoded block. During a
/// [`seek`](Self::seek) into a Vorbis or MP3 clip it also holds the
/// previous chunk, whose last packets are decoded and dropped to warm the
/// decoder up (Vorbis overlaps each packet with the one before; MP3 frames
/// borrow bytes from earlier frames), then frees it. So at any time at most
/// two chunks of compressed data plus one decoded block are resident;
/// [`peak_window_bytes`](Self::peak_window_bytes) reports the most seen.
pub struct AudioStream {
    header: Arc<AudioHeader>,
    read: ChunkReader,
    /// The asset the stream plays, when it came from an asset server: its
    /// errors are wrapped in [`AudioError::Asset`].
    asset: Option<(AssetId, AssetPath)>,
    decoder: Option<PacketDecoder>,
    /// Data chunk (index into the seek table) held in `compressed`.
    chunk: Option<usize>,
    compressed: Vec<u8>,
    entries: Vec<PacketEntry>,
    offsets: Vec<usize>,
    /// Next packet (or PCM byte offset) in the current chunk.
    cursor: usize,
    block: Vec<f32>,
    /// The last block as i16, for [`next_block_i16`](Self::next_block_i16).
    block_i16: Vec<i16>,
    /// Frame index of the next frame [`next_block`](Self::next_block) returns.
    position: u64,
    /// Decoded frames still to drop after a seek.
    skip: u64,
    peak_window: usize,
}

impl std::fmt::Debug for AudioStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioStream")
            .field("header", &self.header)
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl AudioStream {
    /// Opens a stream over a cooked clip's chunks: `read(chunk, out)`
    /// replaces `out` with pack chunk `chunk`. Only the header chunk is read
    /// here.
    ///
    /// # Errors
    /// [`AudioError::Read`] from `read`, [`AudioError::Layout`] and
    /// [`AudioError::Limit`] for a bad header.
    pub fn open<E>(
        mut read: impl FnMut(u32, &mut Vec<u8>) -> Result<(), E> + Send + 'static,
        limits: &AudioLimits,
    ) -> Result<Self, AudioError>
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let mut read: ChunkReader = Box::new(move |chunk, out| {
            read(chunk, out).map_err(|e| AudioError::Read { chunk, source: Box::new(e) })
        });
        let mut bytes = Vec::new();
        read(0, &mut bytes)?;
        let header = AudioHeader::parse(&bytes, limits)?;
        Self::with_header(Arc::new(header), read, None, None)
    }

    /// A stream over a clip whose header is already parsed: `read` gives the
    /// data chunks; errors are wrapped with `asset` when there is one. A
    /// fresh `decoder` for the header's codec saves building one.
    pub(crate) fn with_header(
        header: Arc<AudioHeader>,
        read: ChunkReader,
        asset: Option<(AssetId, AssetPath)>,
        decoder: Option<PacketDecoder>,
    ) -> Result<Self, AudioError> {
        let decoder = match (header.codec, decoder) {
            (AudioCodec::Pcm(_), _) => None,
            (_, Some(decoder)) => Some(decoder),
            (_, None) => Some(PacketDecoder::new(&header).map_err(|e| named(&asset, e))?),
        };
        Ok(Self {
            header,
            read,
            asset,
            decoder,
            chunk: None,
            compressed: Vec::new(),
            entries: Vec::new(),
            offsets: Vec::new(),
            cursor: 0,
            block: Vec::new(),
            block_i16: Vec::new(),
            position: 0,
            skip: 0,
            peak_window: 0,
        })
    }

    /// Opens a stream over asset `id` of `source`, outside an asset server;
    /// its errors are [`AudioError::Asset`] naming the asset when the
    /// source describes it (a failed read carries the source's
    /// `amsp_io::ReadError`).
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn from_source(
        source: Arc<dyn amsp_io::AssetSource>,
        id: AssetId,
        limits: &AudioLimits,
    ) -> Result<Self, AudioError> {
        let asset = source.describe(id).map(|d| (id, d.path.clone()));
        let mut read: ChunkReader = Box::new(move |chunk, out| {
            source
                .read_chunk(id, chunk, out)
                .map_err(|e| AudioError::Read { chunk, source: Box::new(e) })
        });
        let mut bytes = Vec::new();
        let header = read(0, &mut bytes)
            .and_then(|()| AudioHeader::parse(&bytes, limits))
            .map_err(|e| named(&asset, e))?;
        Self::with_header(Arc::new(header), read, asset, None)
    }

    /// The clip's header (codec, rate, channels, length, seek table).
    #[must_use]
    pub fn header(&self) -> &AudioHeader {
        &self.header
    }

    /// The frame index of the next frame [`next_block`](Self::next_block)
    /// returns.
    #[must_use]
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The most bytes of compressed chunks and decoded samples held at once
    /// since the stream opened: the capacities of its buffers (the current
    /// chunk, the decoded block, its i16 copy, and during a seek the chunk
    /// before and the warm-up output), not counting the shared header and
    /// the decoder's fixed state.
    #[must_use]
    pub fn peak_window_bytes(&self) -> usize {
        self.peak_window
    }

    fn note_window(&mut self, extra: usize) {
        let now = self.compressed.capacity()
            + extra
            + self.block.capacity() * size_of::<f32>()
            + self.block_i16.capacity() * size_of::<i16>()
            + (self.entries.capacity() * size_of::<PacketEntry>())
            + (self.offsets.capacity() * size_of::<usize>());
        self.peak_window = self.peak_window.max(now);
    }

    /// The next block of interleaved samples, or `None` at the end.
    ///
    /// # Errors
    /// [`AudioError`] when a chunk cannot be read or does not decode, or
    /// when the chunks hold other lengths than the seek table says; wrapped
    /// in [`AudioError::Asset`] for a stream of a loaded asset.
    pub fn next_block(&mut self) -> Result<Option<&[f32]>, AudioError> {
        match self.advance() {
            Ok(true) => Ok(Some(&self.block)),
            Ok(false) => Ok(None),
            Err(err) => Err(named(&self.asset, err)),
        }
    }

    /// The next block as interleaved 16-bit samples (see
    /// [`f32_to_i16`](super::f32_to_i16) for the rounding), or `None` at the end. 16-bit and
    /// 8-bit sources give their samples back exactly.
    ///
    /// # Errors
    /// As [`next_block`](Self::next_block).
    pub fn next_block_i16(&mut self) -> Result<Option<&[i16]>, AudioError> {
        match self.advance() {
            Ok(true) => {
                samples_to_i16(&self.block, &mut self.block_i16);
                self.note_window(0);
                Ok(Some(&self.block_i16))
            }
            Ok(false) => Ok(None),
            Err(err) => Err(named(&self.asset, err)),
        }
    }

    /// Decodes the next non-empty block into `block`; `false` at the end.
    fn advance(&mut self) -> Result<bool, AudioError> {
        let channels = u64::from(self.header.channels);
        while self.position < self.header.frames {
            let next = self.chunk.map_or(0, |c| c + 1);
            let exhausted = match self.chunk {
                None => true,
                Some(_) => match self.header.codec {
                    AudioCodec::Pcm(_) => self.cursor >= self.compressed.len(),
                    _ => self.cursor >= self.entries.len(),
                },
            };
            if exhausted {
                if next >= self.header.chunks.len() {
                    return Err(AudioError::layout("the chunks end before the clip does"));
                }
                self.load_chunk(next)?;
                continue;
            }
            self.block.clear();
            let frames = self.decode_next()?;
            let drop = self.skip.min(frames);
            self.skip -= drop;
            let keep = (frames - drop).min(self.header.frames - self.position);
            let from = (drop * channels) as usize;
            self.block.copy_within(from..from + (keep * channels) as usize, 0);
            self.block.truncate((keep * channels) as usize);
            self.note_window(0);
            if keep > 0 {
                self.position += keep;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Decodes the next packet or PCM block of the current chunk into
    /// `block`; returns its frames.
    fn decode_next(&mut self) -> Result<u64, AudioError> {
        let channels = self.header.channels;
        match self.header.codec {
            AudioCodec::Pcm(format) => {
                let frame_bytes = format.bytes() * usize::from(channels);
                let end = (self.cursor + PCM_BLOCK_FRAMES * frame_bytes).min(self.compressed.len());
                let bytes = &self.compressed[self.cursor..end];
                self.cursor = end;
                pcm_chunk_to_f32(bytes, format, channels, &mut self.block)
            }
            _ => {
                let i = self.cursor;
                self.cursor += 1;
                let entry = self.entries[i];
                let data = &self.compressed[self.offsets[i]..self.offsets[i + 1]];
                let decoder =
                    self.decoder.as_mut().ok_or_else(|| AudioError::layout("no decoder"))?;
                let frames = decoder.decode(&entry, data, &mut self.block)?;
                if frames != u64::from(entry.frames) {
                    return Err(AudioError::layout(format!(
                        "a packet decoded to {frames} frames, the cook recorded {}",
                        entry.frames
                    )));
                }
                Ok(frames)
            }
        }
    }

    /// Reads data chunk `index` (pack chunk `index + 1`) into `compressed`.
    fn load_chunk(&mut self, index: usize) -> Result<(), AudioError> {
        let entry = self.header.chunks[index];
        // Room for exactly this chunk (its size is checked against the
        // limits), so the buffer never grows past the largest chunk.
        self.compressed.clear();
        self.compressed.reserve_exact(usize::try_from(entry.bytes).unwrap_or(usize::MAX));
        (self.read)(index as u32 + 1, &mut self.compressed)?;
        if self.compressed.len() as u64 != entry.bytes {
            return Err(AudioError::layout(format!(
                "data chunk {} holds {} bytes, the seek table says {}",
                index + 1,
                self.compressed.len(),
                entry.bytes
            )));
        }
        self.chunk = Some(index);
        self.cursor = 0;
        self.entries.clear();
        self.offsets.clear();
        match self.header.codec {
            AudioCodec::Pcm(format) => {
                let frame_bytes = format.bytes() as u64 * u64::from(self.header.channels);
                if Some(entry.bytes) != entry.frames.checked_mul(frame_bytes) {
                    return Err(AudioError::layout("a PCM chunk's size does not match its frames"));
                }
            }
            _ => {
                let parsed = parse_packet_chunk(&self.compressed)?;
                let frames: u64 = parsed.entries.iter().map(|e| u64::from(e.frames)).sum();
                if frames != entry.frames {
                    return Err(AudioError::layout(
                        "a chunk's packets do not add up to its frames",
                    ));
                }
                let mut at = self.compressed.len();
                for d in parsed.data.iter().rev() {
                    at -= d.len();
                    self.offsets.push(at);
                }
                self.offsets.reverse();
                self.offsets.push(self.compressed.len());
                self.entries = parsed.entries;
            }
        }
        self.note_window(0);
        Ok(())
    }

    /// Moves to frame `frame` (the clip's length is the end). Reads only
    /// the chunk holding `frame` (and, for Vorbis and MP3, the chunk before
    /// it, to warm the decoder up); decoding resumes at the chunk start and
    /// drops the frames before `frame`.
    ///
    /// # Errors
    /// [`AudioError::SeekOutOfRange`] past the end; read and decode errors
    /// as [`next_block`](Self::next_block).
    pub fn seek(&mut self, frame: u64) -> Result<(), AudioError> {
        self.seek_to(frame).map_err(|err| named(&self.asset, err))
    }

    fn seek_to(&mut self, frame: u64) -> Result<(), AudioError> {
        if frame > self.header.frames {
            return Err(AudioError::SeekOutOfRange { frame, frames: self.header.frames });
        }
        self.block.clear();
        self.position = frame;
        let Some(index) = self.header.chunk_of_frame(frame) else {
            self.chunk = Some(self.header.chunks.len().saturating_sub(1));
            self.cursor = usize::MAX;
            self.skip = 0;
            return Ok(());
        };
        if let Some(decoder) = &mut self.decoder {
            decoder.reset();
        }
        // The chunk held so far is not needed any more.
        self.compressed.clear();
        self.chunk = None;
        if index > 0 && matches!(self.header.codec, AudioCodec::Vorbis | AudioCodec::Mp3) {
            self.preroll(index - 1)?;
        }
        self.load_chunk(index)?;
        self.skip = frame - self.header.chunks[index].first_frame;
        Ok(())
    }

    /// Decodes the last packets of data chunk `index` and drops the output.
    fn preroll(&mut self, index: usize) -> Result<(), AudioError> {
        let size = usize::try_from(self.header.chunks[index].bytes).unwrap_or(usize::MAX);
        let mut previous = Vec::with_capacity(size);
        (self.read)(index as u32 + 1, &mut previous)?;
        let parsed = parse_packet_chunk(&previous)?;
        let n = parsed.entries.len();
        let count = match self.header.codec {
            // A Vorbis packet's output overlaps the packet before it.
            AudioCodec::Vorbis => 2,
            // MP3 frames may take up to 511 bytes of main data from earlier
            // frames, and the hybrid and synthesis filters carry state over:
            // on the corpus, two warm-up frames leave the first 480 samples
            // off and three make the output exact; four are used.
            _ => {
                let mut bytes = 0usize;
                let mut count = 0;
                for d in parsed.data.iter().rev() {
                    bytes += d.len();
                    count += 1;
                    if count >= MP3_PREROLL_PACKETS && bytes >= MP3_PREROLL_BYTES {
                        break;
                    }
                }
                count
            }
        };
        let decoder = self.decoder.as_mut().ok_or_else(|| AudioError::layout("no decoder"))?;
        let mut scratch = Vec::new();
        for i in n.saturating_sub(count)..n {
            scratch.clear();
            // The first warm-up packets may lack what they refer back to;
            // their output is dropped, so their errors are too.
            let _ = decoder.decode(&parsed.entries[i], parsed.data[i], &mut scratch);
        }
        let extra = previous.capacity() + scratch.capacity() * size_of::<f32>();
        self.note_window(extra);
        Ok(())
    }
}

/// `err`, wrapped with the asset it is about when there is one.
fn named(asset: &Option<(AssetId, AssetPath)>, err: AudioError) -> AudioError {
    match asset {
        Some((id, path)) => {
            AudioError::Asset { id: *id, path: path.clone(), source: Box::new(err) }
        }
        None => err,
    }
}
