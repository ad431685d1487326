//! The append request (`POST /v1/events`) and the one typed path every update takes to a core
//! [`NewEvent`].
//!
//! The JSON body is read into a flat struct that refuses unknown fields and `null`s, and becomes
//! an [`Update`]; the command line's flags and the rows of a filled progress sheet
//! ([`Update::from_sheet_row`]) become an [`Update`] too. [`Update::check`] then checks
//! every field with a specific error code before the core sees it, with the core's own limits
//! ([`progress_ledger_core::limits`]). Numbers are carried as their text (a JSON number's or a
//! string's), so `0.1` reaches `rust_decimal` exactly as written.

use std::borrow::Cow;

use jiff::civil::Date;
use progress_ledger_core::limits::{MAX_ID_LEN, MAX_MAGNITUDE, TextField};
use progress_ledger_core::plan::{IndicatorKind, ItemStatus, is_valid_id};
use progress_ledger_core::{Error as CoreError, NewEvent, Payload, RejectCode, StreamId};
use progress_ledger_sheets::SheetUpdate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

use super::schema;
use crate::error::{ApiError, ApiResult};

/// Largest count accepted in a request (a sequence number, a stream version): the largest
/// signed 64-bit integer, the range of OpenAPI's `int64`.
pub const MAX_COUNT: u64 = i64::MAX as u64;

/// The kinds of update a client may record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// Retires the indicator: no more updates are accepted (admins only): `reason`.
    IndicatorRetired,
}

impl UpdateType {
    /// Every kind, in the order the API lists them.
    pub const ALL: [UpdateType; 7] = [
        UpdateType::Progress,
        UpdateType::Measurement,
        UpdateType::Milestone,
        UpdateType::Status,
        UpdateType::Correction,
        UpdateType::TargetRevised,
        UpdateType::IndicatorRetired,
    ];

    /// The kind named `text` (its API name); 400 `unknown_type` if there is none.
    pub fn from_name(text: &str) -> ApiResult<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name() == text)
            .ok_or_else(|| {
                let shown: String = text.chars().take(40).collect();
                ApiError::bad_request(
                    "unknown_type",
                    format!(
                        "type {shown:?} is not one of progress, measurement, milestone, status, correction, target_revised, indicator_retired"
                    ),
                )
            })
    }

    /// The API's name of the kind.
    pub fn name(self) -> &'static str {
        match self {
            Self::Progress => "progress",
            Self::Measurement => "measurement",
            Self::Milestone => "milestone",
            Self::Status => "status",
            Self::Correction => "correction",
            Self::TargetRevised => "target_revised",
            Self::IndicatorRetired => "indicator_retired",
        }
    }

    /// Whether an update of this kind can stand in a correction's replacement.
    pub fn is_plain(self) -> bool {
        !matches!(
            self,
            Self::Correction | Self::TargetRevised | Self::IndicatorRetired
        )
    }

    /// The fields that belong to this kind besides those every update has, each with whether
    /// it is required. The checks and the OpenAPI description both read this table.
    pub fn fields(self) -> &'static [(&'static str, bool)] {
        match self {
            Self::Progress => &[("delta", true), ("district", false)],
            Self::Measurement => &[("value", true), ("district", false)],
            Self::Milestone => &[("deliverable", true)],
            Self::Status => &[("status", true)],
            Self::Correction => &[("corrects", true), ("reason", true), ("replacement", false)],
            Self::TargetRevised => &[("target", true), ("reason", true)],
            Self::IndicatorRetired => &[("reason", true)],
        }
    }
}

/// The fields of a plain update (progress, measurement, milestone, status), in an update and in
/// a correction's replacement. Numbers are their text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlainFields {
    /// progress: amount added.
    pub delta: Option<String>,
    /// measurement: the measured value.
    pub value: Option<String>,
    /// progress, measurement: the district.
    pub district: Option<String>,
    /// milestone: the deliverable completed.
    pub deliverable: Option<String>,
    /// status: not_started, in_progress or done.
    pub status: Option<String>,
}

