//! The append request (`POST /v1/events`) and its explicit conversion to a core [`NewEvent`].
//!
//! The body is read into a flat struct that refuses unknown fields; every value is then checked
//! here with a specific error code before the core sees it. Numbers are read from their JSON
//! text (a JSON number or a string), so `0.1` reaches `rust_decimal` exactly as written.

use jiff::civil::Date;
use progress_ledger_core::plan::ItemStatus;
use progress_ledger_core::{NewEvent, Payload, StreamId};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::credentials::WriteKind;
use crate::error::{ApiError, ApiResult};

/// Longest note, in characters (and at most 4,000 bytes).
pub const MAX_NOTE_CHARS: usize = 2000;
/// Longest reason, in characters.
pub const MAX_REASON_CHARS: usize = 2000;
/// Longest indicator id, in bytes.
pub const MAX_INDICATOR_BYTES: usize = 190;
/// Longest district or deliverable name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest number text accepted.
const MAX_NUMBER_CHARS: usize = 64;

/// The kinds of update a client may record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum UpdateType {
    /// Progress on a cumulative or coverage indicator: `delta` (+ `district`).
    Progress,
    /// A measurement of a level indicator: `value` (+ `district`).
    Measurement,
    /// A deliverable of a milestones indicator was completed: `deliverable`.
    Milestone,
    /// The status of a status indicator: `status` (not_started, in_progress, done).
    Status,
    /// Voids an earlier update: `corrects`, `reason`, and optionally `replacement`.
    Correction,
    /// Revises the target (admins only): `target`, `reason`.
    TargetRevised,
}

impl UpdateType {
    fn parse(text: &str) -> ApiResult<Self> {
        Ok(match text {
            "progress" => Self::Progress,
            "measurement" => Self::Measurement,
            "milestone" => Self::Milestone,
            "status" => Self::Status,
            "correction" => Self::Correction,
            "target_revised" => Self::TargetRevised,
            other => {
                return Err(ApiError::bad_request(
                    "unknown_type",
                    format!(
                        "type {other:?} is not one of progress, measurement, milestone, status, correction, target_revised"
                    ),
                ));
            }
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Progress => "progress",
            Self::Measurement => "measurement",
            Self::Milestone => "milestone",
            Self::Status => "status",
            Self::Correction => "correction",
            Self::TargetRevised => "target_revised",
        }
    }
}

/// An update to record. Which fields apply depends on `type`; a field that does not belong to
/// the type is refused, and so is any unknown field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEventRequest {
    /// Client-chosen event id (UUID). Supplying one makes a retry idempotent: the same id and
    /// body answer the original event; the same id with another body answers 409.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub id: Option<String>,
    /// Indicator id, e.g. `t02-1-childcare-seats`.
    pub indicator: String,
    /// What kind of update.
    #[serde(rename = "type")]
    #[schema(value_type = UpdateType)]
    pub kind: String,
    /// Business date the update is about, `YYYY-MM-DD` (Asia/Shanghai), inside the plan period
    /// and not in the future.
    #[schema(value_type = String, format = Date)]
    pub effective: String,
    /// Free text, at most 2,000 characters.
    pub note: Option<String>,
    /// If set, the append fails with 409 unless the indicator's stream is at this version.
    pub expected_version: Option<u64>,
    /// progress: amount added, a JSON number or a decimal string; never negative (use a
    /// correction).
    #[schema(value_type = Option<f64>)]
    pub delta: Option<Box<RawValue>>,
    /// measurement: the measured value, a JSON number or a decimal string.
    #[schema(value_type = Option<f64>)]
    pub value: Option<Box<RawValue>>,
    /// progress, measurement: the district, one of the plan's districts.
    pub district: Option<String>,
    /// milestone: the deliverable completed, as named in the indicator.
    pub deliverable: Option<String>,
    /// status: not_started, in_progress or done.
    pub status: Option<String>,
    /// correction: id of the update voided.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub corrects: Option<String>,
    /// correction, target_revised: why.
    pub reason: Option<String>,
    /// correction: what should have been recorded instead.
    pub replacement: Option<ReplacementRequest>,
    /// target_revised: the new target, a JSON number or a decimal string.
    #[schema(value_type = Option<f64>)]
    pub target: Option<Box<RawValue>>,
}

