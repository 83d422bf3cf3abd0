//! The document model: what callers build. Layout and serialisation happen in `to_bytes`.

use crate::error::PdfError;
use crate::metrics::Font;
use crate::{layout, writer};

/// A4 portrait width in points (210 mm).
pub const A4_WIDTH: f32 = 595.276;
/// A4 portrait height in points (297 mm).
pub const A4_HEIGHT: f32 = 841.89;

/// Smallest text area [`Document::set_margins`] accepts, so that a table or a letter still fits.
const MIN_TEXT_WIDTH: f32 = 200.0;
const MIN_TEXT_HEIGHT: f32 = 300.0;

/// Page margins in points (1 mm ≈ 2.835 pt). The footer sits inside the bottom margin's edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
    pub left: f32,
}

impl Margins {
    /// The same margin on all four sides.
    pub const fn uniform(points: f32) -> Self {
        Margins {
            top: points,
            right: points,
            bottom: points,
            left: points,
        }
    }
}

impl Default for Margins {
    /// 2 cm on every side, usual for French business letters.
    fn default() -> Self {
        Margins::uniform(56.69)
    }
}

/// Horizontal alignment of a paragraph or a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// Heading sizes, in bold: 18, 14 and 12 pt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    H1,
    H2,
    H3,
}

impl Level {
    pub(crate) fn size(self) -> f32 {
        match self {
            Level::H1 => 18.0,
            Level::H2 => 14.0,
            Level::H3 => 12.0,
        }
    }
}

/// A creation date in UTC, written to the document information as `D:YYYYMMDDHHmmSSZ`.
///
/// The writer never reads the clock: the caller passes the date, so the same input always gives
/// the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdfDate {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

impl PdfDate {
    /// Checks the calendar (leap years included) and the time of day.
    pub fn new(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Result<Self, PdfError> {
        let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        if !(1000..=9999).contains(&year) || day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 59
        {
            return Err(PdfError::InvalidDate(format!(
                "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"
            )));
        }
        Ok(PdfDate {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }

    pub(crate) fn to_pdf_string(self) -> String {
        let PdfDate {
            year,
            month,
            day,
            hour,
            minute,
            second,
        } = self;
        format!("D:{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}Z")
    }
}

/// A block of text, word-wrapped to the text width, made of plain and bold runs.
///
/// A `'\n'` in a run starts a new line. Spaces are the break points; a no-break space (U+00A0,
/// or U+202F as French typography puts before `:` and inside `« »`) keeps its neighbours together.
#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    pub(crate) runs: Vec<(Font, String)>,
    pub(crate) align: Align,
    pub(crate) size: f32,
}

impl Default for Paragraph {
    fn default() -> Self {
        Paragraph {
            runs: Vec::new(),
            align: Align::Left,
            size: layout::BODY_SIZE,
        }
    }
}

impl Paragraph {
    pub fn new() -> Self {
        Self::default()
    }

    /// A left-aligned paragraph of plain text.
    pub fn plain(text: impl Into<String>) -> Self {
        Self::new().text(text)
    }

    /// Appends a plain run.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.runs.push((Font::Helvetica, text.into()));
        self
    }

    /// Appends a bold run.
    pub fn bold(mut self, text: impl Into<String>) -> Self {
        self.runs.push((Font::HelveticaBold, text.into()));
        self
    }

    pub fn align(mut self, align: Align) -> Self {
        self.align = align;
        self
    }

    /// Font size in points (default 10), kept between 4 and 72 so a stray value cannot break
    /// the layout.
    pub fn size(mut self, points: f32) -> Self {
        self.size = sanitize_size(points, layout::BODY_SIZE);
        self
    }
}

/// A table column: header text, width as a fraction of the text width, alignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub(crate) header: String,
    pub(crate) width: f32,
    pub(crate) align: Align,
}

impl Column {
    /// A left-aligned column taking `width` (0 < width ≤ 1) of the text width.
    pub fn new(header: impl Into<String>, width: f32) -> Self {
        Column {
            header: header.into(),
            width,
            align: Align::Left,
        }
    }

    /// A right-aligned column, for quantities, prices, rates and amounts.
    pub fn numeric(header: impl Into<String>, width: f32) -> Self {
        Column::new(header, width).align(Align::Right)
    }

    pub fn align(mut self, align: Align) -> Self {
        self.align = align;
        self
    }
}

/// A table with a bold header row on a light grey background, repeated at the top of each page
/// the table continues on. Cell text wraps inside its column; a row is never split across pages
/// unless it is taller than a whole page.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub(crate) columns: Vec<Column>,
    pub(crate) rows: Vec<Vec<String>>,
}

