//! Turns blocks into positioned drawing operations, page by page.
//!
//! Coordinates here run from the top-left corner of the page downwards, as a reader thinks about a
//! page; the writer flips them into PDF's bottom-up space.

use crate::document::{A4_HEIGHT, A4_WIDTH, Align, Block, Document, Level, Table, Totals};
use crate::encoding::{Mapped, compose, map_char};
use crate::metrics::Font;

pub(crate) const BODY_SIZE: f32 = 10.0;
const TABLE_SIZE: f32 = 9.0;
const FOOTER_SIZE: f32 = 7.5;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.25;
/// Baseline below the top of a line box, as a multiple of the font size: Helvetica's ascender is
/// 0.718 em and the leading's extra space is split evenly above and below the glyphs.
const BASELINE: f32 = 0.88;
const BLOCK_GAP: f32 = 8.0;
const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 3.0;
/// Space between the body and the footer.
const FOOTER_GAP: f32 = 12.0;
const KEY_GAP: f32 = 12.0;
/// Tolerance for float comparisons on widths and heights (far below a visible 0.01 pt).
const EPS: f32 = 1e-3;

const HEADER_GRAY: f32 = 0.88;
const EMPHASIS_GRAY: f32 = 0.92;
const LINE_GRAY: f32 = 0.6;
const ROW_LINE_GRAY: f32 = 0.8;
const FOOTER_GRAY: f32 = 0.3;

/// A run of WinAnsi codes in one font.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Segment {
    pub(crate) font: Font,
    pub(crate) codes: Vec<u8>,
}

/// One wrapped line: its segments and its width in points.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TextLine {
    pub(crate) segments: Vec<Segment>,
    pub(crate) width: f32,
}

