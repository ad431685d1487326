//! Query parameters: an extractor (crate-private) that answers bad query strings in the API's
//! error format, the parsers of the values (times, dates, counts, ids), each with its own error
//! code, and the schemas that describe them in the OpenAPI document.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use progress_ledger_core::end_of_day;
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Required, Schema};

use crate::dto::request::{check_id, parse_count_text, parse_date};
use crate::dto::schema;
use crate::error::{ApiError, ApiResult};

/// Like axum's `Query`, but a query string that does not fit answers 400 with `{"error": …}`:
/// a parameter the operation does not take `unknown_parameter`, one given twice
/// `repeated_parameter`.
pub(crate) struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Decoding into pairs cannot fail: undecodable bytes become U+FFFD.
        let Query(pairs) =
            Query::<Vec<(String, String)>>::try_from_uri(&parts.uri).map_err(|rejection| {
                ApiError::bad_request("invalid_parameter", rejection.body_text())
            })?;
        let known = field_names::<T>();
        for (index, (name, _)) in pairs.iter().enumerate() {
            let shown: String = name.chars().take(40).collect();
            if !known.contains(&name.as_str()) {
                return Err(ApiError::bad_request(
                    "unknown_parameter",
                    format!(
                        "this operation takes no parameter {shown:?}; it takes {}",
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
            if pairs[..index].iter().any(|(earlier, _)| earlier == name) {
                return Err(ApiError::bad_request(
                    "repeated_parameter",
                    format!("the parameter {shown} is given more than once"),
                ));
            }
        }
        let values: serde_json::Map<String, serde_json::Value> = pairs
            .into_iter()
            .map(|(name, value)| (name, serde_json::Value::String(value)))
            .collect();
        serde_json::from_value(serde_json::Value::Object(values))
            .map(ApiQuery)
            .map_err(|e| ApiError::bad_request("invalid_parameter", e.to_string()))
    }
}

/// The field names a struct deriving `Deserialize` takes (serde hands them to the deserializer).
fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Names(&'static [&'static str]);
    impl<'de> Deserializer<'de> for &mut Names {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("only the field names are read"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(de::Error::custom("only the field names are read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut names = Names(&[]);
    let _ = T::deserialize(&mut names);
    names.0
}

/// A recorded-at cutoff: RFC 3339 (`2023-09-30T12:00:00+08:00`, any number of fractional
/// digits, of which nine count), or `YYYY-MM-DD` meaning the end of that day in Asia/Shanghai.
/// A time past the last one a timestamp holds (9999-12-30T22:00:00.999999999Z) is taken as that
/// last one: no event can be recorded after it.
pub fn parse_as_of(text: &str) -> ApiResult<Timestamp> {
    if text.len() == 10 {
        return parse_date("as_of", text)
            .map(end_of_day)
            .map_err(|_| invalid_as_of(text));
    }
    // Past the range of a timestamp only on the late side: RFC 3339 years start at 0000.
    rfc3339(text).ok_or_else(|| invalid_as_of(text))
}

/// An RFC 3339 date-time (section 5.6): `date T time (Z | ±hh:mm)`, `T` and `Z` in either case.
fn rfc3339(text: &str) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    let digits_at = |range: std::ops::Range<usize>| {
        bytes
            .get(range.clone())?
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| {
                text.get(range)
                    .and_then(|d| d.parse::<i32>().ok())
                    .unwrap_or(0)
            })
    };
    let date = parse_date("as_of", text.get(..10)?).ok()?;
    if !matches!(bytes.get(10)?, b'T' | b't') || bytes.get(13)? != &b':' || bytes.get(16)? != &b':'
    {
        return None;
    }
    let (hour, minute, second) = (digits_at(11..13)?, digits_at(14..16)?, digits_at(17..19)?);
    let mut rest = text.get(19..)?;
    let mut nanos = 0_i32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        let kept: String = fraction[..len]
            .chars()
            .chain("000000000".chars())
            .take(9)
            .collect();
        nanos = kept.parse().ok()?;
        rest = &fraction[len..];
    }
    let offset_seconds = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let field = |a: u8, b: u8| {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| i32::from(a - b'0') * 10 + i32::from(b - b'0'))
            };
            let (hours, minutes) = (field(*h1, *h2)?, field(*m1, *m2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    // RFC 3339 allows a leap second (60); a timestamp holds none, so it is the second before.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let time = jiff::civil::Time::new(
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second.min(59)).ok()?,
        nanos,
    )
    .ok()?;
    let civil = DateTime::from_parts(date, time);
    let offset = Offset::from_seconds(offset_seconds).ok()?;
    Some(offset.to_timestamp(civil).unwrap_or(Timestamp::MAX))
}

fn invalid_as_of(text: &str) -> ApiError {
    let shown: String = text.chars().take(40).collect();
    ApiError::bad_request(
        "invalid_as_of",
        format!(
            "as_of {shown:?} is neither an RFC 3339 time (2023-09-30T12:00:00+08:00) nor a date (2023-09-30)"
        ),
    )
}

/// A business-date cutoff, `YYYY-MM-DD`.
pub fn parse_effective(text: &str) -> ApiResult<Date> {
    parse_date_param("effective", "invalid_effective", text)
}

/// A date parameter `name`, `YYYY-MM-DD`, refused with the error code `code`.
pub(crate) fn parse_date_param(name: &str, code: &'static str, text: &str) -> ApiResult<Date> {
    parse_date(name, text).map_err(|e| ApiError::bad_request(code, e.message))
}

