//! Aligned text tables that measure Chinese text by its display width (two columns per
//! character), so that columns line up in a terminal.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How a column is aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A table: headers, alignments and rows of cells.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    aligns: Vec<Align>,
    max_widths: Vec<usize>,
    rows: Vec<Vec<String>>,
}

/// Widest a cell may be before it is cut with an ellipsis.
const DEFAULT_MAX_WIDTH: usize = 48;

impl Table {
    /// A table with these columns.
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Self {
            headers: columns.iter().map(|(h, _)| (*h).to_owned()).collect(),
            aligns: columns.iter().map(|(_, a)| *a).collect(),
            max_widths: vec![DEFAULT_MAX_WIDTH; columns.len()],
            rows: Vec::new(),
        }
    }

    /// Sets the widest a column may be.
    pub fn max_width(mut self, column: usize, width: usize) -> Self {
        if let Some(slot) = self.max_widths.get_mut(column) {
            *slot = width.max(1);
        }
        self
    }

    /// Adds a row (missing cells are empty, extra ones ignored).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, one line per row, with a header line and a rule.
    pub fn render(&self) -> String {
        let cells = |row: &Vec<String>| -> Vec<String> {
            (0..self.headers.len())
                .map(|i| truncate(row.get(i).map_or("", String::as_str), self.max_widths[i]))
                .collect()
        };
        let rows: Vec<Vec<String>> = self.rows.iter().map(cells).collect();
        let headers = cells(&self.headers);
        let widths: Vec<usize> = (0..headers.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].width())
                    .chain([headers[i].width()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        let mut line = |cells: &[String]| {
            let mut text = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let pad = widths[i].saturating_sub(cell.width());
                if i > 0 {
                    text.push_str("  ");
                }
                match self.aligns[i] {
                    Align::Left => {
                        text.push_str(cell);
                        text.push_str(&" ".repeat(pad));
                    }
                    Align::Right => {
                        text.push_str(&" ".repeat(pad));
                        text.push_str(cell);
                    }
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&headers);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(&rule);
        for row in &rows {
            line(row);
        }
        out
    }
}

/// Cuts `text` to at most `max` display columns, ending with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.width() <= max {
        return text;
    }
    let mut out = String::new();
    let mut width = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if width + w + 1 > max {
            break;
        }
        out.push(c);
        width += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_is_aligned_by_display_width() {
        let mut table = Table::new(&[("unit", Align::Left), ("n", Align::Right)]);
        table.row(vec!["市卫健委".into(), "3".into()]);
        table.row(vec!["abc".into(), "12".into()]);
        let text = table.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "unit       n");
        assert_eq!(lines[2], "市卫健委   3");
        assert_eq!(lines[3], "abc       12");
        for line in &lines[2..] {
            assert_eq!(line.width(), lines[0].width());
        }
    }

    #[test]
    fn long_cells_are_cut_to_their_width() {
        assert_eq!(truncate("孕产妇健康服务", 7), "孕产妇…");
        assert_eq!(truncate("abc", 3), "abc");
        assert!(truncate("孕产妇健康服务", 8).width() <= 8);
    }
}
