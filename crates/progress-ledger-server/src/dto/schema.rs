//! Schemas of the values clients send, built from the core's limits and the checks' own tables,
//! so that `GET /openapi.json` states exactly what the server enforces: lengths, patterns,
//! ranges, formats, and which fields go with which type of update.

use progress_ledger_core::limits::{MAX_ID_LEN, MAX_MAGNITUDE, TextField, WHITE_SPACE};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

use super::request::{MAX_COUNT, UpdateType};

/// What a plan or indicator id looks like (see `progress_ledger_core::plan::is_valid_id`).
pub const ID_PATTERN: &str = "^[a-z0-9][a-z0-9._-]*$";
/// What a number written as a string looks like.
pub const NUMBER_PATTERN: &str = "^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$";

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

/// A plan or indicator id.
pub fn id(description: &str) -> ObjectBuilder {
    string(description)
        .min_length(Some(1))
        .max_length(Some(MAX_ID_LEN))
        .pattern(Some(ID_PATTERN))
}

/// A calendar date, `YYYY-MM-DD`.
pub fn date(description: &str) -> ObjectBuilder {
    string(description).format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
}

/// A UUID in its hyphenated form.
pub fn uuid(description: &str) -> ObjectBuilder {
    string(description).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
}

/// A count from `minimum` to [`MAX_COUNT`].
pub fn count(description: &str, minimum: u64) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(minimum as usize))
        .maximum(Some(MAX_COUNT as usize))
        .description(Some(description))
}

/// One of a few words.
pub fn one_of_words(description: &str, words: &[&str]) -> ObjectBuilder {
    string(description).enum_values(Some(words.iter().copied()))
}

/// `\uXXXX`, as a regular expression writes a character.
fn escaped(c: char) -> String {
    format!("\\u{:04X}", u32::from(c))
}

/// The character-class ranges of the control characters `field` refuses, from
/// [`TextField::allows`] (every control character is below U+00A0).
fn refused(field: TextField) -> String {
    let mut class = String::new();
    let mut run: Option<(char, char)> = None;
    for c in '\0'..='\u{9f}' {
        if field.allows(c) {
            if let Some((first, last)) = run.take() {
                class.push_str(&range(first, last));
            }
        } else {
            run = Some(run.map_or((c, c), |(first, _)| (first, c)));
        }
    }
    if let Some((first, last)) = run {
        class.push_str(&range(first, last));
    }
    class
}

fn range(first: char, last: char) -> String {
    if first == last {
        escaped(first)
    } else {
        format!("{}-{}", escaped(first), escaped(last))
    }
}

/// A text field, with the core's limits: its length, the control characters it refuses, and,
/// if it must say something, a character that is not white space.
pub fn text(field: TextField, description: &str) -> ObjectBuilder {
    let refused = refused(field);
    let pattern = if field.required() {
        let blank: String = WHITE_SPACE.iter().copied().map(escaped).collect();
        format!("^[^{refused}]*[^{refused}{blank}][^{refused}]*$")
    } else {
        format!("^[^{refused}]*$")
    };
    string(description)
        .min_length(field.required().then_some(1))
        .max_length(Some(field.max_chars()))
        .pattern(Some(pattern))
}

/// Which numbers a decimal field takes.
#[derive(Clone, Copy, Debug)]
pub enum Sign {
    /// Zero or more.
    NonNegative,
    /// More than zero.
    Positive,
    /// Any sign.
    Any,
}

/// A decimal: a JSON number within the core's magnitude, or a string of digits.
pub fn decimal(description: &str, sign: Sign) -> Schema {
    let limit = MAX_MAGNITUDE as f64;
    let number = ObjectBuilder::new().schema_type(Type::Number);
    let number = match sign {
        Sign::NonNegative => number.minimum(Some(0)),
        Sign::Positive => number.exclusive_minimum(Some(0)),
        Sign::Any => number.minimum(Some(-limit)),
    }
    .maximum(Some(limit));
    let text =
        string("the number written as text, in the same range").pattern(Some(NUMBER_PATTERN));
    OneOfBuilder::new()
        .item(number)
        .item(text)
        .description(Some(format!(
            "{description}: a JSON number or a decimal string, read from its text exactly \
             (digits past the 28th decimal place are rounded); magnitude at most {MAX_MAGNITUDE}"
        )))
        .into()
}