impl PlainFields {
    fn present(&self) -> [(&'static str, bool); 5] {
        [
            ("delta", self.delta.is_some()),
            ("value", self.value.is_some()),
            ("district", self.district.is_some()),
            ("deliverable", self.deliverable.is_some()),
            ("status", self.status.is_some()),
        ]
    }

    /// The payload of a plain update of `kind` (whose fields were checked for presence).
    fn payload(&self, kind: UpdateType) -> ApiResult<Payload> {
        let name = kind.name();
        Ok(match kind {
            UpdateType::Progress => Payload::ProgressReported {
                delta: parse_decimal_text("delta", required(&self.delta, "delta", name)?)?,
                district: text_of(TextField::District, &self.district)?,
            },
            UpdateType::Measurement => Payload::MeasurementTaken {
                value: parse_decimal_text("value", required(&self.value, "value", name)?)?,
                district: text_of(TextField::District, &self.district)?,
            },
            UpdateType::Milestone => {
                let deliverable = required(&self.deliverable, "deliverable", name)?;
                checked_text(TextField::Deliverable, deliverable)?;
                Payload::MilestoneReached {
                    deliverable: deliverable.to_owned(),
                }
            }
            UpdateType::Status => Payload::StatusChanged {
                status: parse_status(required(&self.status, "status", name)?)?,
            },
            UpdateType::Correction | UpdateType::TargetRevised | UpdateType::IndicatorRetired => {
                return Err(ApiError::bad_request(
                    "unknown_type",
                    format!("a replacement cannot be a {name} update"),
                ));
            }
        })
    }
}

/// The update a correction puts in place of the one it voids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    /// progress, measurement, milestone or status.
    pub kind: UpdateType,
    /// Its fields.
    pub fields: PlainFields,
}

/// An update as a client states it, before any check: what the JSON body and the command
/// line's flags both become.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Update {
    /// Client-chosen event id (a UUID, as text).
    pub id: Option<String>,
    /// Indicator id.
    pub indicator: String,
    /// What kind of update.
    pub kind: UpdateType,
    /// Business date, `YYYY-MM-DD`.
    pub effective: String,
    /// Free text; empty means none.
    pub note: Option<String>,
    /// The stream version the append expects.
    pub expected_version: Option<u64>,
    /// The fields of a plain update.
    pub fields: PlainFields,
    /// correction: id of the update voided (a UUID, as text).
    pub corrects: Option<String>,
    /// correction, target_revised, indicator_retired: why.
    pub reason: Option<String>,
    /// target_revised: the new target, as text.
    pub target: Option<String>,
    /// correction: what should have been recorded instead.
    pub replacement: Option<Replacement>,
}

/// A checked update: the core event to record. Who may record it is decided when it is
/// recorded ([`progress_ledger_core::Tracker::record_as`]).
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedRequest {
    /// The event, recorded as the actor given to [`Update::check`].
    pub event: NewEvent,
    /// Indicator id.
    pub indicator: String,
}

impl Update {
    /// An update of `kind` to `indicator` effective on `effective`, with no other field.
    pub fn new(
        kind: UpdateType,
        indicator: impl Into<String>,
        effective: impl Into<String>,
    ) -> Self {
        Self {
            id: None,
            indicator: indicator.into(),
            kind,
            effective: effective.into(),
            note: None,
            expected_version: None,
            fields: PlainFields::default(),
            corrects: None,
            reason: None,
            target: None,
            replacement: None,
        }
    }