/// The update a correction puts in place of the one it voids.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplacementRequest {
    /// progress, measurement, milestone or status.
    #[serde(rename = "type")]
    #[schema(value_type = UpdateType)]
    pub kind: String,
    /// progress: amount.
    #[schema(value_type = Option<f64>)]
    pub delta: Option<Box<RawValue>>,
    /// measurement: value.
    #[schema(value_type = Option<f64>)]
    pub value: Option<Box<RawValue>>,
    /// progress, measurement: district.
    pub district: Option<String>,
    /// milestone: deliverable.
    pub deliverable: Option<String>,
    /// status: not_started, in_progress or done.
    pub status: Option<String>,
}

/// Parses a decimal from the JSON text of a number or a string, exactly.
pub fn parse_decimal(field: &str, raw: &RawValue) -> ApiResult<Decimal> {
    let text = raw.get().trim();
    let literal = if text.starts_with('"') {
        serde_json::from_str::<String>(text).map_err(|_| invalid_number(field, text))?
    } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        text.to_owned()
    } else {
        return Err(ApiError::bad_request(
            "invalid_number",
            format!("{field} must be a number or a decimal string, got {text}"),
        ));
    };
    parse_decimal_text(field, &literal)
}

/// Parses a decimal from text (`12`, `0.5`, `1.6e4`), refusing non-finite values and numbers
/// `rust_decimal` cannot hold exactly.
pub fn parse_decimal_text(field: &str, text: &str) -> ApiResult<Decimal> {
    let s = text.trim();
    if s.is_empty() || s.chars().count() > MAX_NUMBER_CHARS {
        return Err(invalid_number(field, s));
    }
    let lower = s.to_ascii_lowercase();
    if lower.contains("nan") || lower.contains("inf") {
        return Err(ApiError::bad_request(
            "invalid_number",
            format!("{field} must be a finite number, got {s:?}"),
        ));
    }
    let parsed = if lower.contains('e') {
        Decimal::from_scientific(&lower)
    } else {
        Decimal::from_str_exact(s)
    };
    parsed.map_err(|_| invalid_number(field, s))
}

fn invalid_number(field: &str, text: &str) -> ApiError {
    let shown: String = text.chars().take(40).collect();
    ApiError::bad_request(
        "invalid_number",
        format!(
            "{field} {shown:?} is not a decimal number that can be held exactly (at most 28 significant digits)"
        ),
    )
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(field: &str, text: &str) -> ApiResult<Date> {
    let shape_ok = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    let parsed = if shape_ok {
        text.parse::<Date>().ok()
    } else {
        None
    };
    parsed.ok_or_else(|| {
        let shown: String = text.chars().take(40).collect();
        ApiError::bad_request(
            "invalid_date",
            format!("{field} {shown:?} is not a calendar date written YYYY-MM-DD"),
        )
    })
}

fn parse_uuid(field: &str, text: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(text.trim()).map_err(|_| {
        let shown: String = text.chars().take(40).collect();
        ApiError::bad_request("invalid_id", format!("{field} {shown:?} is not a UUID"))
    })
}

fn parse_status(text: &str) -> ApiResult<ItemStatus> {
    match text {
        "not_started" => Ok(ItemStatus::NotStarted),
        "in_progress" => Ok(ItemStatus::InProgress),
        "done" => Ok(ItemStatus::Done),
        other => Err(ApiError::bad_request(
            "invalid_status",
            format!("status {other:?} is not one of not_started, in_progress, done"),
        )),
    }
}

fn check_text(field: &str, text: &str, max_chars: usize, allow_newlines: bool) -> ApiResult<()> {
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(ApiError::bad_request(
            "string_too_long",
            format!("{field} is {chars} characters; the limit is {max_chars}"),
        ));
    }
    let bad_control = text
        .chars()
        .any(|c| c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t')));
    if bad_control {
        return Err(ApiError::bad_request(
            "invalid_text",
            format!("{field} contains control characters"),
        ));
    }
    Ok(())
}

fn required<'a, T>(value: &'a Option<T>, field: &str, kind: &str) -> ApiResult<&'a T> {
    value.as_ref().ok_or_else(|| {
        ApiError::bad_request(
            "missing_field",
            format!("a {kind} update needs the field {field}"),
        )
    })
}

