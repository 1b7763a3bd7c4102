//! Reading a user's own digit picture (PNG) as network input.
//!
//! A picture is checked in the order that costs least: the file's size from its metadata, then the
//! PNG header's dimensions (a picture of the wrong size is refused before any pixel is decoded),
//! then the pixels, decoded under a memory limit.

use std::fmt;
use std::io::Cursor;
use std::path::Path;

use anyhow::{anyhow, bail, Result};
use png::{BitDepth, ColorType, DecodingError, Transformations};

/// The largest picture file read: a 28x28 PNG takes a few hundred bytes; this leaves room for what
/// editors add (color profiles, text) and refuses anything far beyond before reading it.
pub const PNG_MAX_BYTES: u64 = 8 << 20;
/// Memory the decoder may allocate once the header has matched: the pixels of a model-sized
/// picture take a few KiB, ancillary chunks the rest.
const DECODE_LIMIT_BYTES: usize = 4 << 20;

/// How a picture's ink relates to its background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    /// Light strokes on a dark background, as in MNIST.
    Light,
    /// Dark strokes on light paper: inverted before use.
    Dark,
}

/// Why a picture that decoded fine cannot be a digit; the guess is still shown, with this warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Doubt {
    /// Every pixel has the same gray level: there is no stroke to read.
    Uniform(u8),
    /// Every pixel is fully transparent: nothing is drawn.
    Transparent,
    /// Some palette indices point past the palette (decoders draw those pixels black).
    PaletteOutOfRange { pixels: usize, palette: usize },
}

impl fmt::Display for Doubt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Doubt::Uniform(v) => write!(f, "every pixel is gray level {v}: the picture is blank, there is no digit in it"),
            Doubt::Transparent => write!(f, "every pixel is fully transparent: nothing is drawn"),
            Doubt::PaletteOutOfRange { pixels, palette } => write!(
                f,
                "{pixels} pixels use palette indices past the palette's {palette} colors (the file is damaged; they are read as black)"
            ),
        }
    }
}

/// A picture read for classification: 8-bit gray pixels, and what makes it doubtful as a digit.
#[derive(Debug, Clone)]
pub struct DigitPicture {
    pub pixels: Vec<u8>,
    pub doubts: Vec<Doubt>,
}

/// "8-bit grayscale", "16-bit RGBA", "4-bit palette", … for messages.
fn describe(color: ColorType, depth: BitDepth) -> String {
    let color = match color {
        ColorType::Grayscale => "grayscale",
        ColorType::GrayscaleAlpha => "grayscale with alpha",
        ColorType::Rgb => "RGB",
        ColorType::Rgba => "RGBA",
        ColorType::Indexed => "palette",
    };
    format!("{}-bit {color}", depth as u8)
}

/// What the png decoder found wrong, in words: its messages print chunk types as Rust structs
/// (`ChunkType { type: IDAT, critical: true, … }`) and deflate errors as enum names.
fn in_words(e: &DecodingError) -> String {
    match e {
        DecodingError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file ends before the picture does (truncated)".into()
        }
        DecodingError::IoError(io) => io.to_string(),
        DecodingError::LimitsExceeded => {
            format!("decoding it would take more than {} MiB of memory", DECODE_LIMIT_BYTES >> 20)
        }
        DecodingError::Parameter(p) => p.to_string(),
        DecodingError::Format(f) => {
            let text = plain_chunk_names(&f.to_string());
            if text.starts_with("Invalid PNG signature") {
                "it does not start with the PNG signature: it is some other kind of file".into()
            } else if text.starts_with("Corrupt deflate stream") {
                "the compressed pixel data is corrupt".into()
            } else if let Some(chunk) = text.strip_prefix("CRC error: ").and_then(|t| t.split("while decoding ").nth(1)) {
                format!("checksum mismatch in the {} (the file is damaged)", chunk.trim_end_matches('.'))
            } else {
                text.trim_end_matches('.').to_string()
            }
        }
    }
}

