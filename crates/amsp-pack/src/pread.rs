//! Positioned reads: many threads read one shared file handle without a seek
//! cursor (`pread` on Unix, `ReadFile` with an offset on Windows).
//!
//! [`append_exact_at`] reads into a `Vec`'s spare capacity without first
//! zero-filling it: for a multi-megabyte texture level the zero-fill costs
//! as much as a quarter of the read. On Unix it calls `pread` on the spare
//! capacity directly, the one place this crate opts in to `unsafe`; every
//! block says why it is sound.
#![cfg_attr(unix, expect(unsafe_code, reason = "pread into a Vec's spare capacity"))]

use std::fs::File;
use std::io;

/// Fills `buf` with the bytes of `file` starting at `offset`.
///
/// # Errors
/// Returns [`io::ErrorKind::UnexpectedEof`] when the file ends first, and any
/// other error the operating system reports.
#[cfg(unix)]
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

/// Fills `buf` with the bytes of `file` starting at `offset`.
///
/// `seek_read` may return fewer bytes than asked, so it is called until the
/// buffer is full. It also moves the handle's cursor, which nothing here uses.
///
/// # Errors
/// Returns [`io::ErrorKind::UnexpectedEof`] when the file ends first, and any
/// other error the operating system reports.
#[cfg(windows)]
pub(crate) fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "failed to fill whole buffer",
                ));
            }
            Ok(n) => {
                buf = &mut std::mem::take(&mut buf)[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Appends `len` bytes of `file`, starting at `offset`, to `out`; on error
/// `out` keeps its previous length.
///
/// # Errors
/// As [`read_exact_at`].
#[cfg(unix)]
pub(crate) fn append_exact_at(
    file: &File,
    out: &mut Vec<u8>,
    len: usize,
    mut offset: u64,
) -> io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let start = out.len();
    out.reserve_exact(len);
    let mut filled = 0;
    while filled < len {
        let want = (len - filled).min(isize::MAX as usize);
        let file_offset = libc::off_t::try_from(offset)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset out of range"))?;
        // SAFETY: `reserve_exact` made room for `len` bytes after `start`, so
        // `start + filled .. start + filled + want` lies inside the
        // allocation; `pread` writes at most `want` bytes there and reads
        // nothing from it, so the memory need not be initialised.
        let read = unsafe {
            libc::pread(
                file.as_raw_fd(),
                out.as_mut_ptr().add(start + filled).cast(),
                want,
                file_offset,
            )
        };
        match read {
            0 => return Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
            n if n > 0 => {
                filled += n as usize;
                offset += n as u64;
            }
            _ => {
                let err = io::Error::last_os_error();
                if err.kind() != io::ErrorKind::Interrupted {
                    return Err(err);
                }
            }
        }
    }
    // SAFETY: the loop above initialised every byte of
    // `start .. start + len`, which is within the reserved capacity.
    unsafe { out.set_len(start + len) };
    Ok(())
}

/// Appends `len` bytes of `file`, starting at `offset`, to `out`; on error
/// `out` keeps its previous length.
///
/// # Errors
/// As [`read_exact_at`].
#[cfg(not(unix))]
pub(crate) fn append_exact_at(
    file: &File,
    out: &mut Vec<u8>,
    len: usize,
    offset: u64,
) -> io::Result<()> {
    let start = out.len();
    out.resize(start + len, 0);
    let result = read_exact_at(file, &mut out[start..], offset);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn appends_exactly_and_reports_a_short_file() {
        let mut file = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..=255).cycle().take(100_000).collect();
        file.write_all(&data).unwrap();
        let mut out = b"head".to_vec();
        append_exact_at(&file, &mut out, 50_000, 1_000).unwrap();
        assert_eq!(&out[..4], b"head");
        assert_eq!(&out[4..], &data[1_000..51_000]);
        let err = append_exact_at(&file, &mut out, 10, 99_995).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(out.len(), 50_004, "a failed read leaves the output as it was");
        append_exact_at(&file, &mut out, 0, 100_000).unwrap();
        assert_eq!(out.len(), 50_004);
    }
}
