//! IDX file parsing (the MNIST container format), raw or gzip-compressed.
//!
//! Every size taken from a header is checked against the bytes actually present before anything is
//! allocated from it, so a hostile or truncated file can never make us reserve more than it holds.

use std::io::Read;

/// Magic number of an IDX file of unsigned bytes with three dimensions (images).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with one dimension (labels).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// The most we will ever decompress from one file. MNIST's largest file is 47 MB raw; this bound keeps
/// a gzip bomb from exhausting memory while leaving room for larger IDX datasets (EMNIST, Fashion).
pub const MAX_DECOMPRESSED: u64 = 1 << 30;

/// What can be wrong with an IDX file. The caller adds the file name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdxError {
    #[error("file is empty")]
    Empty,
    #[error("corrupt gzip data: {0}")]
    Gzip(String),
    #[error("decompressed data exceeds {} bytes", MAX_DECOMPRESSED)]
    TooLarge,
    #[error("header truncated: {got} bytes, expected at least {need}")]
    ShortHeader { got: usize, need: usize },
    #[error("wrong magic number 0x{found:08x}, expected 0x{expected:08x} ({what})")]
    BadMagic { found: u32, expected: u32, what: &'static str },
    #[error("zero {0} in header")]
    ZeroDimension(&'static str),
    #[error("header claims {claimed} data bytes but the file holds {actual}")]
    Truncated { claimed: u64, actual: u64 },
    #[error("{extra} unexpected bytes after the {claimed} data bytes the header describes")]
    TrailingData { claimed: u64, extra: u64 },
}

/// Images as stored: `count` pictures of `rows` x `cols` bytes, row-major, 0 = background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    pub pixels: Vec<u8>,
}

/// Returns the decompressed bytes when `bytes` start with the gzip magic, else `bytes` unchanged.
/// The file name is never consulted: users rename files.
pub fn maybe_gunzip(bytes: Vec<u8>) -> Result<Vec<u8>, IdxError> {
    if bytes.is_empty() {
        return Err(IdxError::Empty);
    }
    if bytes.len() < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b {
        return Ok(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len() * 4);
    let decoder = flate2::read::MultiGzDecoder::new(&bytes[..]);
    let read = decoder
        .take(MAX_DECOMPRESSED + 1)
        .read_to_end(&mut out)
        .map_err(|e| IdxError::Gzip(e.to_string()))?;
    if read as u64 > MAX_DECOMPRESSED {
        return Err(IdxError::TooLarge);
    }
    if out.is_empty() {
        return Err(IdxError::Empty);
    }
    Ok(out)
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn header(bytes: &[u8], magic: u32, what: &'static str, dims: usize) -> Result<Vec<u32>, IdxError> {
    let need = 4 + 4 * dims;
    if bytes.len() < 4 {
        return Err(IdxError::ShortHeader { got: bytes.len(), need });
    }
    let found = be_u32(bytes, 0);
    if found != magic {
        return Err(IdxError::BadMagic { found, expected: magic, what });
    }
    if bytes.len() < need {
        return Err(IdxError::ShortHeader { got: bytes.len(), need });
    }
    Ok((0..dims).map(|d| be_u32(bytes, 4 + 4 * d)).collect())
}

/// Checks that exactly `claimed` bytes follow the header; u64 arithmetic so no header can overflow it.
fn check_body(bytes: &[u8], offset: usize, claimed: u64) -> Result<(), IdxError> {
    let actual = (bytes.len() - offset) as u64;
    if actual < claimed {
        return Err(IdxError::Truncated { claimed, actual });
    }
    if actual > claimed {
        return Err(IdxError::TrailingData { claimed, extra: actual - claimed });
    }
    Ok(())
}

/// Parses an images file (magic 0x803) from its (already decompressed) bytes.
pub fn parse_images(bytes: &[u8]) -> Result<IdxImages, IdxError> {
    let dims = header(bytes, IMAGES_MAGIC, "images, u8, 3 dimensions", 3)?;
    let names = ["image count", "row count", "column count"];
    for (d, name) in dims.iter().zip(names) {
        if *d == 0 {
            return Err(IdxError::ZeroDimension(name));
        }
    }
    // Saturating: three u32 dimensions can overflow u64, and no file that large exists anyway.
    let claimed = dims.iter().fold(1u64, |acc, &d| acc.saturating_mul(d as u64));
    check_body(bytes, 16, claimed)?;
    Ok(IdxImages {
        count: dims[0] as usize,
        rows: dims[1] as usize,
        cols: dims[2] as usize,
        pixels: bytes[16..].to_vec(),
    })
}

/// Parses a labels file (magic 0x801) from its (already decompressed) bytes.
pub fn parse_labels(bytes: &[u8]) -> Result<Vec<u8>, IdxError> {
    let dims = header(bytes, LABELS_MAGIC, "labels, u8, 1 dimension", 1)?;
    if dims[0] == 0 {
        return Err(IdxError::ZeroDimension("label count"));
    }
    check_body(bytes, 8, dims[0] as u64)?;
    Ok(bytes[8..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images_file(count: u32, rows: u32, cols: u32, body: usize) -> Vec<u8> {
        let mut v = Vec::new();
        for x in [IMAGES_MAGIC, count, rows, cols] {
            v.extend_from_slice(&x.to_be_bytes());
        }
        v.extend(std::iter::repeat_n(7u8, body));
        v
    }

    #[test]
    fn parses_a_well_formed_header_and_body() {
        let img = parse_images(&images_file(2, 3, 4, 24)).unwrap();
        assert_eq!((img.count, img.rows, img.cols, img.pixels.len()), (2, 3, 4, 24));
    }

    #[test]
    fn huge_header_is_rejected_without_allocating() {
        let err = parse_images(&images_file(u32::MAX, u32::MAX, u32::MAX, 10)).unwrap_err();
        assert!(matches!(err, IdxError::Truncated { actual: 10, .. }), "{err}");
    }

    #[test]
    fn labels_magic_in_images_file_is_named() {
        let mut f = images_file(1, 1, 1, 1);
        f[3] = 0x01;
        let err = parse_images(&f).unwrap_err();
        assert_eq!(err.to_string(), "wrong magic number 0x00000801, expected 0x00000803 (images, u8, 3 dimensions)");
    }

    #[test]
    fn gzip_is_detected_by_content_not_name() {
        use std::io::Write;
        let raw = images_file(1, 2, 2, 4);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&raw).unwrap();
        assert_eq!(maybe_gunzip(enc.finish().unwrap()).unwrap(), raw);
        assert_eq!(maybe_gunzip(raw.clone()).unwrap(), raw);
    }
}