fn reason_of(reason: &Option<String>, kind: &str) -> ApiResult<String> {
    let reason = required(reason, "reason", kind)?;
    if reason.trim().is_empty() {
        return Err(ApiError::bad_request(
            "missing_field",
            format!("a {kind} update needs a non-empty reason"),
        ));
    }
    check_text("reason", reason, MAX_REASON_CHARS, true)?;
    Ok(reason.clone())
}

fn name_of(field: &str, value: &Option<String>) -> ApiResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(name) => {
            check_text(field, name, MAX_NAME_CHARS, false)?;
            Ok(Some(name.clone()))
        }
    }
}

/// The fields present in a request or replacement, to refuse those that do not belong.
struct Present<'a> {
    fields: Vec<(&'static str, bool)>,
    kind: &'a str,
}

impl Present<'_> {
    fn only(&self, allowed: &[&str]) -> ApiResult<()> {
        match self
            .fields
            .iter()
            .find(|(name, present)| *present && !allowed.contains(name))
        {
            Some((name, _)) => Err(ApiError::bad_request(
                "field_not_allowed",
                format!("the field {name} does not belong to a {} update", self.kind),
            )),
            None => Ok(()),
        }
    }
}

/// Builds a payload of one of the four plain update kinds.
#[allow(clippy::too_many_arguments)]
fn plain_payload(
    kind: UpdateType,
    present: &Present<'_>,
    delta: &Option<Box<RawValue>>,
    value: &Option<Box<RawValue>>,
    district: &Option<String>,
    deliverable: &Option<String>,
    status: &Option<String>,
) -> ApiResult<Payload> {
    let name = kind.name();
    Ok(match kind {
        UpdateType::Progress => {
            present.only(&["delta", "district"])?;
            Payload::ProgressReported {
                delta: parse_decimal("delta", required(delta, "delta", name)?)?,
                district: name_of("district", district)?,
            }
        }
        UpdateType::Measurement => {
            present.only(&["value", "district"])?;
            Payload::MeasurementTaken {
                value: parse_decimal("value", required(value, "value", name)?)?,
                district: name_of("district", district)?,
            }
        }
        UpdateType::Milestone => {
            present.only(&["deliverable"])?;
            let deliverable = required(deliverable, "deliverable", name)?;
            check_text("deliverable", deliverable, MAX_NAME_CHARS, false)?;
            Payload::MilestoneReached {
                deliverable: deliverable.clone(),
            }
        }
        UpdateType::Status => {
            present.only(&["status"])?;
            Payload::StatusChanged {
                status: parse_status(required(status, "status", name)?)?,
            }
        }
        UpdateType::Correction | UpdateType::TargetRevised => {
            return Err(ApiError::bad_request(
                "unknown_type",
                format!("a replacement cannot be a {name} update"),
            ));
        }
    })
}

impl ReplacementRequest {
    fn to_payload(&self) -> ApiResult<Payload> {
        let kind = UpdateType::parse(&self.kind)?;
        let present = Present {
            kind: kind.name(),
            fields: vec![
                ("delta", self.delta.is_some()),
                ("value", self.value.is_some()),
                ("district", self.district.is_some()),
                ("deliverable", self.deliverable.is_some()),
                ("status", self.status.is_some()),
            ],
        };
        plain_payload(
            kind,
            &present,
            &self.delta,
            &self.value,
            &self.district,
            &self.deliverable,
            &self.status,
        )
    }
}