    /// The update a filled row of a progress sheet states, for an indicator of `kind` (`None`:
    /// not defined; the ledger's check then refuses it as `unknown_indicator`): the one mapping
    /// of a sheet's row, used by `POST /v1/sheets` and the command line's `record --from`.
    ///
    /// The amount is a measurement's value for a level indicator and a delta otherwise; the
    /// deliverable and the status make a milestone and a status update.
    pub fn from_sheet_row(row: &SheetUpdate, kind: Option<IndicatorKind>) -> Update {
        let (update_type, fields) = match kind {
            Some(IndicatorKind::Level) => (
                UpdateType::Measurement,
                PlainFields {
                    value: row.amount.map(|a| a.to_string()),
                    district: row.district.clone(),
                    ..PlainFields::default()
                },
            ),
            Some(IndicatorKind::Milestones) => (
                UpdateType::Milestone,
                PlainFields {
                    deliverable: row.deliverable.clone(),
                    ..PlainFields::default()
                },
            ),
            Some(IndicatorKind::Status) => (
                UpdateType::Status,
                PlainFields {
                    status: row.status.map(str::to_owned),
                    ..PlainFields::default()
                },
            ),
            Some(IndicatorKind::Cumulative | IndicatorKind::Coverage) | None => (
                UpdateType::Progress,
                PlainFields {
                    delta: row.amount.map(|a| a.to_string()),
                    district: row.district.clone(),
                    ..PlainFields::default()
                },
            ),
        };
        let mut update = Update::new(
            update_type,
            row.indicator.clone(),
            row.effective.to_string(),
        );
        update.id = Some(row.id.to_string());
        update.note = row.note.clone();
        update.fields = fields;
        update
    }

    fn present(&self) -> impl Iterator<Item = (&'static str, bool)> {
        self.fields.present().into_iter().chain([
            ("corrects", self.corrects.is_some()),
            ("reason", self.reason.is_some()),
            ("target", self.target.is_some()),
            ("replacement", self.replacement.is_some()),
        ])
    }

    /// Checks every field and builds the core event, recorded as `actor` (on the server, the
    /// credential's unit, never anything from the body).
    pub fn check(&self, actor: &str) -> ApiResult<CheckedRequest> {
        check_id("indicator", &self.indicator)?;
        let stream = StreamId::indicator(&self.indicator)?;
        let effective = parse_date("effective", &self.effective)?;
        let id = self
            .id
            .as_deref()
            .map(|id| parse_uuid("id", id))
            .transpose()?;
        let note = match self.note.as_deref() {
            None | Some("") => None,
            Some(note) => Some(checked_text(TextField::Note, note)?.to_owned()),
        };
        if let Some(version) = self.expected_version {
            parse_count_text("expected_version", &version.to_string())?;
        }
        checked_text(TextField::Actor, actor)?;
        allow_fields(self.kind, self.present())?;
        let payload = match self.kind {
            UpdateType::Correction => {
                let corrects = parse_uuid(
                    "corrects",
                    required(&self.corrects, "corrects", "correction")?,
                )?;
                let reason = reason_of(&self.reason)?;
                let replacement = match &self.replacement {
                    None => None,
                    Some(instead) => {
                        allow_fields(instead.kind, instead.fields.present())?;
                        Some(Box::new(instead.fields.payload(instead.kind)?))
                    }
                };
                Payload::Corrected {
                    corrects,
                    reason,
                    replacement,
                }
            }
            UpdateType::TargetRevised => {
                let target = required(&self.target, "target", "target_revised")?;
                Payload::TargetRevised {
                    target: parse_decimal_text("target", target)?,
                    reason: reason_of(&self.reason)?,
                }
            }
            UpdateType::IndicatorRetired => Payload::IndicatorRetired {
                reason: reason_of(&self.reason)?,
            },
            plain => self.fields.payload(plain)?,
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
            indicator: self.indicator.clone(),
        })
    }
}

