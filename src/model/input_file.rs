//! Reading the files people hand us (budget files, results files, tool outputs): regular files
//! only, and never more than a generous cap. A FIFO or a device given by mistake would otherwise
//! block in `open` or grow memory without bound (`/dev/zero`); both become an ordinary I/O error
//! that names what the path is and what was expected.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The largest JSON or TOML document read whole (a Lighthouse report, a criterion
/// `sample.json`, a results file).
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// The largest stream read line by line (a k6 `--out json` stream, after decompression). Memory
/// does not grow with a stream beyond the k6 importer's exact limit (it switches to quantile
/// sketches), so the cap bounds time, not memory: a long soak test's stream (tens of GB) is read,
/// a decompression bomb or a runaway file is refused after 64 GiB.
pub const MAX_STREAM_BYTES: u64 = 64 * 1024 * 1024 * 1024;

/// Reads a whole document of at most [`MAX_DOCUMENT_BYTES`].
pub fn read_document(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = open_regular(path)?;
    let mut bytes = Vec::new();
    (&mut file)
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(too_large(MAX_DOCUMENT_BYTES, "a document"));
    }
    Ok(bytes)
}

/// Opens a regular file for reading in a stream, failing once more than `limit` bytes were read.
pub fn open_stream(path: &Path, limit: u64) -> io::Result<CappedReader<File>> {
    Ok(CappedReader::new(open_regular(path)?, limit))
}

/// Opens `path` if it is a regular file (following symbolic links). Anything else is refused
/// before `open`, which would block on a FIFO; a FIFO swapped in afterwards is caught by checking
/// the opened file again.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    Ok(file)
}

fn not_regular(meta: &std::fs::Metadata) -> io::Error {
    let what = kind_of(meta);
    io::Error::new(
        if meta.is_dir() {
            io::ErrorKind::IsADirectory
        } else {
            io::ErrorKind::InvalidInput
        },
        format!("is {what}, not a regular file; only regular files are read"),
    )
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

fn too_large(limit: u64, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "larger than {} MiB, the most read for {what}",
            limit / (1024 * 1024)
        ),
    )
}

/// A reader that fails with [`io::ErrorKind::FileTooLarge`] once more than its limit was read.
#[derive(Debug)]
pub struct CappedReader<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> CappedReader<R> {
    /// Caps `inner` at `limit` bytes.
    pub fn new(inner: R, limit: u64) -> CappedReader<R> {
        CappedReader {
            inner,
            left: limit,
            limit,
        }
    }
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // One byte more tells a file of exactly the limit from a longer one.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(too_large(self.limit, "a stream")),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_reader_passes_the_limit_and_fails_beyond() {
        let mut out = Vec::new();
        CappedReader::new(&b"abcd"[..], 4)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"abcd");
        let err = CappedReader::new(&b"abcde"[..], 4)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
    }

    #[test]
    fn directories_and_devices_are_refused_by_name() {
        let dir = tempfile::TempDir::new().unwrap();
        let err = read_document(dir.path()).unwrap_err();
        assert!(err.to_string().contains("a directory"), "{err}");
        #[cfg(unix)]
        {
            let err = read_document(Path::new("/dev/zero")).unwrap_err();
            assert!(err.to_string().contains("character device"), "{err}");
        }
    }
}