/// Replaces each `ChunkType { type: IDAT, … }` in `text` by its four letters.
fn plain_chunk_names(text: &str) -> String {
    const OPEN: &str = "ChunkType { type: ";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let name_end = after.find(',').unwrap_or(after.len());
        out.push_str(&after[..name_end]);
        rest = after.find('}').map_or("", |close| &after[close + 1..]);
    }
    out.push_str(rest);
    out
}

/// Reads `path` as a `cols x rows` digit: 8-bit gray (color converted by luma, alpha composited on
/// black, 16-bit reduced), with the doubts a person should hear about.
pub fn read_digit_png(path: &Path, rows: usize, cols: usize) -> Result<DigitPicture> {
    let bytes = crate::files::read_bounded(path, PNG_MAX_BYTES, "digit picture")?;
    let name = path.display();
    let refuse = |e: DecodingError| anyhow!("{name}: not a readable PNG picture ({})", in_words(&e));
    let decoder = |transformations| {
        let mut d = png::Decoder::new_with_limits(Cursor::new(&bytes[..]), png::Limits { bytes: DECODE_LIMIT_BYTES });
        d.set_transformations(transformations);
        d
    };
    let mut expanding = decoder(Transformations::EXPAND | Transformations::STRIP_16);
    let header = expanding.read_header_info().map_err(refuse)?;
    let (width, height) = (header.width as usize, header.height as usize);
    let kind = describe(header.color_type, header.bit_depth);
    if (width, height) != (cols, rows) {
        bail!("{name}: picture is {width}x{height} ({kind}), the model needs {cols}x{rows} (crop or scale it first)");
    }
    let indexed = header.color_type == ColorType::Indexed;
    let mut reader = expanding.read_info().map_err(refuse)?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or_else(|| refuse(DecodingError::LimitsExceeded))?];
    let info = reader.next_frame(&mut buf).map_err(refuse)?;
    let channels = info.color_type.samples();
    let px = &buf[..info.buffer_size()];
    let pixels: Vec<u8> = px
        .chunks_exact(channels)
        .map(|c| match c.len() {
            1 => c[0],
            2 => (c[0] as u16 * c[1] as u16 / 255) as u8,
            3 => luma(c),
            _ => (luma(c) as u16 * c[3] as u16 / 255) as u8,
        })
        .collect();

    let mut doubts = Vec::new();
    if indexed {
        let palette = reader.info().palette.as_ref().map_or(0, |p| p.len() / 3);
        let beyond = indices(decoder(Transformations::IDENTITY), width).map_err(refuse)?.iter().filter(|&&i| i as usize >= palette).count();
        if beyond > 0 {
            doubts.push(Doubt::PaletteOutOfRange { pixels: beyond, palette });
        }
    }
    let has_alpha = matches!(info.color_type, ColorType::GrayscaleAlpha | ColorType::Rgba);
    if has_alpha && px.chunks_exact(channels).all(|c| c[channels - 1] == 0) {
        doubts.push(Doubt::Transparent);
    } else if let Some(&first) = pixels.first().filter(|&&p| pixels.iter().all(|&q| q == p)) {
        doubts.push(Doubt::Uniform(first));
    }
    Ok(DigitPicture { pixels, doubts })
}

/// The palette index of every pixel of an indexed picture, unpacked from 1, 2, 4 or 8 bits.
fn indices(decoder: png::Decoder<Cursor<&[u8]>>, width: usize) -> Result<Vec<u8>, DecodingError> {
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or(DecodingError::LimitsExceeded)?];
    let info = reader.next_frame(&mut buf)?;
    let depth = info.bit_depth as usize;
    let mask = ((1u16 << depth) - 1) as u8;
    Ok(buf[..info.buffer_size()]
        .chunks_exact(info.line_size)
        .flat_map(|row| {
            (0..width).map(move |x| {
                let bit = x * depth;
                (row[bit / 8] >> (8 - depth - bit % 8)) & mask
            })
        })
        .collect())
}

fn luma(c: &[u8]) -> u8 {
    ((c[0] as u32 * 299 + c[1] as u32 * 587 + c[2] as u32 * 114) / 1000) as u8
}

