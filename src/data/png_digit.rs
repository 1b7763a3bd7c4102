//! Reading a user's own digit picture (PNG) as network input.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// How a picture's ink relates to its background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    /// Light strokes on a dark background, as in MNIST.
    Light,
    /// Dark strokes on light paper: inverted before use.
    Dark,
}

/// Decodes `path` to 8-bit gray pixels (color converted by luma, alpha composited on black,
/// 16-bit reduced), checking it is `cols x rows`.
pub fn read_gray_png(path: &Path, rows: usize, cols: usize) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().with_context(|| format!("{}: not a PNG image", path.display()))?;
    let mut buf = vec![0; reader.output_buffer_size().context("image too large")?];
    let info = reader.next_frame(&mut buf).with_context(|| format!("{}: corrupt PNG data", path.display()))?;
    if (info.width as usize, info.height as usize) != (cols, rows) {
        bail!("{}: image is {}x{}, the model needs {cols}x{rows} (crop or scale it first)", path.display(), info.width, info.height);
    }
    let channels = info.color_type.samples();
    let px = &buf[..info.buffer_size()];
    Ok(px
        .chunks_exact(channels)
        .map(|c| match c.len() {
            1 => c[0],
            2 => (c[0] as u16 * c[1] as u16 / 255) as u8,
            3 => luma(c),
            _ => (luma(c) as u16 * c[3] as u16 / 255) as u8,
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

    #[test]
    fn border_decides_the_ink() {
        let mut paper = vec![250u8; 9];
        paper[4] = 0;
        assert_eq!(guess_ink(&paper, 3, 3), Ink::Dark);
        assert_eq!(to_mnist_polarity(paper, Ink::Dark)[4], 255);
        assert_eq!(guess_ink(&[0, 0, 0, 0, 255, 0, 0, 0, 0], 3, 3), Ink::Light);
    }
}