impl Table {
    /// Column widths must be above 0 and add up to at most 1 (a narrower table is left-aligned).
    pub fn new(columns: Vec<Column>) -> Result<Self, PdfError> {
        if columns.is_empty() {
            return Err(PdfError::NoColumns);
        }
        for (index, column) in columns.iter().enumerate() {
            if !(column.width.is_finite() && column.width > 0.0) {
                return Err(PdfError::InvalidColumnWidth {
                    index,
                    width: column.width,
                });
            }
        }
        let sum: f32 = columns.iter().map(|c| c.width).sum();
        // Fractions such as 0.1 do not add up exactly in binary: allow rounding error.
        if sum > 1.0 + 1e-3 {
            return Err(PdfError::ColumnsTooWide { sum });
        }
        Ok(Table {
            columns,
            rows: Vec::new(),
        })
    }

    /// Appends a row; it must have one cell per column. A `'\n'` in a cell starts a new line.
    pub fn push_row<I, S>(&mut self, cells: I) -> Result<&mut Self, PdfError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let row: Vec<String> = cells.into_iter().map(Into::into).collect();
        if row.len() != self.columns.len() {
            return Err(PdfError::RowLength {
                expected: self.columns.len(),
                found: row.len(),
            });
        }
        self.rows.push(row);
        Ok(self)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Label/amount pairs in a framed box against the right margin, amounts right-aligned; an
/// emphasised line (the total to pay) is bold on a grey background.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Totals {
    pub(crate) lines: Vec<TotalLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TotalLine {
    pub(crate) label: String,
    pub(crate) amount: String,
    pub(crate) emphasized: bool,
}

impl Totals {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn line(mut self, label: impl Into<String>, amount: impl Into<String>) -> Self {
        self.lines.push(TotalLine {
            label: label.into(),
            amount: amount.into(),
            emphasized: false,
        });
        self
    }

    /// A line in bold on a grey background, such as "Net à payer".
    pub fn emphasized(mut self, label: impl Into<String>, amount: impl Into<String>) -> Self {
        self.lines.push(TotalLine {
            label: label.into(),
            amount: amount.into(),
            emphasized: true,
        });
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    Heading(Level, String),
    Paragraph(Paragraph),
    Addresses { sender: String, recipient: String },
    KeyValues(Vec<(String, String)>),
    Spacer(f32),
    Rule,
    PageBreak,
    Table(Table),
    Totals(Totals),
}

/// A document on A4 portrait pages, filled from top to bottom with blocks; a new page starts when
/// the next block does not fit. Each page gets a footer: the optional footer text (an invoice's
/// legal mentions) and "Page n / total".
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub(crate) title: String,
    pub(crate) author: String,
    pub(crate) creation_date: Option<PdfDate>,
    pub(crate) footer: Option<String>,
    pub(crate) margins: Margins,
    pub(crate) blocks: Vec<Block>,
}

impl Document {
    /// Title and author go to the document information (shown by readers as the window title).
    pub fn new(title: impl Into<String>, author: impl Into<String>) -> Self {
        Document {
            title: title.into(),
            author: author.into(),
            creation_date: None,
            footer: None,
            margins: Margins::default(),
            blocks: Vec::new(),
        }
    }

    /// The creation date recorded in the document information; without one, none is written.
    pub fn set_creation_date(&mut self, date: PdfDate) -> &mut Self {
        self.creation_date = Some(date);
        self
    }

    /// Small centred text at the bottom of every page, above the page number; wraps as needed.
    pub fn set_footer(&mut self, text: impl Into<String>) -> &mut Self {
        self.footer = Some(text.into());
        self
    }

    /// Refuses negative or non-finite margins and margins that leave less than 200 × 300 pt.
    pub fn set_margins(&mut self, margins: Margins) -> Result<&mut Self, PdfError> {
        let Margins {
            top,
            right,
            bottom,
            left,
        } = margins;
        let valid = [top, right, bottom, left].iter().all(|m| m.is_finite() && *m >= 0.0)
            && A4_WIDTH - left - right >= MIN_TEXT_WIDTH
            && A4_HEIGHT - top - bottom >= MIN_TEXT_HEIGHT;
        if !valid {
            return Err(PdfError::InvalidMargins {
                min_width: MIN_TEXT_WIDTH,
                min_height: MIN_TEXT_HEIGHT,
            });
        }
        self.margins = margins;
        Ok(self)
    }

    /// A bold heading; kept on the same page as the start of what follows it.
    pub fn heading(&mut self, level: Level, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Heading(level, text.into()));
        self
    }

    pub fn paragraph(&mut self, paragraph: Paragraph) -> &mut Self {
        self.blocks.push(Block::Paragraph(paragraph));
        self
    }

    /// Shorthand for a left-aligned paragraph of plain text.
    pub fn text(&mut self, text: impl Into<String>) -> &mut Self {
        self.paragraph(Paragraph::plain(text))
    }