/// Refuses a field present that does not belong to `kind`, and a required one that is missing.
fn allow_fields(
    kind: UpdateType,
    present: impl IntoIterator<Item = (&'static str, bool)>,
) -> ApiResult<()> {
    let allowed = kind.fields();
    for (name, is_present) in present {
        let belongs = allowed.iter().any(|(field, _)| *field == name);
        if is_present && !belongs {
            return Err(ApiError::bad_request(
                "field_not_allowed",
                format!(
                    "the field {name} does not belong to a {} update",
                    kind.name()
                ),
            ));
        }
    }
    Ok(())
}

/// An update to record, as JSON. Which fields apply depends on `type` (see the schema's
/// `oneOf`); a field that does not belong to the type is refused, and so are unknown fields and
/// `null`s.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEventRequest {
    /// Client-chosen event id (UUID).
    #[serde(default, deserialize_with = "present")]
    pub id: Option<String>,
    /// Indicator id.
    pub indicator: String,
    /// What kind of update.
    #[serde(rename = "type")]
    pub kind: String,
    /// Business date, `YYYY-MM-DD`.
    pub effective: String,
    /// Free text.
    #[serde(default, deserialize_with = "present")]
    pub note: Option<String>,
    /// The stream version the append expects, a JSON integer.
    #[serde(default, deserialize_with = "present")]
    pub expected_version: Option<Box<RawValue>>,
    /// progress: amount added, a JSON number or a decimal string.
    #[serde(default, deserialize_with = "present")]
    pub delta: Option<Box<RawValue>>,
    /// measurement: the measured value, a JSON number or a decimal string.
    #[serde(default, deserialize_with = "present")]
    pub value: Option<Box<RawValue>>,
    /// progress, measurement: the district.
    #[serde(default, deserialize_with = "present")]
    pub district: Option<String>,
    /// milestone: the deliverable completed.
    #[serde(default, deserialize_with = "present")]
    pub deliverable: Option<String>,
    /// status: not_started, in_progress or done.
    #[serde(default, deserialize_with = "present")]
    pub status: Option<String>,
    /// correction: id of the update voided.
    #[serde(default, deserialize_with = "present")]
    pub corrects: Option<String>,
    /// correction, target_revised, indicator_retired: why.
    #[serde(default, deserialize_with = "present")]
    pub reason: Option<String>,
    /// correction: what should have been recorded instead.
    #[serde(default, deserialize_with = "present")]
    pub replacement: Option<ReplacementRequest>,
    /// target_revised: the new target, a JSON number or a decimal string.
    #[serde(default, deserialize_with = "present")]
    pub target: Option<Box<RawValue>>,
}

/// The update a correction puts in place of the one it voids, as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplacementRequest {
    /// progress, measurement, milestone or status.
    #[serde(rename = "type")]
    pub kind: String,
    /// progress: amount.
    #[serde(default, deserialize_with = "present")]
    pub delta: Option<Box<RawValue>>,
    /// measurement: value.
    #[serde(default, deserialize_with = "present")]
    pub value: Option<Box<RawValue>>,
    /// progress, measurement: district.
    #[serde(default, deserialize_with = "present")]
    pub district: Option<String>,
    /// milestone: deliverable.
    #[serde(default, deserialize_with = "present")]
    pub deliverable: Option<String>,
    /// status: not_started, in_progress or done.
    #[serde(default, deserialize_with = "present")]
    pub status: Option<String>,
}

/// An optional field that, when present, must hold a value (`null` is refused).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

fn number_text(field: &str, raw: &Option<Box<RawValue>>) -> ApiResult<Option<String>> {
    raw.as_deref().map(|raw| number_of(field, raw)).transpose()
}

impl ReplacementRequest {
    fn to_replacement(&self) -> ApiResult<Replacement> {
        Ok(Replacement {
            kind: UpdateType::from_name(&self.kind)?,
            fields: plain_fields(
                &self.delta,
                &self.value,
                &self.district,
                &self.deliverable,
                &self.status,
            )?,
        })
    }
}

/// The plain fields of a JSON body, numbers as their JSON text.
fn plain_fields(
    delta: &Option<Box<RawValue>>,
    value: &Option<Box<RawValue>>,
    district: &Option<String>,
    deliverable: &Option<String>,
    status: &Option<String>,
) -> ApiResult<PlainFields> {
    Ok(PlainFields {
        delta: number_text("delta", delta)?,
        value: number_text("value", value)?,
        district: district.clone(),
        deliverable: deliverable.clone(),
        status: status.clone(),
    })
}

impl NewEventRequest {
    /// Parses a request body. Syntax errors answer 400 `malformed_json`; wrong types, `null`s,
    /// missing or unknown fields answer 400 `invalid_body`.
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

