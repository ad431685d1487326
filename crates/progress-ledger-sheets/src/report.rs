//! The 督查通报 as a workbook: the same content as the Markdown report, one sheet per view
//! (plan, tasks, units with their items, districts, indicators, and the restatements when the
//! report is compared with an earlier one), numbers as numbers, completion as percentages,
//! status in colour, frozen header rows and widths that fit Chinese text.

use progress_ledger_core::projection::{ProgressView, Report, Restated, Schedule};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use crate::SheetError;
use crate::template::kind_label;

/// The sheets of the report workbook, in order.
pub const REPORT_SHEETS: [&str; 5] = ["计划", "任务", "单位", "区县", "指标"];

/// The sheet after them when the report lists restatements (a report with `since`): one row
/// per figure of the earlier report that changed, before and after, with its causes.
pub const RESTATEMENTS_SHEET: &str = "重述";

/// Writes `report` (and the view it was made from) as a workbook.
pub fn report_workbook(report: &Report, view: &ProgressView) -> Result<Vec<u8>, SheetError> {
    let mut book = Workbook::new();
    let styles = Styles::new();
    plan_sheet(book.add_worksheet(), report, &styles)?;
    tasks_sheet(book.add_worksheet(), view, &styles)?;
    units_sheet(book.add_worksheet(), report, &styles)?;
    districts_sheet(book.add_worksheet(), view, &styles)?;
    indicators_sheet(book.add_worksheet(), view, &styles)?;
    if let Some(restated) = &report.restated {
        restatements_sheet(book.add_worksheet(), restated, &styles)?;
    }
    Ok(book.save_to_buffer()?)
}

struct Styles {
    header: Format,
    percent: Format,
    status: [(Schedule, Format); 4],
}

impl Styles {
    fn new() -> Styles {
        let status = |s: Schedule, color: u32| {
            (
                s,
                Format::new()
                    .set_background_color(Color::RGB(color))
                    .set_align(FormatAlign::Center),
            )
        };
        Styles {
            header: Format::new().set_bold().set_background_color(0xDDEBF7),
            percent: Format::new().set_num_format("0.0%"),
            status: [
                status(Schedule::Met, 0xC6EFCE),
                status(Schedule::OnTrack, 0xDDEBF7),
                status(Schedule::Behind, 0xFFC7CE),
                status(Schedule::NotStarted, 0xFFEB9C),
            ],
        }
    }

    fn status(&self, s: Schedule) -> &Format {
        self.status
            .iter()
            .find(|(k, _)| *k == s)
            .map(|(_, f)| f)
            .unwrap_or(&self.percent)
    }
}

/// Starts a sheet: its name, the header row (frozen) and the column widths.
fn start(
    sheet: &mut Worksheet,
    name: &str,
    columns: &[(&str, f64)],
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    for (i, (title, width)) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, i as u16, *title, &styles.header)?;
        sheet.set_column_width(i as u16, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn number(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<Decimal>,
    format: Option<&Format>,
) -> Result<(), XlsxError> {
    if let Some(v) = value.and_then(|v| f64::try_from(v).ok()) {
        match format {
            Some(f) => sheet.write_number_with_format(row, col, v, f)?,
            None => sheet.write_number(row, col, v)?,
        };
    }
    Ok(())
}

fn status(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    s: Schedule,
    styles: &Styles,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(row, col, s.label_zh(), styles.status(s))?;
    Ok(())
}

fn plan_sheet(sheet: &mut Worksheet, report: &Report, styles: &Styles) -> Result<(), XlsxError> {
    start(
        sheet,
        REPORT_SHEETS[0],
        &[("项目", 18.0), ("内容", 60.0)],
        styles,
    )?;
    let rows: [(&str, String); 4] = [
        ("计划", report.title.clone()),
        ("通报日期", report.date.to_string()),
        ("依据账本位置(事件序号)", report.seq.to_string()),
        ("计划编号", report.plan.clone()),
    ];
    let mut row = 1;
    for (label, text) in rows {
        sheet.write_string(row, 0, label)?;
        sheet.write_string(row, 1, text)?;
        row += 1;
    }
    sheet.write_string(row, 0, "时间进度")?;
    number(sheet, row, 1, Some(report.elapsed), Some(&styles.percent))?;
    sheet.write_string(row + 1, 0, "总体完成率")?;
    number(
        sheet,
        row + 1,
        1,
        Some(report.completion),
        Some(&styles.percent),
    )?;
    let counts = [
        (Schedule::Met, report.counts.met),
        (Schedule::OnTrack, report.counts.on_track),
        (Schedule::Behind, report.counts.behind),
        (Schedule::NotStarted, report.counts.not_started),
    ];
    for (i, (s, n)) in counts.iter().enumerate() {
        let r = row + 2 + i as u32;
        sheet.write_string_with_format(
            r,
            0,
            format!("事项:{}", s.label_zh()),
            styles.status(*s),
        )?;
        sheet.write_number(r, 1, *n as f64)?;
    }
    if let Some(restated) = &report.restated {
        let r = &restated.restatements;
        let rows: [(&str, String); 4] = [
            ("对比通报日期", r.effective.to_string()),
            ("对比通报计算时间", restated.as_of.to_string()),
            ("对比通报账本位置(事件序号)", r.from.seq.to_string()),
            ("已变更的数字(见“重述”表)", r.changes.len().to_string()),
        ];
        for (i, (label, text)) in rows.into_iter().enumerate() {
            let at = row + 2 + counts.len() as u32 + i as u32;
            sheet.write_string(at, 0, label)?;
            sheet.write_string(at, 1, text)?;
        }
    }
    Ok(())
}

fn tasks_sheet(
    sheet: &mut Worksheet,
    view: &ProgressView,
    styles: &Styles,
) -> Result<(), XlsxError> {
    start(
        sheet,
        REPORT_SHEETS[1],
        &[
            ("任务", 8.0),
            ("名称", 50.0),
            ("完成率", 10.0),
            ("状态", 10.0),
        ],
        styles,
    )?;
    for (i, task) in view.tasks.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_number(row, 0, f64::from(task.number))?;
        sheet.write_string(row, 1, &task.title)?;
        number(sheet, row, 2, Some(task.completion), Some(&styles.percent))?;
        status(sheet, row, 3, task.status, styles)?;
    }
    Ok(())
}