    /// Sender in the left column, recipient in the right one, as at the top of a French letter.
    /// Each is a `'\n'`-separated address whose first line (the name) is bold.
    pub fn address_block(&mut self, sender: impl Into<String>, recipient: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Addresses {
            sender: sender.into(),
            recipient: recipient.into(),
        });
        self
    }

    /// Lines of "key value", keys in bold and values aligned in a second column
    /// ("Facture n°  F-2026-0042").
    pub fn key_values<K, V>(&mut self, pairs: impl IntoIterator<Item = (K, V)>) -> &mut Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let pairs = pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        self.blocks.push(Block::KeyValues(pairs));
        self
    }

    /// Vertical space in points (negative or non-finite counts as 0); dropped at the top of a page.
    pub fn spacer(&mut self, points: f32) -> &mut Self {
        let points = if points.is_finite() {
            points.clamp(0.0, A4_HEIGHT)
        } else {
            0.0
        };
        self.blocks.push(Block::Spacer(points));
        self
    }

    /// A thin horizontal line across the text width.
    pub fn rule(&mut self) -> &mut Self {
        self.blocks.push(Block::Rule);
        self
    }

    /// Starts a new page, unless the current one is still empty.
    pub fn page_break(&mut self) -> &mut Self {
        self.blocks.push(Block::PageBreak);
        self
    }

    pub fn table(&mut self, table: Table) -> &mut Self {
        self.blocks.push(Block::Table(table));
        self
    }

    pub fn totals(&mut self, totals: Totals) -> &mut Self {
        self.blocks.push(Block::Totals(totals));
        self
    }

    /// The number of pages the document lays out to.
    pub fn page_count(&self) -> usize {
        layout::layout(self).len()
    }

    /// The PDF file. The same document always gives the same bytes (no clock, no random id).
    pub fn to_bytes(&self) -> Vec<u8> {
        writer::write(self, &layout::layout(self))
    }
}

fn sanitize_size(points: f32, default: f32) -> f32 {
    if points.is_finite() {
        points.clamp(4.0, 72.0)
    } else {
        default
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_and_formatted() {
        assert_eq!(
            PdfDate::new(2026, 1, 15, 9, 30, 0).unwrap().to_pdf_string(),
            "D:20260115093000Z"
        );
        assert!(PdfDate::new(2024, 2, 29, 0, 0, 0).is_ok());
        assert!(PdfDate::new(2026, 2, 29, 0, 0, 0).is_err());
        assert!(PdfDate::new(1900, 2, 29, 0, 0, 0).is_err());
        assert!(PdfDate::new(2026, 13, 1, 0, 0, 0).is_err());
        assert!(PdfDate::new(2026, 4, 31, 0, 0, 0).is_err());
        assert!(PdfDate::new(2026, 1, 1, 24, 0, 0).is_err());
        assert!(PdfDate::new(99, 1, 1, 0, 0, 0).is_err());
    }

    #[test]
    fn tables_check_columns_and_rows() {
        assert_eq!(Table::new(vec![]), Err(PdfError::NoColumns));
        assert!(matches!(
            Table::new(vec![Column::new("a", 0.5), Column::new("b", 0.0)]),
            Err(PdfError::InvalidColumnWidth { index: 1, .. })
        ));
        assert!(matches!(
            Table::new(vec![Column::new("a", f32::NAN)]),
            Err(PdfError::InvalidColumnWidth { .. })
        ));
        assert!(matches!(
            Table::new(vec![Column::new("a", 0.6), Column::new("b", 0.6)]),
            Err(PdfError::ColumnsTooWide { .. })
        ));
        // Ten tenths add up to slightly more than 1.0 in f32 and are still accepted.
        assert!(Table::new((0..10).map(|i| Column::new(i.to_string(), 0.1)).collect()).is_ok());
        let mut table = Table::new(vec![Column::new("a", 0.5), Column::numeric("b", 0.5)]).unwrap();
        assert_eq!(
            table.push_row(["x"]).err(),
            Some(PdfError::RowLength { expected: 2, found: 1 })
        );
        table.push_row(["x", "1"]).unwrap();
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn margins_must_leave_room() {
        let mut doc = Document::new("t", "a");
        assert!(doc.set_margins(Margins::uniform(40.0)).is_ok());
        assert!(doc.set_margins(Margins::uniform(-1.0)).is_err());
        assert!(
            doc.set_margins(Margins {
                left: 350.0,
                ..Margins::default()
            })
            .is_err()
        );
        assert!(
            doc.set_margins(Margins {
                top: f32::INFINITY,
                ..Margins::default()
            })
            .is_err()
        );
        assert_eq!(doc.margins, Margins::uniform(40.0));
    }

    #[test]
    fn odd_sizes_are_clamped() {
        assert_eq!(Paragraph::new().size(1000.0).size, 72.0);
        assert_eq!(Paragraph::new().size(f32::NAN).size, layout::BODY_SIZE);
    }
}