    /// The update the body states (numbers as their JSON text).
    pub fn to_update(&self) -> ApiResult<Update> {
        Ok(Update {
            id: self.id.clone(),
            indicator: self.indicator.clone(),
            kind: UpdateType::from_name(&self.kind)?,
            effective: self.effective.clone(),
            note: self.note.clone(),
            expected_version: self
                .expected_version
                .as_deref()
                .map(|raw| count_of("expected_version", raw))
                .transpose()?,
            fields: plain_fields(
                &self.delta,
                &self.value,
                &self.district,
                &self.deliverable,
                &self.status,
            )?,
            corrects: self.corrects.clone(),
            reason: self.reason.clone(),
            target: number_text("target", &self.target)?,
            replacement: self
                .replacement
                .as_ref()
                .map(ReplacementRequest::to_replacement)
                .transpose()?,
        })
    }

    /// Checks every field and builds the core event, recorded as `actor`
    /// (see [`Update::check`]).
    pub fn check(&self, actor: &str) -> ApiResult<CheckedRequest> {
        self.to_update()?.check(actor)
    }
}

impl PartialSchema for NewEventRequest {
    fn schema() -> RefOr<Schema> {
        schema::update_request(&UpdateType::ALL, true)
    }
}

impl ToSchema for NewEventRequest {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("NewEventRequest")
    }
}

impl PartialSchema for ReplacementRequest {
    fn schema() -> RefOr<Schema> {
        let plain: Vec<UpdateType> = UpdateType::ALL
            .into_iter()
            .filter(|k| k.is_plain())
            .collect();
        schema::update_request(&plain, false)
    }
}

impl ToSchema for ReplacementRequest {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ReplacementRequest")
    }
}

/// The text of a number in a JSON body: a JSON number's own text, or a string's content.
fn number_of(field: &str, raw: &RawValue) -> ApiResult<String> {
    let text = raw.get();
    if text.starts_with('"') {
        serde_json::from_str::<String>(text).map_err(|_| invalid_number(field, text))
    } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        let shown: String = text.chars().take(40).collect();
        Err(ApiError::bad_request(
            "invalid_number",
            format!("{field} must be a number or a decimal string, got {shown}"),
        ))
    }
}

/// A count from a JSON body: a JSON number that is an integer (`3`, `3.0`).
fn count_of(field: &str, raw: &RawValue) -> ApiResult<u64> {
    let text = raw.get();
    if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        parse_count_text(field, text).map_err(|e| ApiError::bad_request("invalid_body", e.message))
    } else {
        Err(ApiError::bad_request(
            "invalid_body",
            format!("{field} must be an integer, got {}", shown(text)),
        ))
    }
}

/// Parses a decimal from the JSON text of a number or a string.
pub fn parse_decimal(field: &str, raw: &RawValue) -> ApiResult<Decimal> {
    parse_decimal_text(field, &number_of(field, raw)?)
}

/// The parts of a number written `-?D+(.D+)?([eE][-+]?D+)?`.
struct NumberParts<'a> {
    negative: bool,
    whole: &'a str,
    fraction: &'a str,
    exponent: i64,
}

fn digits(text: &str) -> Option<&str> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

fn number_parts(text: &str) -> Option<NumberParts<'_>> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => {
            let unsigned = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            let magnitude = digits(unsigned)?.bytes().fold(0_i64, |sum, b| {
                sum.saturating_mul(10).saturating_add(i64::from(b - b'0'))
            });
            let signed = if exponent.starts_with('-') {
                -magnitude
            } else {
                magnitude
            };
            (mantissa, signed)
        }
        None => (unsigned, 0),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (digits(whole)?, digits(fraction)?),
        None => (digits(mantissa)?, ""),
    };
    Some(NumberParts {
        negative,
        whole,
        fraction,
        exponent,
    })
}

