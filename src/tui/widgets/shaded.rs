//! A grayscale picture drawn as text: an ASCII ramp (one character per 1x2 pixels) or half-block
//! cells (`▀` with the top pixel as foreground and the bottom one as background).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Widget;

use crate::tui::app::Shade;
use crate::viz::{ramp_char, resample, GrayImage};

/// Draws `image` stretched or shrunk to exactly the widget's area.
pub struct ShadedImage<'a> {
    pub image: &'a GrayImage,
    pub shade: Shade,
}

/// Draws `image` into `area`: in real pixels when the terminal shows them (see `tui::graphics`),
/// else as text exactly as [`ShadedImage`] draws it.
/// The ASCII ramp (`--ascii`, `NO_COLOR`) stays text.
pub fn picture(frame: &mut ratatui::Frame, graphics: &crate::tui::graphics::Graphics, image: &GrayImage, shade: Shade, area: Rect) {
    use crate::tui::graphics::Colors;
    let colors = match shade {
        Shade::Ramp => None,
        Shade::HalfBlock => Some(Colors::Gray),
        Shade::Diverging => Some(Colors::Diverging),
    };
    if !colors.is_some_and(|c| graphics.draw(image, c, area, frame.buffer_mut())) {
        frame.render_widget(ShadedImage { image, shade }, area);
    }
}

/// How digits (pictures of ink, not signed weights) are shaded when the weights use `weights`: as the
/// weights, but gray instead of the diverging map.
pub fn ink_shade(weights: Shade, theme: &crate::tui::theme::Theme) -> Shade {
    match weights {
        _ if !theme.color || theme.ascii => Shade::Ramp,
        Shade::Diverging => Shade::HalfBlock,
        s => s,
    }
}

/// Terminal cells a `w`x`h` picture takes at `scale` (each cell is 1 pixel wide and 2 tall).
pub fn cells_for(w: usize, h: usize, scale: usize) -> (u16, u16) {
    ((w * scale).min(u16::MAX as usize) as u16, (h * scale).div_ceil(2).min(u16::MAX as usize) as u16)
}

fn gray(v: u8) -> Color {
    Color::Rgb(v, v, v)
}

/// Blue (0) through white (128) to red (255).
pub fn diverging(v: u8) -> Color {
    let (r, g, b) = crate::viz::diverging_rgb(v);
    Color::Rgb(r, g, b)
}

impl Widget for ShadedImage<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let (w, h) = (area.width as usize, area.height as usize);
        let px = resample(self.image, w, h * 2);
        for y in 0..h {
            for x in 0..w {
                let (top, bottom) = (px.get(x, 2 * y), px.get(x, 2 * y + 1));
                let cell = &mut buf[(area.x + x as u16, area.y + y as u16)];
                match self.shade {
                    Shade::HalfBlock => {
                        cell.set_symbol("▀").set_style(Style::new().fg(gray(top)).bg(gray(bottom)));
                    }
                    Shade::Diverging => {
                        cell.set_symbol("▀").set_style(Style::new().fg(diverging(top)).bg(diverging(bottom)));
                    }
                    Shade::Ramp => {
                        let mean = ((top as u16 + bottom as u16) / 2) as u8;
                        cell.set_char(ramp_char(mean));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_and_half_blocks_follow_the_pixels() {
        // Left column black, right column white, 2x2 pixels → 2x1 cells.
        let img = GrayImage::from_pixels(2, 2, vec![0, 255, 0, 255]);
        let mut buf = Buffer::empty(Rect::new(0, 0, 2, 1));
        ShadedImage { image: &img, shade: Shade::Ramp }.render(buf.area, &mut buf);
        assert_eq!((buf[(0, 0)].symbol(), buf[(1, 0)].symbol()), (" ", "@"));
        ShadedImage { image: &img, shade: Shade::HalfBlock }.render(buf.area, &mut buf);
        assert_eq!(buf[(1, 0)].symbol(), "▀");
        assert_eq!((buf[(1, 0)].fg, buf[(1, 0)].bg), (gray(255), gray(255)));
        assert_eq!(buf[(0, 0)].fg, gray(0));
        assert_eq!(cells_for(28, 28, 1), (28, 14));
        assert_eq!((diverging(0), diverging(128), diverging(255)), (Color::Rgb(0, 0, 255), Color::Rgb(255, 255, 255), Color::Rgb(255, 0, 0)));
    }
}