/// A non-negative integer parameter, at most [`MAX_COUNT`](crate::dto::request::MAX_COUNT),
/// written as JSON writes an integer (`12`, `12.0`, `1.2e1`).
pub fn parse_count(name: &str, text: &str) -> ApiResult<u64> {
    parse_count_text(name, text)
}

/// A count parameter that starts at 1 (a tree size, an event's sequence number in a proof).
pub(crate) fn parse_positive(name: &str, text: &str) -> ApiResult<u64> {
    match parse_count(name, text)? {
        0 => Err(ApiError::bad_request(
            "invalid_parameter",
            format!("{name} starts at 1"),
        )),
        n => Ok(n),
    }
}

/// A count parameter, or `default` when it is not given.
pub(crate) fn parse_count_or(name: &str, text: Option<&str>, default: u64) -> ApiResult<u64> {
    text.map_or(Ok(default), |text| parse_count(name, text))
}

/// A page size parameter (`limit`): `default` when it is not given, else from 1 to `max`.
pub(crate) fn parse_limit(text: Option<&str>, default: u64, max: u64) -> ApiResult<usize> {
    let limit = parse_count_or("limit", text, default)?;
    if limit == 0 || limit > max {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            format!("limit {limit} is not between 1 and {max}"),
        ));
    }
    Ok(usize::try_from(limit).unwrap_or(usize::MAX))
}

/// An optional plan id parameter: refused (400 `invalid_id`) if no plan could have that id.
pub fn parse_plan(plan: Option<String>) -> ApiResult<Option<String>> {
    if let Some(id) = &plan {
        check_id("plan", id)?;
    }
    Ok(plan)
}

/// Schema of a `plan` parameter.
pub(crate) fn plan_schema() -> ObjectBuilder {
    schema::id("plan id (default: the only plan loaded, or the first by id)")
}

/// Schema of an `indicator` parameter.
pub(crate) fn indicator_schema() -> ObjectBuilder {
    schema::id("indicator id, e.g. t02-1-childcare-seats")
}

/// Schema of a sequence number parameter (`after`, `seq`).
pub(crate) fn seq_schema() -> ObjectBuilder {
    schema::count("a sequence number", 0)
}

/// Schema of a tree size parameter (`size`, `from`, `to` of the proofs): a tree holds at least
/// one event.
pub(crate) fn tree_size_schema() -> ObjectBuilder {
    schema::count("a tree size", 1)
}

/// A query parameter described by `schema`, for operations that list their parameters by hand:
/// utoipa's derive describes a parameter given a `schema_with` neither as required nor with its
/// doc comment.
pub(crate) fn query_parameter(
    name: &str,
    required: bool,
    description: &str,
    schema: impl Into<RefOr<Schema>>,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// Schema of a date parameter.
pub(crate) fn date_schema() -> ObjectBuilder {
    schema::date("a calendar date, YYYY-MM-DD")
}

/// Schema of an `as_of` time: RFC 3339 or a date.
pub(crate) fn as_of_schema() -> RefOr<Schema> {
    AnyOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
        )
        .item(date_schema())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_of_takes_times_and_dates_meaning_the_end_of_the_day_in_shanghai() {
        let parsed = |text: &str| parse_as_of(text).map(|t| t.to_string()).map_err(|e| e.code);
        assert_eq!(
            parsed("2023-09-30"),
            Ok("2023-09-30T15:59:59.999999Z".to_owned())
        );
        assert_eq!(
            parsed("2023-09-30T12:00:00+08:00"),
            Ok("2023-09-30T04:00:00Z".to_owned())
        );
        assert_eq!(
            parsed("2023-09-30t12:00:00.1234567891234z"),
            Ok("2023-09-30T12:00:00.123456789Z".to_owned())
        );
        assert_eq!(
            parsed("2016-12-31T23:59:60Z"),
            Ok("2016-12-31T23:59:59Z".to_owned())
        );
        assert_eq!(
            parsed("9999-12-31T23:59:59-23:59"),
            Ok(Timestamp::MAX.to_string())
        );
        assert_eq!(
            parsed("0000-01-01T00:00:00+23:59"),
            Ok("-000001-12-31T00:01:00Z".to_owned())
        );
        for bad in [
            "yesterday",
            "2023-13-01",
            "2023-09-30T25:00:00Z",
            "",
            " 2023-09-30",
            "2023-09-30T12:00Z",
            "2023-09-30T12:00:00",
            "2023-09-30T12:00:00+24:00",
            "2023-09-30T12:00:00.Z",
            "2023-09-30T12:00:00+08:00[Asia/Shanghai]",
        ] {
            assert_eq!(parsed(bad), Err("invalid_as_of"), "{bad}");
        }
    }

    #[test]
    fn counts_are_within_int64() {
        assert_eq!(
            parse_count("after", "9223372036854775807").ok(),
            Some(i64::MAX as u64)
        );
        assert_eq!(parse_count("after", "12.0").ok(), Some(12));
        assert_eq!(parse_count("after", "1.2e1").ok(), Some(12));
        assert_eq!(parse_count("after", "-0").ok(), Some(0));
        for bad in [
            "9223372036854775808",
            "-1",
            "",
            "+1",
            " 1",
            "1.5",
            "1e400",
            "0x1",
        ] {
            assert_eq!(
                parse_count("after", bad).err().map(|e| e.code),
                Some("invalid_parameter"),
                "{bad}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn no_text_makes_the_time_parser_panic(text in ".{0,40}") {
            let _ = parse_as_of(&text);
        }
    }
}

/// No query parameter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoParams {}