impl NumberParts<'_> {
    /// The significant digits (no leading zeros; empty for zero), and where the decimal point
    /// falls among them (digits before it; negative or past the end for small or large
    /// magnitudes).
    fn digits_and_point(&self) -> (String, i64) {
        let all = [self.whole, self.fraction].concat();
        let significant = all.trim_start_matches('0');
        let leading_zeros = (all.len() - significant.len()) as i64;
        let point = (self.whole.len() as i64)
            .saturating_sub(leading_zeros)
            .saturating_add(self.exponent);
        (significant.to_owned(), point)
    }

    /// The magnitude written without an exponent (`1.6e4` → `16000`, `5e-3` → `0.005`), or
    /// `None` if it has more than `max_whole` digits before the point. Zero is `0`; a
    /// magnitude under 1e-40 is written `0` too (it is zero at 28 decimal places).
    fn plain(&self, max_whole: i64) -> Option<String> {
        let (significant, point) = self.digits_and_point();
        if significant.is_empty() || point < -40 {
            return Some("0".to_owned());
        }
        if point > max_whole {
            return None;
        }
        let len = significant.len() as i64;
        Some(if point >= len {
            format!("{significant}{}", "0".repeat((point - len) as usize))
        } else if point <= 0 {
            format!("0.{}{significant}", "0".repeat((-point) as usize))
        } else {
            let (whole, fraction) = significant.split_at(point as usize);
            format!("{whole}.{fraction}")
        })
    }

    /// The integer written, if it is one with at most `max_digits` digits.
    fn integer(&self, max_digits: i64) -> Option<String> {
        let (significant, point) = self.digits_and_point();
        let significant = significant.trim_end_matches('0');
        if significant.is_empty() {
            return Some("0".to_owned());
        }
        let len = significant.len() as i64;
        if point < len || point > max_digits {
            return None;
        }
        Some(format!(
            "{significant}{}",
            "0".repeat((point - len) as usize)
        ))
    }
}

/// Parses a decimal from text written `-?D+(.D+)?([eE][-+]?D+)?` (`12`, `0.5`, `1.6e4`).
/// The value is exact up to the precision the ledger keeps (28 decimal places, 28 significant
/// digits); digits beyond it are rounded (half away from zero). A magnitude over
/// [`MAX_MAGNITUDE`] answers 422 `out_of_range`, as the core would.
pub fn parse_decimal_text(field: &str, text: &str) -> ApiResult<Decimal> {
    let parts = number_parts(text).ok_or_else(|| invalid_number(field, text))?;
    let max_whole = MAX_MAGNITUDE.to_string().len() as i64;
    let plain = parts
        .plain(max_whole)
        .ok_or_else(|| out_of_range(field, text))?;
    let magnitude = plain
        .parse::<Decimal>()
        .map_err(|_| invalid_number(field, text))?;
    if magnitude > Decimal::from(MAX_MAGNITUDE) {
        return Err(out_of_range(field, text));
    }
    Ok(if parts.negative {
        -magnitude
    } else {
        magnitude
    })
}

/// Parses a count (a sequence number, a stream version) written as JSON writes an integer
/// (`12`, `12.0`, `1.2e1`), from 0 to [`MAX_COUNT`]; 400 `invalid_parameter` otherwise.
pub fn parse_count_text(field: &str, text: &str) -> ApiResult<u64> {
    let invalid = || {
        ApiError::bad_request(
            "invalid_parameter",
            format!(
                "{field} {:?} is not an integer from 0 to {MAX_COUNT}",
                shown(text)
            ),
        )
    };
    let parts = number_parts(text).ok_or_else(invalid)?;
    let integer = parts
        .integer(MAX_COUNT.to_string().len() as i64)
        .ok_or_else(invalid)?;
    let value = integer.parse::<u64>().map_err(|_| invalid())?;
    if (parts.negative && value != 0) || value > MAX_COUNT {
        return Err(invalid());
    }
    Ok(value)
}

fn shown(text: &str) -> String {
    text.chars().take(40).collect()
}

fn invalid_number(field: &str, text: &str) -> ApiError {
    ApiError::bad_request(
        "invalid_number",
        format!(
            "{field} {:?} is not a decimal number written -D.D or -D.DeD",
            shown(text)
        ),
    )
}

fn out_of_range(field: &str, text: &str) -> ApiError {
    ApiError::from(CoreError::Rejected {
        code: RejectCode::OutOfRange,
        message: format!(
            "{field} {:?} is beyond the largest magnitude accepted, {MAX_MAGNITUDE}",
            shown(text)
        ),
    })
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
        ApiError::bad_request(
            "invalid_date",
            format!(
                "{field} {:?} is not a calendar date written YYYY-MM-DD",
                shown(text)
            ),
        )
    })
}