/// A drawing operation, in points from the page's top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        gray: f32,
        segments: Vec<Segment>,
    },
    Fill {
        x: f32,
        top: f32,
        width: f32,
        height: f32,
        gray: f32,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        gray: f32,
    },
    Frame {
        x: f32,
        top: f32,
        width: f32,
        height: f32,
        line_width: f32,
        gray: f32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Glyph {
    font: Font,
    code: u8,
}

/// Greedy line breaking at spaces. Words longer than the width are cut between characters, so no
/// text is ever lost or drawn outside its box.
struct Wrapper {
    size: f32,
    max_width: f32,
    lines: Vec<TextLine>,
    line: Vec<Glyph>,
    line_width: f32,
    spaces: Vec<Glyph>,
    spaces_width: f32,
    /// True at the start of the text and after a `'\n'`: leading spaces there are the author's
    /// indentation and are kept, whereas at a wrap they would only push the line to the right.
    hard_start: bool,
}

impl Wrapper {
    fn width(&self, glyphs: &[Glyph]) -> f32 {
        glyphs
            .iter()
            .map(|g| f32::from(g.font.glyph_width(g.code)))
            .sum::<f32>()
            * self.size
            / 1000.0
    }

    fn push_space(&mut self, glyph: Glyph) {
        self.spaces_width += self.width(&[glyph]);
        self.spaces.push(glyph);
    }

    fn push_word(&mut self, word: &[Glyph]) {
        if word.is_empty() {
            return;
        }
        let word_width = self.width(word);
        if self.line.is_empty() && !self.hard_start {
            self.clear_spaces();
        }
        if self.line_width + self.spaces_width + word_width <= self.max_width + EPS {
            self.line.append(&mut self.spaces);
            self.line.extend_from_slice(word);
            self.line_width += self.spaces_width + word_width;
            self.spaces_width = 0.0;
        } else {
            if !self.line.is_empty() {
                self.emit();
            }
            self.clear_spaces();
            if word_width <= self.max_width + EPS {
                self.line.extend_from_slice(word);
                self.line_width = word_width;
            } else {
                for &glyph in word {
                    let w = self.width(&[glyph]);
                    // At least one glyph per line, so a width narrower than a letter still ends.
                    if !self.line.is_empty() && self.line_width + w > self.max_width + EPS {
                        self.emit();
                    }
                    self.line.push(glyph);
                    self.line_width += w;
                }
            }
        }
        self.hard_start = false;
    }

    fn clear_spaces(&mut self) {
        self.spaces.clear();
        self.spaces_width = 0.0;
    }

    fn hard_break(&mut self) {
        self.emit();
        self.clear_spaces();
        self.hard_start = true;
    }

    fn emit(&mut self) {
        let glyphs = std::mem::take(&mut self.line);
        let mut segments: Vec<Segment> = Vec::new();
        for glyph in glyphs {
            match segments.last_mut() {
                Some(segment) if segment.font == glyph.font => segment.codes.push(glyph.code),
                _ => segments.push(Segment {
                    font: glyph.font,
                    codes: vec![glyph.code],
                }),
            }
        }
        self.lines.push(TextLine {
            segments,
            width: self.line_width,
        });
        self.line_width = 0.0;
        self.hard_start = false;
    }
}

/// Wraps runs of text to `max_width` points at `size` points. Always returns at least one line
/// (possibly empty), so a block's height is never zero.
pub(crate) fn wrap(runs: &[(Font, &str)], size: f32, max_width: f32) -> Vec<TextLine> {
    let mut wrapper = Wrapper {
        size,
        max_width,
        lines: Vec::new(),
        line: Vec::new(),
        line_width: 0.0,
        spaces: Vec::new(),
        spaces_width: 0.0,
        hard_start: true,
    };
    // A word may span runs ("**Total** :" keeps "Total" glued to what follows up to a space).
    let mut word = Vec::new();
    for &(font, text) in runs {
        for c in compose(text).chars() {
            if c == '\n' {
                wrapper.push_word(&std::mem::take(&mut word));
                wrapper.hard_break();
                continue;
            }
            match map_char(c) {
                Mapped::Drop => {}
                Mapped::Byte(b' ') => {
                    wrapper.push_word(&std::mem::take(&mut word));
                    wrapper.push_space(Glyph { font, code: b' ' });
                }
                Mapped::Byte(code) => word.push(Glyph { font, code }),
            }
        }
    }
    wrapper.push_word(&word);
    if !wrapper.line.is_empty() || wrapper.lines.is_empty() {
        wrapper.emit();
    }
    wrapper.lines
}

fn line_height(size: f32) -> f32 {
    size * LEADING
}

/// Where a line goes across the page: its box's left edge and width, and its alignment in it.
#[derive(Debug, Clone, Copy)]
struct Slot {
    x: f32,
    width: f32,
    align: Align,
}

/// Cells of a row, side by side.
struct Cell<'a> {
    slot: Slot,
    lines: &'a [TextLine],
}

/// How a row of cells is decorated.
#[derive(Clone, Copy)]
struct RowStyle {
    size: f32,
    pad_y: f32,
    /// Extent of the background and separator.
    x: f32,
    width: f32,
    background: Option<f32>,
    rule_below: bool,
}

/// The header of the table being laid out, repeated on each page the table continues on.
struct RepeatedHeader {
    cells: Vec<(f32, f32, Align, Vec<TextLine>)>,
    x: f32,
    width: f32,
    height: f32,
}

struct Layouter {
    pages: Vec<Vec<Op>>,
    /// Current position, from the top of the page.
    y: f32,
    left: f32,
    width: f32,
    top: f32,
    bottom: f32,
}

impl Layouter {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn remaining(&self) -> f32 {
        self.bottom - self.y
    }

    fn at_page_top(&self) -> bool {
        self.y <= self.top + EPS
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.top;
    }

    /// Starts a new page when `height` does not fit, unless the page is still empty (a block
    /// taller than a page then overflows instead of producing blank pages forever).
    fn ensure(&mut self, height: f32) {
        if height > self.remaining() + EPS && !self.at_page_top() {
            self.new_page();
        }
    }

    fn gap(&mut self, points: f32) {
        self.y += points;
    }

