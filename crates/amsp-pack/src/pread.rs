//! Positioned reads: many threads read one shared file handle without a seek
//! cursor (`pread` on Unix, `ReadFile` with an offset on Windows).

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