fn units_sheet(sheet: &mut Worksheet, report: &Report, styles: &Styles) -> Result<(), XlsxError> {
    let columns = [
        ("牵头单位", 24.0),
        ("任务", 8.0),
        ("事项", 8.0),
        ("名称", 50.0),
        ("完成率", 10.0),
        ("状态", 10.0),
    ];
    start(sheet, REPORT_SHEETS[2], &columns, styles)?;
    let mut row = 1;
    for unit in &report.units {
        for item in &unit.items {
            sheet.write_string(row, 0, &unit.unit)?;
            sheet.write_number(row, 1, f64::from(item.task))?;
            if let Some(n) = item.item {
                sheet.write_number(row, 2, f64::from(n))?;
            }
            sheet.write_string(row, 3, &item.title)?;
            number(sheet, row, 4, Some(item.completion), Some(&styles.percent))?;
            status(sheet, row, 5, item.status, styles)?;
            row += 1;
        }
    }
    Ok(())
}

fn districts_sheet(
    sheet: &mut Worksheet,
    view: &ProgressView,
    styles: &Styles,
) -> Result<(), XlsxError> {
    start(
        sheet,
        REPORT_SHEETS[3],
        &[
            ("县(市)区", 16.0),
            ("指标编号", 32.0),
            ("数值", 12.0),
            ("达标", 8.0),
        ],
        styles,
    )?;
    let mut row = 1;
    for district in &view.districts {
        for value in &district.indicators {
            sheet.write_string(row, 0, &district.district)?;
            sheet.write_string(row, 1, &value.id)?;
            number(sheet, row, 2, Some(value.value), None)?;
            if let Some(met) = value.met {
                sheet.write_string(row, 3, if met { "是" } else { "否" })?;
            }
            row += 1;
        }
    }
    Ok(())
}

fn indicators_sheet(
    sheet: &mut Worksheet,
    view: &ProgressView,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let columns = [
        ("指标编号", 32.0),
        ("任务", 8.0),
        ("指标", 36.0),
        ("类型", 10.0),
        ("单位", 12.0),
        ("目标值", 12.0),
        ("当前值", 12.0),
        ("完成率", 10.0),
        ("状态", 10.0),
        ("上报次数", 10.0),
    ];
    start(sheet, REPORT_SHEETS[4], &columns, styles)?;
    for (i, ind) in view.indicators.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &ind.id)?;
        let place = match ind.item {
            Some(n) => format!("{}({n})", ind.task),
            None => ind.task.to_string(),
        };
        sheet.write_string(row, 1, place)?;
        sheet.write_string(row, 2, &ind.title)?;
        sheet.write_string(row, 3, kind_label(ind.kind))?;
        sheet.write_string(row, 4, &ind.unit)?;
        number(sheet, row, 5, ind.target, None)?;
        number(sheet, row, 6, ind.value, None)?;
        number(
            sheet,
            row,
            7,
            Some(ind.completion.capped),
            Some(&styles.percent),
        )?;
        status(sheet, row, 8, ind.status, styles)?;
        sheet.write_number(row, 9, ind.updates as f64)?;
    }
    Ok(())
}

/// The restatements of an earlier report's figures: one row per figure that changed.
fn restatements_sheet(
    sheet: &mut Worksheet,
    restated: &Restated,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let columns = [
        ("对象", 30.0),
        ("名称", 40.0),
        ("原数值", 12.0),
        ("现数值", 12.0),
        ("原目标值", 12.0),
        ("现目标值", 12.0),
        ("原完成率", 10.0),
        ("现完成率", 10.0),
        ("原状态", 10.0),
        ("现状态", 10.0),
        ("原因", 80.0),
    ];
    start(sheet, RESTATEMENTS_SHEET, &columns, styles)?;
    for (i, change) in restated.restatements.changes.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, change.subject.label())?;
        sheet.write_string(row, 1, &change.title)?;
        for (offset, figure) in [(0, change.before.as_ref()), (1, change.after.as_ref())] {
            let Some(figure) = figure else { continue };
            number(sheet, row, 2 + offset, figure.value, None)?;
            number(sheet, row, 4 + offset, figure.target, None)?;
            number(
                sheet,
                row,
                6 + offset,
                Some(figure.completion),
                Some(&styles.percent),
            )?;
            if let Some(s) = figure.status {
                status(sheet, row, 8 + offset, s, styles)?;
            }
        }
        sheet.write_string(row, 10, change.causes_line())?;
    }
    Ok(())
}