    fn draw_line(&mut self, slot: Slot, line: &TextLine, size: f32, top: f32, gray: f32) {
        if line.segments.is_empty() {
            return;
        }
        let Slot { x, width, align } = slot;
        let offset = match align {
            Align::Left => 0.0,
            Align::Center => (width - line.width) / 2.0,
            Align::Right => width - line.width,
        };
        let op = Op::Text {
            x: x + offset,
            baseline: top + size * BASELINE,
            size,
            gray,
            segments: line.segments.clone(),
        };
        self.ops().push(op);
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Heading(level, text) => self.heading(*level, text),
            Block::Paragraph(p) => {
                let runs: Vec<(Font, &str)> = p.runs.iter().map(|(f, t)| (*f, t.as_str())).collect();
                let lines = wrap(&runs, p.size, self.width);
                self.paragraph_lines(&lines, p.size, p.align);
                self.gap(BLOCK_GAP);
            }
            Block::Addresses { sender, recipient } => self.addresses(sender, recipient),
            Block::KeyValues(pairs) => self.key_values(pairs),
            Block::Spacer(points) => {
                if !self.at_page_top() {
                    self.y = (self.y + points).min(self.bottom);
                }
            }
            Block::Rule => {
                self.ensure(BLOCK_GAP);
                let y = self.y + 2.0;
                let (x1, x2) = (self.left, self.left + self.width);
                self.ops().push(Op::Line {
                    x1,
                    y1: y,
                    x2,
                    y2: y,
                    width: 0.5,
                    gray: LINE_GRAY,
                });
                self.gap(2.0 + BLOCK_GAP);
            }
            Block::PageBreak => {
                if !self.at_page_top() {
                    self.new_page();
                }
            }
            Block::Table(table) => self.table(table),
            Block::Totals(totals) => self.totals(totals),
        }
    }

    fn heading(&mut self, level: Level, text: &str) {
        let size = level.size();
        let lines = wrap(&[(Font::HelveticaBold, text)], size, self.width);
        let before = if self.at_page_top() { 0.0 } else { size * 0.5 };
        let after = size * 0.4;
        // Keep the heading with the first two lines of what follows it.
        let needed = before + lines.len() as f32 * line_height(size) + after + 2.0 * line_height(BODY_SIZE);
        self.ensure(needed);
        if !self.at_page_top() {
            self.gap(before);
        }
        self.paragraph_lines(&lines, size, Align::Left);
        self.gap(after);
    }

    fn paragraph_lines(&mut self, lines: &[TextLine], size: f32, align: Align) {
        let lh = line_height(size);
        // No single first line left alone at the bottom of a page.
        self.ensure(lh * lines.len().min(2) as f32);
        for line in lines {
            self.ensure(lh);
            let (x, width, top) = (self.left, self.width, self.y);
            self.draw_line(Slot { x, width, align }, line, size, top, 0.0);
            self.y += lh;
        }
    }

    fn addresses(&mut self, sender: &str, recipient: &str) {
        // The recipient column starts past the middle, where a window envelope shows it.
        let column = self.width * 0.45;
        let address = |text: &str| {
            let (name, rest) = text.split_once('\n').unwrap_or((text, ""));
            let rest = if rest.is_empty() {
                String::new()
            } else {
                format!("\n{rest}")
            };
            wrap(
                &[(Font::HelveticaBold, name), (Font::Helvetica, &rest)],
                BODY_SIZE,
                column,
            )
        };
        let (left, right) = (address(sender), address(recipient));
        let cells = [
            Cell {
                slot: Slot {
                    x: self.left,
                    width: column,
                    align: Align::Left,
                },
                lines: &left,
            },
            Cell {
                slot: Slot {
                    x: self.left + self.width - column,
                    width: column,
                    align: Align::Left,
                },
                lines: &right,
            },
        ];
        let style = RowStyle {
            size: BODY_SIZE,
            pad_y: 0.0,
            x: self.left,
            width: self.width,
            background: None,
            rule_below: false,
        };
        self.row(&cells, style, None);
        self.gap(BLOCK_GAP * 2.0);
    }

    fn key_values(&mut self, pairs: &[(String, String)]) {
        let widest_key = pairs
            .iter()
            .map(|(k, _)| Font::HelveticaBold.width_of_codes(&crate::encoding::encode(k), BODY_SIZE))
            .fold(0.0_f32, f32::max);
        let key_width = widest_key.min(self.width * 0.4);
        let value_x = self.left + key_width + KEY_GAP;
        let value_width = self.width - key_width - KEY_GAP;
        for (key, value) in pairs {
            let key_lines = wrap(&[(Font::HelveticaBold, key)], BODY_SIZE, key_width);
            let value_lines = wrap(&[(Font::Helvetica, value)], BODY_SIZE, value_width);
            let cells = [
                Cell {
                    slot: Slot {
                        x: self.left,
                        width: key_width,
                        align: Align::Left,
                    },
                    lines: &key_lines,
                },
                Cell {
                    slot: Slot {
                        x: value_x,
                        width: value_width,
                        align: Align::Left,
                    },
                    lines: &value_lines,
                },
            ];
            let style = RowStyle {
                size: BODY_SIZE,
                pad_y: 0.0,
                x: self.left,
                width: self.width,
                background: None,
                rule_below: false,
            };
            self.row(&cells, style, None);
        }
        self.gap(BLOCK_GAP);
    }

    /// Draws a row of cells whose first lines share a baseline. The row moves whole to the next
    /// page when it does not fit; only a row taller than an empty page is split, between lines.
    fn row(&mut self, cells: &[Cell], style: RowStyle, header: Option<&RepeatedHeader>) {
        let lh = line_height(style.size);
        let count = cells.iter().map(|c| c.lines.len()).max().unwrap_or(0);
        let full = 2.0 * style.pad_y + count as f32 * lh;
        let capacity = self.bottom - self.top - header.map_or(0.0, |h| h.height);
        let fresh = self.remaining() >= capacity - EPS;
        if full > self.remaining() + EPS
            && !fresh
            && (full <= capacity + EPS || self.remaining() < style.pad_y * 2.0 + 2.0 * lh)
        {
            self.new_page();
            if let Some(header) = header {
                self.repeated_header(header);
            }
        }
        let mut start = 0;
        loop {
            let room = ((self.remaining() - 2.0 * style.pad_y + EPS) / lh).floor().max(1.0) as usize;
            let take = room.min(count - start);
            let height = 2.0 * style.pad_y + take as f32 * lh;
            let top = self.y;
            if let Some(gray) = style.background {
                self.ops().push(Op::Fill {
                    x: style.x,
                    top,
                    width: style.width,
                    height,
                    gray,
                });
            }
            for (i, offset) in (start..start + take).enumerate() {
                let line_top = top + style.pad_y + i as f32 * lh;
                for cell in cells {
                    if let Some(line) = cell.lines.get(offset) {
                        self.draw_line(cell.slot, line, style.size, line_top, 0.0);
                    }
                }
            }
            if style.rule_below {
                let y = top + height;
                let (x1, x2) = (style.x, style.x + style.width);
                self.ops().push(Op::Line {
                    x1,
                    y1: y,
                    x2,
                    y2: y,
                    width: 0.5,
                    gray: ROW_LINE_GRAY,
                });
            }
            self.y += height;
            start += take;
            if start >= count {
                break;
            }
            self.new_page();
            if let Some(header) = header {
                self.repeated_header(header);
            }
        }
    }

    fn repeated_header(&mut self, header: &RepeatedHeader) {
        let top = self.y;
        let (x, width, height) = (header.x, header.width, header.height);
        self.ops().push(Op::Fill {
            x,
            top,
            width,
            height,
            gray: HEADER_GRAY,
        });
        for (cx, cw, align, lines) in &header.cells {
            for (i, line) in lines.iter().enumerate() {
                let line_top = top + CELL_PAD_Y + i as f32 * line_height(TABLE_SIZE);
                let slot = Slot {
                    x: cx + CELL_PAD_X,
                    width: cw - 2.0 * CELL_PAD_X,
                    align: *align,
                };
                self.draw_line(slot, line, TABLE_SIZE, line_top, 0.0);
            }
        }
        let y = top + height;
        self.ops().push(Op::Line {
            x1: x,
            y1: y,
            x2: x + width,
            y2: y,
            width: 0.75,
            gray: LINE_GRAY,
        });
        self.y += height;
    }

    fn table(&mut self, table: &Table) {
        let mut x = self.left;
        let mut columns = Vec::with_capacity(table.columns.len());
        for column in &table.columns {
            let width = column.width * self.width;
            columns.push((x, width, column.align));
            x += width;
        }
        let table_width = x - self.left;
        let text_width = |w: f32| (w - 2.0 * CELL_PAD_X).max(1.0);
        let header_cells: Vec<(f32, f32, Align, Vec<TextLine>)> = table
            .columns
            .iter()
            .zip(&columns)
            .map(|(c, &(x, w, align))| {
                (
                    x,
                    w,
                    align,
                    wrap(&[(Font::HelveticaBold, &c.header)], TABLE_SIZE, text_width(w)),
                )
            })
            .collect();
        let header_lines = header_cells.iter().map(|c| c.3.len()).max().unwrap_or(1);
        let header = RepeatedHeader {
            cells: header_cells,
            x: self.left,
            width: table_width,
            height: 2.0 * CELL_PAD_Y + header_lines as f32 * line_height(TABLE_SIZE),
        };
        let rows: Vec<Vec<Vec<TextLine>>> = table
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&columns)
                    .map(|(text, &(_, w, _))| wrap(&[(Font::Helvetica, text)], TABLE_SIZE, text_width(w)))
                    .collect()
            })
            .collect();
        // The header never stands alone at the bottom of a page: it needs its first row below it.
        let first_row = rows.first().map_or(0, |r| r.iter().map(Vec::len).max().unwrap_or(0));
        let first_height = 2.0 * CELL_PAD_Y + first_row as f32 * line_height(TABLE_SIZE);
        self.ensure(header.height + first_height.min(self.bottom - self.top - header.height));
        self.repeated_header(&header);
        let style = RowStyle {
            size: TABLE_SIZE,
            pad_y: CELL_PAD_Y,
            x: self.left,
            width: table_width,
            background: None,
            rule_below: true,
        };
        for row in &rows {
            let cells: Vec<Cell> = row
                .iter()
                .zip(&columns)
                .map(|(lines, &(x, w, align))| Cell {
                    slot: Slot {
                        x: x + CELL_PAD_X,
                        width: text_width(w),
                        align,
                    },
                    lines,
                })
                .collect();
            self.row(&cells, style, Some(&header));
        }
        self.gap(BLOCK_GAP);
    }

    fn totals(&mut self, totals: &Totals) {
        if totals.lines.is_empty() {
            return;
        }
        let measure = |font: Font, text: &str| font.width_of_codes(&crate::encoding::encode(text), BODY_SIZE);
        let font_of = |emphasized: bool| {
            if emphasized {
                Font::HelveticaBold
            } else {
                Font::Helvetica
            }
        };
        let widest_label = totals
            .lines
            .iter()
            .map(|l| measure(font_of(l.emphasized), &l.label))
            .fold(0.0, f32::max);
        let widest_amount = totals
            .lines
            .iter()
            .map(|l| measure(font_of(l.emphasized), &l.amount))
            .fold(0.0, f32::max);
        let pad = CELL_PAD_X * 2.0;
        let box_width = (widest_label + widest_amount + 3.0 * pad).clamp(self.width * 0.4, self.width);
        let x = self.left + self.width - box_width;
        let amount_width = widest_amount.min(box_width * 0.5);
        let label_width = box_width - amount_width - 3.0 * pad;
        let rows: Vec<(Vec<TextLine>, Vec<TextLine>, bool)> = totals
            .lines
            .iter()
            .map(|l| {
                let font = font_of(l.emphasized);
                (
                    wrap(&[(font, &l.label)], BODY_SIZE, label_width),
                    wrap(&[(font, &l.amount)], BODY_SIZE, amount_width),
                    l.emphasized,
                )
            })
            .collect();
        let lh = line_height(BODY_SIZE);
        let height: f32 = rows
            .iter()
            .map(|(l, a, _)| 2.0 * CELL_PAD_Y + l.len().max(a.len()) as f32 * lh)
            .sum();
        // The box stays in one piece when it fits on a page.
        if height <= self.bottom - self.top {
            self.ensure(height);
        }
        let (page, top) = (self.pages.len(), self.y);
        for (labels, amounts, emphasized) in &rows {
            let cells = [
                Cell {
                    slot: Slot {
                        x: x + pad,
                        width: label_width,
                        align: Align::Left,
                    },
                    lines: labels,
                },
                Cell {
                    slot: Slot {
                        x: x + box_width - pad - amount_width,
                        width: amount_width,
                        align: Align::Right,
                    },
                    lines: amounts,
                },
            ];
            let style = RowStyle {
                size: BODY_SIZE,
                pad_y: CELL_PAD_Y,
                x,
                width: box_width,
                background: emphasized.then_some(EMPHASIS_GRAY),
                rule_below: false,
            };
            self.row(&cells, style, None);
        }
        // A frame only when the box did not have to be split, where it would have no bottom edge.
        if self.pages.len() == page {
            let frame_height = self.y - top;
            self.ops().push(Op::Frame {
                x,
                top,
                width: box_width,
                height: frame_height,
                line_width: 0.75,
                gray: LINE_GRAY,
            });
        }
        self.gap(BLOCK_GAP);
    }
}

