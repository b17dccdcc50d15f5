//! The byte-level pieces of the cooked prefab and table forms: LEB128
//! varints, and a reader that checks every length and count against the
//! bytes left before anything is allocated from it.

/// Where and why reading stopped; each decoder turns it into its own error.
#[derive(Debug)]
pub(crate) struct Fault {
    /// The byte offset reading had reached.
    pub(crate) offset: usize,
    /// What is wrong.
    pub(crate) message: String,
}

/// Appends `v` as an unsigned LEB128 varint.
pub(crate) fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a byte slice front to back.
pub(crate) struct ByteReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> ByteReader<'a> {
    /// A reader at the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    /// A fault at the current offset.
    pub(crate) fn fault(&self, message: impl Into<String>) -> Fault {
        Fault { offset: self.pos, message: message.into() }
    }

    /// The offset of the next byte.
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    /// Moves to `pos` (clamped to the end).
    pub(super) fn set_position(&mut self, pos: usize) {
        self.pos = pos.min(self.bytes.len());
    }

    /// The bytes read since offset `start`.
    pub(super) fn consumed_since(&self, start: usize) -> &'a [u8] {
        &self.bytes[start.min(self.pos)..self.pos]
    }

    /// The byte last read (0 at the start).
    pub(super) fn last(&self) -> u8 {
        self.pos.checked_sub(1).and_then(|i| self.bytes.get(i)).copied().unwrap_or(0)
    }

    /// Whether every byte has been read.
    pub(crate) fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Fault> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| self.fault("truncated"))?;
        let b = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(b)
    }

    /// The next byte.
    pub(crate) fn byte(&mut self) -> Result<u8, Fault> {
        Ok(self.take(1)?[0])
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], Fault> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// The next LEB128 varint (at most ten bytes).
    pub(crate) fn varint(&mut self) -> Result<u64, Fault> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.fault("varint too long"))
    }

    /// A count of items of at least `min_size` bytes each, checked against
    /// the bytes left.
    pub(crate) fn count(&mut self, min_size: usize) -> Result<usize, Fault> {
        let n = self.varint()?;
        let left = self.bytes.len() - self.pos;
        match usize::try_from(n).ok().and_then(|n| n.checked_mul(min_size)) {
            Some(size) if size <= left => Ok(n as usize),
            _ => Err(self.fault(format!("count {n} exceeds the {left} bytes left"))),
        }
    }

    /// A length-prefixed UTF-8 string.
    pub(crate) fn str(&mut self) -> Result<&'a str, Fault> {
        let n = self.count(1)?;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes).map_err(|_| self.fault("string is not UTF-8"))
    }

    /// Checks that the bytes start with `magic`, naming `what` they should be.
    pub(crate) fn magic(&mut self, magic: &[u8], what: &str) -> Result<(), Fault> {
        if self.bytes.get(..magic.len()) != Some(magic) {
            return Err(self.fault(format!("not a cooked {what} (bad magic)")));
        }
        self.pos = magic.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_bad_counts_are_faults() {
        let mut out = Vec::new();
        for v in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            write_varint(&mut out, v);
        }
        let mut r = ByteReader::new(&out);
        for v in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(r.varint().unwrap(), v);
        }
        assert!(r.at_end());
        assert_eq!(r.byte().unwrap_err().message, "truncated");
        // A count that claims more than the bytes left.
        let mut r = ByteReader::new(&[0x05, 1, 2]);
        assert!(r.count(1).unwrap_err().message.contains("exceeds"));
        // Eleven continuation bytes.
        let mut r = ByteReader::new(&[0xff; 11]);
        assert_eq!(r.varint().unwrap_err().message, "varint too long");
    }
}