/// Checks a plan or indicator id: 1 to [`MAX_ID_LEN`] bytes of `[a-z0-9][a-z0-9._-]*`.
pub fn check_id(field: &str, text: &str) -> ApiResult<()> {
    if text.is_empty() {
        return Err(ApiError::bad_request(
            "missing_field",
            format!("{field} must name an id"),
        ));
    }
    if text.len() > MAX_ID_LEN {
        return Err(ApiError::bad_request(
            "string_too_long",
            format!("{field} is {} bytes; the limit is {MAX_ID_LEN}", text.len()),
        ));
    }
    if !is_valid_id(text) {
        return Err(ApiError::bad_request(
            "invalid_id",
            format!(
                "{field} {:?} is not an id: lowercase ASCII letters, digits, '-', '_' or '.', starting with a letter or digit",
                shown(text)
            ),
        ));
    }
    Ok(())
}

/// Parses a UUID written in its hyphenated form (`0190f4a2-6b1e-7c3d-9a00-000000000009`).
fn parse_uuid(field: &str, text: &str) -> ApiResult<Uuid> {
    let hyphenated = text.len() == 36;
    hyphenated
        .then(|| Uuid::try_parse(text).ok())
        .flatten()
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_id",
                format!("{field} {:?} is not a UUID", shown(text)),
            )
        })
}

fn parse_status(text: &str) -> ApiResult<ItemStatus> {
    match text {
        "not_started" => Ok(ItemStatus::NotStarted),
        "in_progress" => Ok(ItemStatus::InProgress),
        "done" => Ok(ItemStatus::Done),
        other => Err(ApiError::bad_request(
            "invalid_status",
            format!(
                "status {:?} is not one of not_started, in_progress, done",
                shown(other)
            ),
        )),
    }
}

/// `text`, if it is within the core's limits for `field`.
fn checked_text(field: TextField, text: &str) -> ApiResult<&str> {
    field.check(text)?;
    Ok(text)
}

fn text_of(field: TextField, value: &Option<String>) -> ApiResult<Option<String>> {
    value
        .as_deref()
        .map(|text| checked_text(field, text).map(str::to_owned))
        .transpose()
}

fn required<'a>(value: &'a Option<String>, field: &str, kind: &str) -> ApiResult<&'a str> {
    value.as_deref().ok_or_else(|| {
        ApiError::bad_request(
            "missing_field",
            format!("a {kind} update needs the field {field}"),
        )
    })
}

fn reason_of(reason: &Option<String>) -> ApiResult<String> {
    let reason = reason.as_deref().ok_or_else(|| {
        ApiError::bad_request("missing_field", "this update needs the field reason")
    })?;
    Ok(checked_text(TextField::Reason, reason)?.to_owned())
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
            "null",
            "\"\"",
            "\"1,5\"",
            "\" 1\"",
            "\"+1\"",
            "\".5\"",
            "\"1_000\"",
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
        assert!(parse_decimal_text("delta", "-1000000000000").is_ok());
        assert!(parse_decimal_text("delta", "999999999999.99999999999999999999999999999").is_ok());
    }

    #[test]
    fn digits_beyond_the_ledgers_precision_are_rounded_and_large_magnitudes_refused() {
        let value = |text: &str| parse_decimal_text("delta", text).map_err(|e| e.code);
        assert_eq!(value("5e-324"), Ok(Decimal::ZERO));
        assert_eq!(value("1e-99999999999999999999"), Ok(Decimal::ZERO));
        assert_eq!(value("0.00000000000000000000000000001"), Ok(Decimal::ZERO));
        assert_eq!(value("1.5e-28"), Ok(Decimal::new(2, 28)));
        assert_eq!(value("-2.5e-3"), Ok(Decimal::new(-25, 4)));
        assert_eq!(value("1e12"), Ok(Decimal::from(MAX_MAGNITUDE)));
        assert_eq!(value("000123.4500"), Ok(Decimal::new(1234500, 4)));
        for beyond in [
            "1e400",
            "-1e400",
            "1000000000000.5",
            "1e99999999999999999999",
        ] {
            assert_eq!(value(beyond), Err("out_of_range"), "{beyond}");
        }
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