/// Lays the document out into pages of drawing operations, footers included. Never returns an
/// empty list: an empty document is one blank page with its footer.
pub(crate) fn layout(doc: &Document) -> Vec<Vec<Op>> {
    let m = doc.margins;
    let width = A4_WIDTH - m.left - m.right;
    let footer_lines = doc
        .footer
        .as_deref()
        .map_or_else(Vec::new, |f| wrap(&[(Font::Helvetica, f)], FOOTER_SIZE, width));
    let footer_lh = line_height(FOOTER_SIZE);
    // Footer text lines, then the page number line.
    let footer_height = (footer_lines.len() + 1) as f32 * footer_lh;
    let footer_top = A4_HEIGHT - m.bottom - footer_height;
    let mut layouter = Layouter {
        pages: vec![Vec::new()],
        y: m.top,
        left: m.left,
        width,
        top: m.top,
        bottom: footer_top - FOOTER_GAP,
    };
    for block in &doc.blocks {
        layouter.block(block);
    }
    let mut pages = layouter.pages;
    let total = pages.len();
    for (index, ops) in pages.iter_mut().enumerate() {
        let mut footer = Layouter {
            pages: Vec::new(),
            y: footer_top,
            left: m.left,
            width,
            top: footer_top,
            bottom: A4_HEIGHT,
        };
        for line in &footer_lines {
            let top = footer.y;
            footer.draw_line(
                Slot {
                    x: m.left,
                    width,
                    align: Align::Center,
                },
                line,
                FOOTER_SIZE,
                top,
                FOOTER_GRAY,
            );
            footer.y += footer_lh;
        }
        let number = wrap(
            &[(Font::Helvetica, &format!("Page {} / {}", index + 1, total))],
            FOOTER_SIZE,
            width,
        );
        let top = footer.y;
        for line in &number {
            footer.draw_line(
                Slot {
                    x: m.left,
                    width,
                    align: Align::Right,
                },
                line,
                FOOTER_SIZE,
                top,
                FOOTER_GRAY,
            );
        }
        ops.append(footer.ops());
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Column, Paragraph};

    fn texts(lines: &[TextLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                l.segments
                    .iter()
                    .flat_map(|s| s.codes.iter().map(|&c| char::from(c)))
                    .collect()
            })
            .collect()
    }

    fn page_texts(ops: &[Op]) -> Vec<String> {
        ops.iter()
            .filter_map(|op| match op {
                Op::Text { segments, .. } => Some(
                    segments
                        .iter()
                        .flat_map(|s| s.codes.iter().map(|&c| char::from(c)))
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn wraps_at_spaces_within_the_width() {
        // "aaa" is 3 × 5.56 = 16.68 pt at 10 pt; a space is 2.78 pt.
        let lines = wrap(&[(Font::Helvetica, "aaa aaa aaa")], 10.0, 37.0);
        assert_eq!(texts(&lines), ["aaa aaa", "aaa"]);
        assert!(lines.iter().all(|l| l.width <= 37.0));
        assert!((lines[0].width - 36.14).abs() < 1e-3);
    }

    #[test]
    fn trailing_spaces_do_not_count_and_hard_breaks_are_kept() {
        let lines = wrap(&[(Font::Helvetica, "  indent  \n\nend   ")], 10.0, 500.0);
        assert_eq!(texts(&lines), ["  indent", "", "end"]);
        assert!((lines[2].width - crate::text_width("end", Font::Helvetica, 10.0)).abs() < 1e-4);
    }

    #[test]
    fn long_words_are_cut_and_nothing_is_lost() {
        let lines = wrap(&[(Font::Helvetica, "FR7630006000011234567890189")], 10.0, 40.0);
        assert!(lines.len() > 1);
        assert_eq!(texts(&lines).concat(), "FR7630006000011234567890189");
        assert!(lines.iter().all(|l| l.width <= 40.0 + EPS));
        // Narrower than one letter: one letter per line, and it terminates.
        assert_eq!(wrap(&[(Font::Helvetica, "abc")], 10.0, 0.5).len(), 3);
    }

    #[test]
    fn no_break_spaces_hold_words_together() {
        let lines = wrap(&[(Font::Helvetica, "montant 1\u{202f}234,56\u{a0}€")], 10.0, 60.0);
        assert_eq!(texts(&lines)[1], "1\u{a0}234,56\u{a0}\u{80}");
    }

    #[test]
    fn runs_keep_their_fonts_within_a_line() {
        let lines = wrap(
            &[
                (Font::Helvetica, "Total "),
                (Font::HelveticaBold, "TTC"),
                (Font::Helvetica, " :"),
            ],
            10.0,
            500.0,
        );
        let fonts: Vec<Font> = lines[0].segments.iter().map(|s| s.font).collect();
        assert_eq!(fonts, [Font::Helvetica, Font::HelveticaBold, Font::Helvetica]);
        assert_eq!(wrap(&[], 10.0, 100.0).len(), 1);
    }

    #[test]
    fn right_aligned_text_ends_at_the_right_margin() {
        let mut doc = Document::new("t", "a");
        doc.paragraph(Paragraph::plain("Paris, le 3 mars 2026").align(Align::Right));
        let pages = layout(&doc);
        let Some(Op::Text { x, size, segments, .. }) = pages[0].first() else {
            panic!("no text drawn")
        };
        let width: f32 = segments.iter().map(|s| s.font.width_of_codes(&s.codes, *size)).sum();
        let right_edge = A4_WIDTH - doc.margins.right;
        assert!((x + width - right_edge).abs() < 1e-3, "{} vs {right_edge}", x + width);
    }

    #[test]
    fn long_tables_repeat_their_header_and_keep_rows_whole() {
        let mut table = Table::new(vec![Column::new("Désignation", 0.7), Column::numeric("Montant", 0.3)]).unwrap();
        for i in 0..150 {
            table
                .push_row([format!("Ligne {i}\nsuite {i}"), format!("{i},00")])
                .unwrap();
        }
        let mut doc = Document::new("t", "a");
        doc.table(table);
        let pages = layout(&doc);
        assert!(pages.len() >= 3);
        for (n, page) in pages.iter().enumerate() {
            let texts = page_texts(page);
            assert!(texts.iter().any(|t| t == "D\u{e9}signation"), "page {n} has no header");
            assert!(texts.iter().any(|t| t == &format!("Page {} / {}", n + 1, pages.len())));
            // Each row's two lines are on the same page.
            for i in 0..150 {
                let first = texts.iter().any(|t| t == &format!("Ligne {i}"));
                let second = texts.iter().any(|t| t == &format!("suite {i}"));
                assert_eq!(first, second, "row {i} split on page {n}");
            }
        }
    }

    #[test]
    fn a_row_taller_than_a_page_is_split_rather_than_lost() {
        let mut table = Table::new(vec![Column::new("Texte", 1.0)]).unwrap();
        let long: Vec<String> = (0..200).map(|i| format!("l{i}")).collect();
        table.push_row([long.join("\n")]).unwrap();
        let mut doc = Document::new("t", "a");
        doc.table(table);
        let pages = layout(&doc);
        assert!(pages.len() >= 3);
        let all: Vec<String> = pages.iter().flat_map(|p| page_texts(p)).collect();
        assert!((0..200).all(|i| all.contains(&format!("l{i}"))));
        assert!(pages.iter().all(|p| page_texts(p).iter().any(|t| t == "Texte")));
    }

    #[test]
    fn page_breaks_and_spacers_do_not_make_blank_pages() {
        let mut doc = Document::new("t", "a");
        doc.page_break()
            .spacer(100.0)
            .text("a")
            .page_break()
            .page_break()
            .text("b")
            .spacer(5000.0);
        assert_eq!(layout(&doc).len(), 2);
        assert_eq!(Document::new("t", "a").page_count(), 1);
    }

    #[test]
    fn everything_stays_inside_the_page() {
        let mut doc = Document::new("t", "a");
        doc.set_footer("Mentions légales ".repeat(30));
        for i in 0..40 {
            doc.heading(Level::H2, format!("Section {i}")).text("mot ".repeat(200));
        }
        for page in layout(&doc) {
            for op in page {
                if let Op::Text {
                    x,
                    baseline,
                    size,
                    segments,
                    ..
                } = op
                {
                    let width: f32 = segments.iter().map(|s| s.font.width_of_codes(&s.codes, size)).sum();
                    assert!(x >= doc.margins.left - EPS && x + width <= A4_WIDTH - doc.margins.right + EPS);
                    assert!(baseline > doc.margins.top && baseline < A4_HEIGHT - doc.margins.bottom + size);
                }
            }
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Text mixing what invoices contain: words, spaces of all kinds, line breaks, accents,
        /// and characters WinAnsi lacks.
        fn text() -> impl Strategy<Value = String> {
            proptest::collection::vec(
                prop_oneof![
                    Just(" ".to_owned()),
                    Just("\n".to_owned()),
                    Just("\u{a0}".to_owned()),
                    Just("\u{202f}".to_owned()),
                    "[a-zA-Z0-9éèàçôœ«»€’,.;:()-]{1,12}",
                    any::<char>().prop_map(String::from),
                ],
                0..40,
            )
            .prop_map(|parts| parts.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            #[test]
            fn wrapping_loses_nothing_and_stays_in_its_width(text in text(), width in 1.0_f32..400.0, bold: bool) {
                let font = if bold { Font::HelveticaBold } else { Font::Helvetica };
                let lines = wrap(&[(font, &text)], 10.0, width);
                prop_assert!(!lines.is_empty());
                let mut kept = Vec::new();
                for line in &lines {
                    let codes: Vec<u8> = line.segments.iter().flat_map(|s| s.codes.clone()).collect();
                    let measured = font.width_of_codes(&codes, 10.0);
                    prop_assert!((measured - line.width).abs() < 0.01);
                    prop_assert!(line.width <= width + EPS || codes.len() == 1, "{} > {width}", line.width);
                    prop_assert!(codes.last() != Some(&b' '), "trailing space");
                    kept.extend(codes.into_iter().filter(|&c| c != b' '));
                }
                let expected: Vec<u8> = crate::encoding::encode(&text).into_iter().filter(|&c| c != b' ').collect();
                prop_assert_eq!(kept, expected);
            }

        }

        proptest! {
            // Whole documents are slower in a debug build: fewer cases.
            #![proptest_config(ProptestConfig::with_cases(32))]

            #[test]
            fn any_document_lays_out_and_serialises(
                paragraphs in proptest::collection::vec(text(), 0..6),
                cells in proptest::collection::vec((text(), text()), 0..30),
                footer in proptest::option::of(text()),
            ) {
                let mut doc = Document::new(paragraphs.concat(), "a");
                if let Some(footer) = footer {
                    doc.set_footer(footer);
                }
                for p in &paragraphs {
                    doc.heading(Level::H2, p.clone()).text(p.clone()).address_block(p.clone(), p.clone());
                }
                let mut table = Table::new(vec![Column::new("a", 0.3), Column::numeric("b", 0.7)]).unwrap();
                for (a, b) in &cells {
                    table.push_row([a.clone(), b.clone()]).unwrap();
                }
                doc.table(table);
                doc.key_values(cells.clone());
                doc.totals(cells.iter().fold(crate::Totals::new(), |t, (a, b)| t.line(a.clone(), b.clone())));
                let bytes = doc.to_bytes();
                prop_assert!(bytes.starts_with(b"%PDF-1.7\n"));
                prop_assert!(bytes.ends_with(b"%%EOF\n"));
                prop_assert!(doc.page_count() >= 1);
            }
        }
    }
}
