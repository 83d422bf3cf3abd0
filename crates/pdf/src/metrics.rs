//! Advance widths of the two fonts, so that wrapping and right alignment match what a reader draws.
//!
//! The numbers are the `WX` values of Adobe's Core 14 AFM files (Helvetica.afm and
//! Helvetica-Bold.afm, Copyright (c) 1985, 1987, 1989, 1990, 1997 Adobe Systems Incorporated),
//! looked up by glyph name for each WinAnsi code. Readers lay out the unembedded standard fonts
//! with these same metrics, and `Tj` applies no kerning, so a width summed here is the width drawn.
//! Codes WinAnsi leaves undefined have width 0: the encoder never produces them.

use crate::encoding;

/// One of the two standard fonts the documents use. Neither is embedded: every PDF reader ships
/// Helvetica (or a metric-compatible clone), which keeps files small and text extractable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Font {
    /// Helvetica, for body text.
    Helvetica,
    /// Helvetica-Bold, for headings, table headers, labels and bold runs.
    HelveticaBold,
}

impl Font {
    /// The resource name used in content streams.
    pub(crate) fn resource(self) -> &'static str {
        match self {
            Font::Helvetica => "F1",
            Font::HelveticaBold => "F2",
        }
    }

    /// The PostScript name of the standard font.
    pub(crate) fn base_font(self) -> &'static str {
        match self {
            Font::Helvetica => "Helvetica",
            Font::HelveticaBold => "Helvetica-Bold",
        }
    }

    /// Advance width of one WinAnsi code in 1/1000 em.
    pub(crate) fn glyph_width(self, code: u8) -> u16 {
        let table = match self {
            Font::Helvetica => &HELVETICA,
            Font::HelveticaBold => &HELVETICA_BOLD,
        };
        code.checked_sub(32).map_or(0, |i| table[usize::from(i)])
    }

    /// Width in points of already encoded WinAnsi bytes at `size` points.
    pub(crate) fn width_of_codes(self, codes: &[u8], size: f32) -> f32 {
        let units: u32 = codes.iter().map(|&c| u32::from(self.glyph_width(c))).sum();
        units as f32 * size / 1000.0
    }
}

/// Width in points of `text` drawn on one line in `font` at `size` points, as a PDF reader draws
/// it (characters outside WinAnsi count as the `?` that replaces them).
///
/// ```
/// use pdf::{Font, text_width};
/// // Helvetica: "é" is 556/1000 em wide, so 5.56 pt at 10 pt.
/// assert!((text_width("é", Font::Helvetica, 10.0) - 5.56).abs() < 1e-4);
/// ```
pub fn text_width(text: &str, font: Font, size: f32) -> f32 {
    font.width_of_codes(&encoding::encode(text), size)
}

/// Helvetica advance widths for WinAnsi codes 32 to 255, in 1/1000 em.
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    // 0x20
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    // 0x30
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    // 0x40
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    // 0x50
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    // 0x60
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    // 0x70
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,
    // 0x80
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    // 0x90
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,
    // 0xA0
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    // 0xB0
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    // 0xC0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    // 0xD0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    // 0xE0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    // 0xF0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// Helvetica-Bold advance widths for WinAnsi codes 32 to 255, in 1/1000 em.
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    // 0x20
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    // 0x30
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    // 0x40
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    // 0x50
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    // 0x60
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    // 0x70
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,
    // 0x80
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    // 0x90
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,
    // 0xA0
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    // 0xB0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    // 0xC0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    // 0xD0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    // 0xE0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    // 0xF0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_match_the_afm_files() {
        // Spot checks against Helvetica.afm / Helvetica-Bold.afm by glyph name.
        assert_eq!(Font::Helvetica.glyph_width(b' '), 278);
        assert_eq!(Font::Helvetica.glyph_width(b'\''), 191); // quotesingle
        assert_eq!(Font::Helvetica.glyph_width(0x92), 222); // quoteright
        assert_eq!(Font::Helvetica.glyph_width(0x80), 556); // Euro
        assert_eq!(Font::Helvetica.glyph_width(0x9c), 944); // oe
        assert_eq!(Font::Helvetica.glyph_width(b'W'), 944);
        assert_eq!(Font::HelveticaBold.glyph_width(b'\''), 238);
        assert_eq!(Font::HelveticaBold.glyph_width(0xe9), 556); // eacute
        assert_eq!(Font::HelveticaBold.glyph_width(b'm'), 889);
        assert_eq!(Font::HelveticaBold.glyph_width(0xab), 556); // guillemotleft
    }

    #[test]
    fn text_width_sums_advances() {
        // H e l l o = 722 + 556 + 222 + 222 + 556 = 2278 units.
        assert!((text_width("Hello", Font::Helvetica, 10.0) - 22.78).abs() < 1e-4);
        // Unknown characters measure as the '?' drawn in their place.
        assert_eq!(
            text_width("✓", Font::Helvetica, 10.0),
            text_width("?", Font::Helvetica, 10.0)
        );
    }
}