/// The schema of one field of an update.
fn field(name: &str) -> RefOr<Schema> {
    match name {
        "delta" => decimal(
            "progress: amount added; never negative (record a correction)",
            Sign::NonNegative,
        )
        .into(),
        "value" => decimal("measurement: the measured value", Sign::Any).into(),
        "target" => decimal("target_revised: the new target", Sign::Positive).into(),
        "district" => text(TextField::District, "the district, one of the plan's").into(),
        "deliverable" => text(
            TextField::Deliverable,
            "the deliverable completed, as named in the indicator",
        )
        .into(),
        "status" => one_of_words("the new status", &["not_started", "in_progress", "done"]).into(),
        "corrects" => uuid("id of the update voided").into(),
        "reason" => text(TextField::Reason, "why").into(),
        "replacement" => update_request(
            &UpdateType::ALL
                .into_iter()
                .filter(|k| k.is_plain())
                .collect::<Vec<_>>(),
            false,
        ),
        other => string(other).into(),
    }
}

fn summary(kind: UpdateType) -> &'static str {
    match kind {
        UpdateType::Progress => "progress on a cumulative or coverage indicator",
        UpdateType::Measurement => "a measurement of a level indicator",
        UpdateType::Milestone => "a deliverable of a milestones indicator was completed",
        UpdateType::Status => "the status of a status indicator",
        UpdateType::Correction => {
            "voids an earlier update, optionally putting a replacement in its place"
        }
        UpdateType::TargetRevised => "revises the target (admins only)",
        UpdateType::IndicatorRetired => {
            "retires the indicator: no update is accepted after it (admins only)"
        }
    }
}

/// An update of one of `kinds`: one object per kind with exactly its fields. `whole`: an append
/// request (with id, indicator, effective, note, expected_version); otherwise a replacement.
pub fn update_request(kinds: &[UpdateType], whole: bool) -> RefOr<Schema> {
    let mut one_of = OneOfBuilder::new();
    for &kind in kinds {
        let mut object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .title(Some(kind.name()))
            .description(Some(summary(kind)))
            .additional_properties(Some(
                utoipa::openapi::schema::AdditionalProperties::<Schema>::FreeForm(false),
            ));
        if whole {
            object = object
                .property("id", uuid("client-chosen event id: the same id and body answer the original event (200); the same id with another body answers 409"))
                .property("indicator", id("indicator id, e.g. t02-1-childcare-seats"))
                .required("indicator");
        }
        object = object
            .property("type", one_of_words("what kind of update", &[kind.name()]))
            .required("type");
        if whole {
            object = object
                .property("effective", date("business date the update is about (Asia/Shanghai), inside the plan period and not in the future"))
                .required("effective")
                .property("note", text(TextField::Note, "free text"))
                .property("expected_version", count("the append fails with 409 unless the indicator's stream is at this version", 0));
        }
        for &(name, required) in kind.fields() {
            object = object.property(name, field(name));
            if required {
                object = object.required(name);
            }
        }
        one_of = one_of.item(object);
    }
    if whole {
        one_of = one_of.examples(examples());
    }
    one_of.into()
}

/// Appends to the Hefei 2023 plan, one per type but the correction's (whose `corrects` must be
/// an update recorded before).
fn examples() -> [serde_json::Value; 5] {
    use serde_json::json;
    [
        json!({"indicator": "t02-1-childcare-seats", "type": "progress", "effective": "2023-09-30",
            "delta": 1200, "district": "蜀山区", "note": "九月新增托位"}),
        json!({"indicator": "t01-1-maternal-management-rate", "type": "measurement",
            "effective": "2023-09-30", "value": "93.5"}),
        json!({"indicator": "t10-5-hospital-projects-completed", "type": "milestone",
            "effective": "2023-09-30", "deliverable": "市空港医院"}),
        json!({"indicator": "t01-3-status", "type": "status", "effective": "2023-09-30",
            "status": "in_progress"}),
        json!({"indicator": "t02-1-childcare-seats", "type": "target_revised",
            "effective": "2023-09-30", "target": 17000, "reason": "市政府常务会议调整"}),
    ]
}
