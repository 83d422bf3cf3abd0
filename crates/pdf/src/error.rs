use thiserror::Error;

/// Input the writer refuses. Everything is checked when a value is built, so that
/// [`Document::to_bytes`](crate::Document::to_bytes) itself cannot fail.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PdfError {
    #[error("a table needs at least one column")]
    NoColumns,
    #[error("column {index} has width {width}: a column width is a fraction of the text width, above 0")]
    InvalidColumnWidth { index: usize, width: f32 },
    #[error("the column widths add up to {sum}, more than the text width (1.0)")]
    ColumnsTooWide { sum: f32 },
    #[error("a row has {found} cells but the table has {expected} columns")]
    RowLength { expected: usize, found: usize },
    #[error("{0} is not a valid date and time")]
    InvalidDate(String),
    #[error("the margins leave less than {min_width} × {min_height} pt for the text on an A4 page")]
    InvalidMargins { min_width: f32, min_height: f32 },
}
