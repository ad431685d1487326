//! Sheets that are not as the template has them are refused whole, each problem named by its
//! row (the sheet's own numbering) and a code; nothing is read from a refused sheet.

mod common;

use common::{Put, workbook};
use progress_ledger_sheets::{COLUMNS, Field, FileKind, SHEET, SheetError, read_sheet};

fn col(field: Field) -> usize {
    COLUMNS
        .iter()
        .position(|(f, _)| *f == field)
        .expect("a column")
}

fn header() -> Vec<Option<Put>> {
    COLUMNS
        .iter()
        .map(|(_, c)| Some(Put::Text(c.header.to_owned())))
        .collect()
}

/// A good row, with `change` applied.
fn row(change: impl FnOnce(&mut Vec<Option<Put>>)) -> Vec<Option<Put>> {
    let mut row = vec![None; COLUMNS.len()];
    row[col(Field::Indicator)] = Some(Put::Text("t02-1-childcare-seats".into()));
    row[col(Field::Effective)] = Some(Put::Text("2024-03-31".into()));
    row[col(Field::Amount)] = Some(Put::Number(120.0));
    row[col(Field::District)] = Some(Put::Text("蜀山区".into()));
    change(&mut row);
    row
}

fn good() -> Vec<Option<Put>> {
    row(|_| {})
}

/// The code and row of each problem a refused sheet names.
fn refusal(bytes: &[u8]) -> Vec<(u32, &'static str)> {
    match read_sheet(bytes, FileKind::sniff(bytes)) {
        Err(SheetError::Refused(refused)) => {
            refused.problems.iter().map(|p| (p.row, p.code)).collect()
        }
        Err(other) => vec![(0, other.code())],
        Ok(updates) => panic!("accepted {} rows", updates.len()),
    }
}

/// The (row, code) pairs a sheet is expected to be refused with.
type Refusal = Vec<(u32, &'static str)>;

#[test]
fn each_bad_sheet_is_refused_with_its_row_and_reason() {
    let without = |field: Field| {
        let mut h = header();
        h[col(field)] = Some(Put::Text("别的列".into()));
        h
    };
    let noise: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut zip_noise = b"PK\x03\x04".to_vec();
    zip_noise.extend_from_slice(&noise[..4096]);
    let cases: Vec<(&str, Vec<u8>, Refusal)> = vec![
        (
            "a missing column",
            workbook(SHEET, &[without(Field::Effective), good()]),
            vec![(1, "missing_column")],
        ),
        (
            "a column twice",
            workbook(
                SHEET,
                &[
                    {
                        let mut h = header();
                        h.push(Some(Put::Text("备注".into())));
                        h
                    },
                    good(),
                ],
            ),
            vec![(1, "duplicate_column")],
        ),
        (
            "text where a number belongs",
            workbook(
                SHEET,
                &[
                    header(),
                    good(),
                    row(|r| r[col(Field::Amount)] = Some(Put::Text("一百二十".into()))),
                ],
            ),
            vec![(3, "not_a_number")],
        ),
        (
            "a date that is no date",
            workbook(
                SHEET,
                &[
                    header(),
                    row(|r| r[col(Field::Effective)] = Some(Put::Text("2024-02-30".into()))),
                    good(),
                ],
            ),
            vec![(2, "bad_date")],
        ),
        (
            "a number where the date belongs",
            workbook(
                SHEET,
                &[
                    header(),
                    good(),
                    good(),
                    row(|r| r[col(Field::Effective)] = Some(Put::Number(3.5))),
                ],
            ),
            vec![(4, "bad_date")],
        ),
        (
            "a filled row with no date",
            workbook(SHEET, &[header(), row(|r| r[col(Field::Effective)] = None)]),
            vec![(2, "bad_date")],
        ),
        (
            "a filled row with no indicator",
            workbook(SHEET, &[header(), row(|r| r[col(Field::Indicator)] = None)]),
            vec![(2, "missing_indicator")],
        ),
        (
            "a status that is none",
            workbook(
                SHEET,
                &[
                    header(),
                    row(|r| r[col(Field::Status)] = Some(Put::Text("差不多".into()))),
                ],
            ),
            vec![(2, "bad_status")],
        ),
        (
            "an event id that is no UUID",
            workbook(
                SHEET,
                &[
                    header(),
                    row(|r| r[col(Field::EventId)] = Some(Put::Text("12".into()))),
                ],
            ),
            vec![(2, "bad_id")],
        ),
        (
            "a formula cell",
            workbook(
                SHEET,
                &[
                    header(),
                    good(),
                    row(|r| r[col(Field::Amount)] = Some(Put::Formula("=100+20".into()))),
                ],
            ),
            vec![(3, "formula")],
        ),
        (
            "an empty sheet",
            workbook(SHEET, &[]),
            vec![(0, "empty_sheet")],
        ),
        (
            "a header and nothing filled",
            workbook(SHEET, &[header()]),
            vec![(0, "empty_sheet")],
        ),
        (
            "the header not in row 1",
            workbook(SHEET, &[vec![], header(), good()]),
            vec![(1, "missing_header")],
        ),
        (
            "a file that is not a workbook",
            zip_noise,
            vec![(0, "not_a_workbook")],
        ),
        ("10 MB of noise", noise, vec![(0, "sheet_too_large")]),
        (
            "binary that is not UTF-8 CSV",
            vec![0xff, 0xfe, 0x00, 0x81, 0x9c],
            vec![(0, "not_a_workbook")],
        ),
    ];
    for (what, bytes, want) in cases {
        assert_eq!(refusal(&bytes), want, "{what}");
    }
}

#[test]
fn every_bad_row_is_listed_not_only_the_first() {
    let bytes = workbook(
        SHEET,
        &[
            header(),
            good(),
            row(|r| r[col(Field::Amount)] = Some(Put::Text("多".into()))),
            good(),
            row(|r| r[col(Field::Effective)] = Some(Put::Text("昨天".into()))),
        ],
    );
    assert_eq!(refusal(&bytes), [(3, "not_a_number"), (5, "bad_date")]);
}

#[test]
fn merged_cells_are_refused_with_their_place() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(SHEET).expect("name");
    for (i, (_, c)) in COLUMNS.iter().enumerate() {
        sheet.write_string(0, i as u16, c.header).expect("header");
    }
    sheet
        .write_string(1, 0, "t02-1-childcare-seats")
        .expect("id");
    sheet
        .write_string(1, col(Field::Effective) as u16, "2024-03-31")
        .expect("date");
    let merged = rust_xlsxwriter::Format::new();
    sheet
        .merge_range(
            2,
            col(Field::Amount) as u16,
            3,
            col(Field::Amount) as u16,
            "120",
            &merged,
        )
        .expect("merge");
    let bytes = book.save_to_buffer().expect("saves");
    assert_eq!(refusal(&bytes), [(3, "merged_cells")]);
}

#[test]
fn a_zip_bomb_is_refused_unread() {
    // A workbook whose declared content is far larger than is read.
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    writer
        .start_file("xl/worksheets/sheet1.xml", options)
        .expect("entry");
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..130 {
        std::io::Write::write_all(&mut writer, &zeros).expect("write");
    }
    let bytes = writer.finish().expect("zip").into_inner();
    assert!(bytes.len() < progress_ledger_sheets::MAX_FILE_BYTES);
    assert_eq!(refusal(&bytes), [(0, "sheet_too_large")]);
}
