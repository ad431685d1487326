//! A unit's progress sheet (进度表): the indicators it may write, described, with the columns to
//! fill, drop-down lists where the values are fixed, and the instructions on a second sheet.

use progress_ledger_core::plan::{IndicatorKind, IndicatorSpec, Plan};
use progress_ledger_core::projection::ProgressView;
use rust_decimal::Decimal;
use rust_xlsxwriter::{DataValidation, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use crate::SheetError;
use crate::columns::{COLUMNS, Field, STATUSES, position};

/// Name of the sheet the clerk fills.
pub const SHEET: &str = "进度表";
/// Name of the instructions sheet.
pub const INSTRUCTIONS: &str = "填报说明";
/// Rows below the header that carry drop-down lists (room for copied rows).
pub const FILL_ROWS: u32 = 2000;

/// The kind of an indicator in Chinese, as the sheet writes it.
pub fn kind_label(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Cumulative => "累计",
        IndicatorKind::Level => "监测值",
        IndicatorKind::Coverage => "覆盖",
        IndicatorKind::Milestones => "里程碑",
        IndicatorKind::Status => "状态",
    }
}

/// The workbook for `unit`, listing `writable` (the ids of the indicators it may write, in plan
/// order as given) with their target and value from `view`.
pub fn unit_template(
    plan: &Plan,
    view: &ProgressView,
    unit: &str,
    writable: &[&str],
) -> Result<Vec<u8>, SheetError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    write_sheet(sheet, plan, view, writable)?;
    let notes = book.add_worksheet();
    write_instructions(notes, plan, view, unit)?;
    Ok(book.save_to_buffer()?)
}

fn write_sheet(
    sheet: &mut Worksheet,
    plan: &Plan,
    view: &ProgressView,
    writable: &[&str],
) -> Result<(), XlsxError> {
    sheet.set_name(SHEET)?;
    let bold = Format::new()
        .set_bold()
        .set_background_color(0xDDEBF7)
        .set_align(FormatAlign::Center);
    let fill_header = bold.clone().set_background_color(0xFFF2CC);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (i, (_, column)) in COLUMNS.iter().enumerate() {
        let format = if column.filled { &fill_header } else { &bold };
        sheet.write_string_with_format(0, i as u16, column.header, format)?;
        sheet.set_column_width(i as u16, column.width)?;
    }
    sheet.set_freeze_panes(1, 1)?;
    sheet.set_column_format(position(Field::Effective) as u16, &date)?;

    let districts: Vec<&str> = plan.districts.iter().map(|d| d.name.as_str()).collect();
    let statuses: Vec<&str> = STATUSES.iter().map(|(zh, _)| *zh).collect();
    list(
        sheet,
        Field::District,
        &districts,
        "县(市)区",
        "填写本行数字所属的县(市)区;全市数字留空。",
    )?;
    list(
        sheet,
        Field::Status,
        &statuses,
        "状态",
        "状态类指标填写:未启动、进行中或已完成。",
    )?;

    let mut row = 1u32;
    for (task, item, spec) in plan.indicators() {
        if !writable.contains(&spec.id.as_str()) {
            continue;
        }
        let now = view.indicators.iter().find(|i| i.id == spec.id);
        let place = match item.number {
            Some(n) => format!("{}({n})", task.number),
            None => task.number.to_string(),
        };
        write_text(sheet, row, Field::Indicator, &spec.id)?;
        write_text(sheet, row, Field::Task, &place)?;
        write_text(sheet, row, Field::Title, &spec.title)?;
        write_text(sheet, row, Field::Kind, kind_label(spec.kind))?;
        write_text(sheet, row, Field::Unit, &spec.unit)?;
        write_number(
            sheet,
            row,
            Field::Target,
            now.and_then(|v| v.target).or(spec.target),
        )?;
        write_number(sheet, row, Field::Current, now.and_then(|v| v.value))?;
        deliverables(sheet, row, spec)?;
        row += 1;
    }
    Ok(())
}

