//! The columns of a progress sheet (进度表), defined once: the template writes them, the reader
//! finds them by their header and refuses a sheet that lacks one.

/// One column of the progress sheet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Column {
    /// The header, as written in row 1.
    pub header: &'static str,
    /// Whether the clerk fills it in (the others describe the indicator).
    pub filled: bool,
    /// Width in Excel's character units, wide enough for Chinese text.
    pub width: f64,
}

/// What each column holds, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The indicator's id (the key of the row).
    Indicator,
    /// Task and item, e.g. `2(1)`.
    Task,
    /// The indicator's title.
    Title,
    /// Its kind, in Chinese.
    Kind,
    /// Its unit of measure.
    Unit,
    /// The target in force.
    Target,
    /// The value now.
    Current,
    /// Filled: the effective date.
    Effective,
    /// Filled: the amount added (progress) or the value measured (measurement).
    Amount,
    /// Filled: the district, where the figure is one district's.
    District,
    /// Filled: the deliverable completed (milestones).
    Deliverable,
    /// Filled: the status reached (status indicators).
    Status,
    /// Filled: a note.
    Note,
    /// Optional: the event id to record under (left empty, one is derived from the row).
    EventId,
}

/// The columns, in the order of [`Field`].
pub const COLUMNS: [(Field, Column); 14] = [
    (Field::Indicator, col("指标编号", false, 30.0)),
    (Field::Task, col("任务", false, 8.0)),
    (Field::Title, col("指标", false, 36.0)),
    (Field::Kind, col("类型", false, 10.0)),
    (Field::Unit, col("单位", false, 12.0)),
    (Field::Target, col("目标值", false, 12.0)),
    (Field::Current, col("当前值", false, 12.0)),
    (Field::Effective, col("生效日期", true, 14.0)),
    (Field::Amount, col("数值或增量", true, 14.0)),
    (Field::District, col("县(市)区", true, 14.0)),
    (Field::Deliverable, col("完成事项", true, 24.0)),
    (Field::Status, col("状态", true, 10.0)),
    (Field::Note, col("备注", true, 30.0)),
    (Field::EventId, col("记录编号", true, 38.0)),
];

const fn col(header: &'static str, filled: bool, width: f64) -> Column {
    Column {
        header,
        filled,
        width,
    }
}

/// The position of `field` among the columns.
pub fn position(field: Field) -> usize {
    COLUMNS
        .iter()
        .position(|(f, _)| *f == field)
        .unwrap_or_default()
}

/// The header of `field`.
pub fn header(field: Field) -> &'static str {
    COLUMNS[position(field)].1.header
}

/// The spreadsheet letter of column `index` (0 → A, 26 → AA).
pub fn letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// The three statuses of a status indicator, as the sheet writes them and as the API names them.
pub const STATUSES: [(&str, &str); 3] = [
    ("未启动", "not_started"),
    ("进行中", "in_progress"),
    ("已完成", "done"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_follow_the_spreadsheet_convention() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(13), "N");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
        assert_eq!(letter(27), "AB");
        assert_eq!(letter(701), "ZZ");
        assert_eq!(letter(702), "AAA");
    }

    #[test]
    fn every_field_has_its_own_column() {
        for (i, (field, _)) in COLUMNS.iter().enumerate() {
            assert_eq!(position(*field), i);
        }
    }
}