/// A checked append request: the core event to record, and what the permission check needs.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedRequest {
    /// The event, with the actor still to be set by the caller's credential.
    pub event: NewEvent,
    /// Indicator id.
    pub indicator: String,
    /// Update or target revision.
    pub write: WriteKind,
    /// District named by the update (or its replacement), if any.
    pub district: Option<String>,
}

impl NewEventRequest {
    /// Parses a request body. Syntax errors answer 400 `malformed_json`; wrong types, missing
    /// or unknown fields answer 400 `invalid_body`.
    pub fn from_json(body: &[u8]) -> ApiResult<Self> {
        serde_json::from_slice(body).map_err(|e| {
            let code = match e.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    "malformed_json"
                }
                _ => "invalid_body",
            };
            ApiError::bad_request(code, format!("request body: {e}"))
        })
    }

    /// Checks every field and builds the core event, recorded as `actor` (the credential's
    /// unit, never anything from the body).
    pub fn check(&self, actor: &str) -> ApiResult<CheckedRequest> {
        let kind = UpdateType::parse(&self.kind)?;
        let indicator = self.indicator.trim();
        if indicator.is_empty() {
            return Err(ApiError::bad_request(
                "missing_field",
                "indicator must name an indicator id",
            ));
        }
        if indicator.len() > MAX_INDICATOR_BYTES {
            return Err(ApiError::bad_request(
                "string_too_long",
                format!(
                    "indicator is {} bytes; the limit is {MAX_INDICATOR_BYTES}",
                    indicator.len()
                ),
            ));
        }
        check_text("indicator", indicator, MAX_INDICATOR_BYTES, false)?;
        let stream = StreamId::indicator(indicator).map_err(ApiError::from)?;
        let effective = parse_date("effective", &self.effective)?;
        let id = self
            .id
            .as_deref()
            .map(|id| parse_uuid("id", id))
            .transpose()?;
        let note = match &self.note {
            Some(note) if !note.is_empty() => {
                check_text("note", note, MAX_NOTE_CHARS, true)?;
                if note.len() > 4000 {
                    return Err(ApiError::bad_request(
                        "string_too_long",
                        format!("note is {} bytes; the limit is 4000", note.len()),
                    ));
                }
                Some(note.clone())
            }
            _ => None,
        };
        let present = Present {
            kind: kind.name(),
            fields: vec![
                ("delta", self.delta.is_some()),
                ("value", self.value.is_some()),
                ("district", self.district.is_some()),
                ("deliverable", self.deliverable.is_some()),
                ("status", self.status.is_some()),
                ("corrects", self.corrects.is_some()),
                ("reason", self.reason.is_some()),
                ("replacement", self.replacement.is_some()),
                ("target", self.target.is_some()),
            ],
        };
        let (payload, write, district) = match kind {
            UpdateType::Correction => {
                present.only(&["corrects", "reason", "replacement"])?;
                let corrects = parse_uuid(
                    "corrects",
                    required(&self.corrects, "corrects", "correction")?,
                )?;
                let reason = reason_of(&self.reason, "correction")?;
                let replacement = self
                    .replacement
                    .as_ref()
                    .map(ReplacementRequest::to_payload)
                    .transpose()?;
                let district = self.replacement.as_ref().and_then(|r| r.district.clone());
                (
                    Payload::Corrected {
                        corrects,
                        reason,
                        replacement: replacement.map(Box::new),
                    },
                    WriteKind::Update,
                    district,
                )
            }
            UpdateType::TargetRevised => {
                present.only(&["target", "reason"])?;
                let target = parse_decimal(
                    "target",
                    required(&self.target, "target", "target_revised")?,
                )?;
                let reason = reason_of(&self.reason, "target_revised")?;
                (
                    Payload::TargetRevised { target, reason },
                    WriteKind::TargetRevision,
                    None,
                )
            }
            plain => (
                plain_payload(
                    plain,
                    &present,
                    &self.delta,
                    &self.value,
                    &self.district,
                    &self.deliverable,
                    &self.status,
                )?,
                WriteKind::Update,
                self.district.clone(),
            ),
        };
        Ok(CheckedRequest {
            event: NewEvent {
                id,
                stream,
                expected_version: self.expected_version,
                effective,
                actor: actor.to_owned(),
                note,
                payload,
            },
            indicator: indicator.to_owned(),
            write,
            district,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("valid JSON")
    }

    #[test]
    fn numbers_reach_decimal_exactly_from_numbers_and_strings() {
        let exact = |text: &str| parse_decimal("delta", &raw(text)).map(|d| d.to_string());
        assert_eq!(exact("0.1"), Ok("0.1".into()));
        assert_eq!(exact("\"0.1\""), Ok("0.1".into()));
        assert_eq!(exact("1200"), Ok("1200".into()));
        assert_eq!(exact("1.6e4"), Ok("16000".into()));
        assert_eq!(exact("\"92.50\""), Ok("92.50".into()));
        for bad in [
            "\"NaN\"",
            "\"Infinity\"",
            "\"-inf\"",
            "true",
            "[1]",
            "\"\"",
            "\"1,5\"",
            "1e400",
        ] {
            let error = parse_decimal("delta", &raw(bad)).err().map(|e| e.code);
            assert_eq!(error, Some("invalid_number"), "{bad}");
        }
    }

    #[test]
    fn dates_must_be_written_yyyy_mm_dd() {
        assert_eq!(
            parse_date("effective", "2023-09-30").ok(),
            Some(jiff::civil::date(2023, 9, 30))
        );
        for bad in [
            "2023-02-30",
            "20230930",
            "2023-9-30",
            "2023-09-30T00:00",
            "",
            "昨天",
        ] {
            assert_eq!(
                parse_date("effective", bad).err().map(|e| e.code),
                Some("invalid_date")
            );
        }
    }

    #[test]
    fn awkward_numbers_are_refused_without_panicking() {
        for text in [
            "1e99999999999999999999",
            "1e-99999999999999999999",
            "-1e-4000",
            "9999999999999999999999999999999",
            "0.00000000000000000000000000001",
            "1.0e",
            "e5",
            "--1",
            "1_000",
            "٣",
            "1e28",
            "79228162514264337593543950336",
        ] {
            let _ = parse_decimal_text("delta", text);
        }
        assert!(parse_decimal_text("delta", "79228162514264337593543950335").is_ok());
    }

    proptest::proptest! {
        #[test]
        fn no_text_makes_the_number_parser_panic(text in ".{0,80}") {
            let _ = parse_decimal_text("delta", &text);
            let _ = parse_date("effective", &text);
        }

        #[test]
        fn no_body_makes_the_request_checks_panic(
            indicator in ".{0,30}",
            kind in "(progress|measurement|milestone|status|correction|target_revised|x)",
            effective in "[0-9-]{0,12}",
            number in "[-+0-9.eE]{0,20}",
            text in ".{0,20}",
        ) {
            let body = serde_json::json!({
                "indicator": indicator, "type": kind, "effective": effective,
                "delta": number, "value": number, "target": number, "district": text,
                "deliverable": text, "status": text, "corrects": text, "reason": text,
                "replacement": {"type": kind, "delta": number},
            });
            if let Ok(request) = NewEventRequest::from_json(body.to_string().as_bytes()) {
                let _ = request.check("unit");
            }
        }
    }

    #[test]
    fn fields_of_another_type_are_refused() {
        let request = NewEventRequest::from_json(
            br#"{"indicator":"x","type":"progress","effective":"2023-09-30","delta":1,"value":2}"#,
        )
        .expect("parses");
        assert_eq!(
            request.check("u").err().map(|e| e.code),
            Some("field_not_allowed")
        );
    }
}