/// A drop-down list on a filled column, for every fill row.
fn list(
    sheet: &mut Worksheet,
    field: Field,
    values: &[&str],
    title: &str,
    message: &str,
) -> Result<(), XlsxError> {
    if values.is_empty() {
        return Ok(());
    }
    let col = position(field) as u16;
    let rule = DataValidation::new()
        .allow_list_strings(values)?
        .set_input_title(title)?
        .set_input_message(message)?;
    sheet.add_data_validation(1, col, FILL_ROWS, col, &rule)?;
    Ok(())
}

/// A milestones indicator's deliverables as that row's drop-down list (when they fit in one).
fn deliverables(sheet: &mut Worksheet, row: u32, spec: &IndicatorSpec) -> Result<(), XlsxError> {
    if spec.deliverables.is_empty() {
        return Ok(());
    }
    let col = position(Field::Deliverable) as u16;
    match DataValidation::new().allow_list_strings(&spec.deliverables) {
        Ok(rule) => {
            sheet.add_data_validation(row, col, row, col, &rule)?;
        }
        // Excel's lists hold 255 characters; a longer one is left to the instructions.
        Err(XlsxError::DataValidationError(_)) => {}
        Err(e) => return Err(e),
    }
    Ok(())
}

fn write_text(sheet: &mut Worksheet, row: u32, field: Field, text: &str) -> Result<(), XlsxError> {
    if !text.is_empty() {
        sheet.write_string(row, position(field) as u16, text)?;
    }
    Ok(())
}

fn write_number(
    sheet: &mut Worksheet,
    row: u32,
    field: Field,
    value: Option<Decimal>,
) -> Result<(), XlsxError> {
    if let Some(value) = value.and_then(|v| f64::try_from(v).ok()) {
        sheet.write_number(row, position(field) as u16, value)?;
    }
    Ok(())
}

fn write_instructions(
    sheet: &mut Worksheet,
    plan: &Plan,
    view: &ProgressView,
    unit: &str,
) -> Result<(), XlsxError> {
    sheet.set_name(INSTRUCTIONS)?;
    sheet.set_column_width(0, 100.0)?;
    let title = Format::new().set_bold().set_font_size(14);
    let lines = [
        format!("《{}》进度表 — {unit}", plan.title),
        format!(
            "生成时依据的账本位置:第 {} 条事件;计划期 {} 至 {}。",
            view.seq, plan.period_start, plan.period_end
        ),
        String::new(),
        "填写方法".to_string(),
        "1. 每行一个指标。黄色表头的列由本单位填写,蓝色表头的列是指标说明,请勿修改。".to_string(),
        "2. 生效日期:数字所对应的日期(YYYY-MM-DD),须在计划期内。".to_string(),
        "3. 数值或增量:累计类、覆盖类指标填写本期新增的数量(增量);监测值类指标填写本次测得的数值。".to_string(),
        "4. 县(市)区:数字属于某个县(市)区时从下拉列表中选择;全市数字留空。".to_string(),
        "5. 里程碑类指标在“完成事项”中选择完成的事项;状态类指标在“状态”中选择未启动、进行中或已完成。".to_string(),
        "6. 同一指标有多个县(市)区或多个日期的数字时,复制该行,每行填写一个。不填写的行不会上报。".to_string(),
        "7. 记录编号可留空:系统按行的内容生成编号,同一文件重复上传不会重复记录。".to_string(),
        "8. 上传时整张表一并检查:任何一行不符合要求,整张表都不会记录,并逐行列出原因(表中的行号)。".to_string(),
        "9. 请勿合并单元格或填写公式;只填写数值和文字。".to_string(),
    ];
    for (i, line) in lines.iter().enumerate() {
        if i == 0 || line == "填写方法" {
            sheet.write_string_with_format(i as u32, 0, line, &title)?;
        } else {
            sheet.write_string(i as u32, 0, line)?;
        }
    }
    Ok(())
}