/// Guesses the ink from the border: a light border means dark ink on paper.
pub fn guess_ink(pixels: &[u8], rows: usize, cols: usize) -> Ink {
    let border: Vec<u8> = (0..rows)
        .flat_map(|y| (0..cols).map(move |x| (x, y)))
        .filter(|&(x, y)| x == 0 || y == 0 || x + 1 == cols || y + 1 == rows)
        .map(|(x, y)| pixels[y * cols + x])
        .collect();
    let mean = border.iter().map(|&p| p as u32).sum::<u32>() / border.len().max(1) as u32;
    if mean > 127 {
        Ink::Dark
    } else {
        Ink::Light
    }
}

/// Pixels as MNIST draws them (light on dark).
pub fn to_mnist_polarity(mut pixels: Vec<u8>, ink: Ink) -> Vec<u8> {
    if ink == Ink::Dark {
        pixels.iter_mut().for_each(|p| *p = 255 - *p);
    }
    pixels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{idx, locate};

    /// The first test digit of the bundled MNIST (a 7).
    fn seven() -> Vec<u8> {
        let gz = std::fs::read(locate::bundled_dir().unwrap().join("t10k-images-idx3-ubyte.gz")).unwrap();
        let images = idx::parse_images(&idx::maybe_gunzip(gz).unwrap()).unwrap();
        images.pixels[..784].to_vec()
    }

    /// A PNG of `width x height` samples `data`, with an optional palette.
    fn png(width: u32, height: u32, color: ColorType, depth: BitDepth, palette: Option<Vec<u8>>, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut e = png::Encoder::new(&mut out, width, height);
        e.set_color(color);
        e.set_depth(depth);
        if let Some(p) = palette {
            e.set_palette(p);
        }
        let mut w = e.write_header().unwrap();
        w.write_image_data(data).unwrap();
        w.finish().unwrap();
        out
    }

    fn read(bytes: &[u8]) -> Result<DigitPicture> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("digit.png");
        std::fs::write(&path, bytes).unwrap();
        read_digit_png(&path, 28, 28)
    }

    fn refusal(bytes: &[u8]) -> String {
        let err = format!("{:#}", read(bytes).unwrap_err());
        assert!(err.contains("digit.png: "), "{err}");
        assert!(!err.contains("ChunkType") && !err.contains("critical:"), "decoder jargon in: {err}");
        err
    }

    #[test]
    fn gray_and_16_bit_pictures_read_as_their_pixels() {
        let digit = seven();
        let p = read(&png(28, 28, ColorType::Grayscale, BitDepth::Eight, None, &digit)).unwrap();
        assert_eq!((p.pixels.clone(), p.doubts), (digit.clone(), vec![]));
        let wide: Vec<u8> = digit.iter().flat_map(|&v| [v, v]).collect();
        let p = read(&png(28, 28, ColorType::Grayscale, BitDepth::Sixteen, None, &wide)).unwrap();
        assert_eq!(p.pixels, digit);
    }

    #[test]
    fn palette_indices_past_the_palette_are_doubted() {
        let digit = seven();
        let packed: Vec<u8> = digit.chunks_exact(2).map(|p| ((p[0] / 16) << 4) | (p[1] / 16)).collect();
        let grays: Vec<u8> = (0..16u8).flat_map(|i| [i * 17; 3]).collect();
        let p = read(&png(28, 28, ColorType::Indexed, BitDepth::Four, Some(grays.clone()), &packed)).unwrap();
        assert_eq!(p.pixels, digit.iter().map(|&v| v / 16 * 17).collect::<Vec<_>>());
        assert!(p.doubts.is_empty(), "{:?}", p.doubts);
        // The same picture with its palette cut to 8 colors: every pixel of index 8 or more is lost.
        let p = read(&png(28, 28, ColorType::Indexed, BitDepth::Four, Some(grays[..24].to_vec()), &packed)).unwrap();
        let beyond = digit.iter().filter(|&&v| v / 16 >= 8).count();
        assert!(beyond > 0);
        assert_eq!(p.doubts, vec![Doubt::PaletteOutOfRange { pixels: beyond, palette: 8 }]);
    }

    #[test]
    fn blank_and_transparent_pictures_are_doubted() {
        let digit = seven();
        let clear: Vec<u8> = digit.iter().flat_map(|&v| [v, 0]).collect();
        let p = read(&png(28, 28, ColorType::GrayscaleAlpha, BitDepth::Eight, None, &clear)).unwrap();
        assert_eq!(p.doubts, vec![Doubt::Transparent]);
        let blank = vec![255u8; digit.len()];
        let p = read(&png(28, 28, ColorType::Grayscale, BitDepth::Eight, None, &blank)).unwrap();
        assert_eq!(p.doubts, vec![Doubt::Uniform(255)]);
        assert!(p.doubts[0].to_string().contains("blank"));
        let opaque: Vec<u8> = digit.iter().flat_map(|&v| [v, 255]).collect();
        assert!(read(&png(28, 28, ColorType::GrayscaleAlpha, BitDepth::Eight, None, &opaque)).unwrap().doubts.is_empty());
    }

    #[test]
    fn the_size_is_refused_from_the_header() {
        let digit = seven();
        let err = refusal(&png(28, 27, ColorType::Grayscale, BitDepth::Eight, None, &digit[..28 * 27]));
        assert!(err.ends_with("digit.png: picture is 28x27 (8-bit grayscale), the model needs 28x28 (crop or scale it first)"), "{err}");
        // A header claiming 40000x40000 RGBA with no pixel data at all: the header alone decides.
        let mut huge = png(28, 28, ColorType::Rgba, BitDepth::Eight, None, &[0; 28 * 28 * 4]);
        let ihdr = 8 + 8;
        huge[ihdr..ihdr + 4].copy_from_slice(&40_000u32.to_be_bytes());
        huge[ihdr + 4..ihdr + 8].copy_from_slice(&40_000u32.to_be_bytes());
        let crc = crc32(&huge[12..ihdr + 13]);
        huge[ihdr + 13..ihdr + 17].copy_from_slice(&crc.to_be_bytes());
        let err = refusal(&huge);
        assert!(err.contains("picture is 40000x40000 (8-bit RGBA), the model needs 28x28"), "{err}");
    }

    /// CRC-32 as PNG chunks use it (over type and data).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn damaged_files_are_refused_in_words() {
        let good = png(28, 28, ColorType::Grayscale, BitDepth::Eight, None, &seven());
        let idat = good.windows(4).position(|w| w == b"IDAT").unwrap();
        let mut flipped = good.clone();
        flipped[idat + 10] ^= 0xff;
        let err = refusal(&flipped);
        assert!(err.contains("not a readable PNG picture (the compressed pixel data is corrupt)"), "{err}");
        let mut bad_crc = good.clone();
        bad_crc[8 + 8 + 13] ^= 0xff;
        let err = refusal(&bad_crc);
        assert!(err.contains("not a readable PNG picture (checksum mismatch in the IHDR chunk"), "{err}");
        let err = refusal(&good[..idat + 20]);
        assert!(err.contains("truncated"), "{err}");
        let err = refusal(b"GIF89a, not a PNG");
        assert!(err.contains("not a readable PNG picture (it does not start with the PNG signature"), "{err}");
    }

    #[test]
    fn oversized_files_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.png");
        std::fs::File::create(&path).unwrap().set_len(PNG_MAX_BYTES + 1).unwrap();
        let err = format!("{:#}", read_digit_png(&path, 28, 28).unwrap_err());
        assert!(err.contains("huge.png") && err.contains("more than digitlab accepts for a digit picture"), "{err}");
        assert!(read_digit_png(dir.path(), 28, 28).unwrap_err().to_string().contains("not a regular file"));
    }

    #[test]
    fn border_decides_the_ink() {
        let mut paper = vec![250u8; 9];
        paper[4] = 0;
        assert_eq!(guess_ink(&paper, 3, 3), Ink::Dark);
        assert_eq!(to_mnist_polarity(paper, Ink::Dark)[4], 255);
        assert_eq!(guess_ink(&[0, 0, 0, 0, 255, 0, 0, 0, 0], 3, 3), Ink::Light);
    }
}
