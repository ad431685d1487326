//! Serialised answers of `GET /v1/progress`, kept per everything that determines them, and the
//! entity tags that let clients revalidate them (`If-None-Match` → 304).
//!
//! An answer is a function of the plan asked for, the effective date, the recorded-at cutoff
//! and the log up to a sequence number; an answer "now" without an effective date also of the
//! day its schedule is judged on (today in Asia/Shanghai). Those are the [`Key`]. Appends change
//! the sequence number, so entries of an older log are simply never asked for again and age out.
//!
//! The one part of an answer that is not a function of the key is the `as_of` field of an
//! answer "now": it echoes the moment of the request. So an answer "now" is kept without it,
//! as the bytes that follow it, and the field is written in front of them for each request:
//! the body is byte for byte what serialising afresh at that moment would give. Its entity tag
//! is weak (`W/"…"`), since two such bodies differ in that field; an answer for an explicit
//! `as_of` is kept whole and has a strong tag.

use std::sync::{Mutex, MutexGuard};

use axum::body::Bytes;
use axum::http::header::IF_NONE_MATCH;
use axum::http::{HeaderMap, HeaderValue};
use jiff::Timestamp;
use jiff::civil::Date;
use sha2::{Digest, Sha256};

/// Entries of answers "now" with no parameters but the plan (the ones every dashboard polls);
/// kept apart so that answers for other, caller-chosen cutoffs cannot push them out.
const PLAIN_CAPACITY: usize = 4;
/// Entries of every other answer (explicit `as_of`, `effective`).
const OTHER_CAPACITY: usize = 16;

/// The opening of every progress body, up to the value of `as_of` (its first field).
const OPENING: &[u8] = br#"{"as_of":"#;

/// Everything an answer is a function of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    /// Plan asked for (`None`: the only plan).
    pub plan: Option<String>,
    /// Recorded-at cutoff, when given (`None`: now).
    pub as_of: Option<Timestamp>,
    /// Effective-date cutoff.
    pub effective: Option<Date>,
    /// The schedule date of an answer "now" without an effective date; `None` otherwise, where
    /// the schedule date follows from `as_of` or `effective`.
    pub today: Option<Date>,
    /// The log up to this sequence number.
    pub seq: u64,
}

impl Key {
    /// Whether this is an answer "now" with no parameter but the plan.
    fn is_plain(&self) -> bool {
        self.as_of.is_none() && self.effective.is_none()
    }
}

/// A kept answer and its entity tag.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    body: Body,
    etag: HeaderValue,
}

#[derive(Clone, Debug)]
enum Body {
    /// The whole body (an explicit `as_of`).
    Whole(Bytes),
    /// The body after the value of `as_of` (an answer "now").
    AfterAsOf(Bytes),
}

impl Entry {
    /// Keeps `body`, a serialised progress answer. With `whole`, it is kept as it is (its
    /// `as_of` is part of the key); otherwise without its `as_of` value. `None` if the body
    /// does not open with the `as_of` field (it always does; a changed DTO is caught here
    /// rather than answered wrongly).
    pub(crate) fn new(body: &[u8], whole: bool) -> Option<Self> {
        if whole {
            return Some(Self {
                etag: etag(body, false),
                body: Body::Whole(Bytes::copy_from_slice(body)),
            });
        }
        let rest = body.strip_prefix(OPENING)?;
        let value = string_length(rest)?;
        let after = &rest[value..];
        Some(Self {
            etag: etag(after, true),
            body: Body::AfterAsOf(Bytes::copy_from_slice(after)),
        })
    }

    /// The body answered at `as_of` (the moment of the request, for an answer "now").
    pub(crate) fn body(&self, as_of: Timestamp) -> Bytes {
        match &self.body {
            Body::Whole(bytes) => bytes.clone(),
            Body::AfterAsOf(after) => {
                let value = as_of.to_string();
                let mut body = Vec::with_capacity(OPENING.len() + value.len() + 2 + after.len());
                body.extend_from_slice(OPENING);
                body.push(b'"');
                // A timestamp's text is digits, `-`, `:`, `.`, `T` and `Z`: nothing to escape.
                body.extend_from_slice(value.as_bytes());
                body.push(b'"');
                body.extend_from_slice(after);
                Bytes::from(body)
            }
        }
    }

    /// The entity tag.
    pub(crate) fn etag(&self) -> &HeaderValue {
        &self.etag
    }
}

/// The length of the JSON string at the start of `text`, quotes included; `None` if there is
/// none.
fn string_length(text: &[u8]) -> Option<usize> {
    if text.first() != Some(&b'"') {
        return None;
    }
    let mut escaped = false;
    for (i, &byte) in text.iter().enumerate().skip(1) {
        match byte {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// `"<first 128 bits of the SHA-256 of bytes, hex>"`, weak (`W/`) if asked.
fn etag(bytes: &[u8], weak: bool) -> HeaderValue {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let text = if weak {
        format!("W/\"{hex}\"")
    } else {
        format!("\"{hex}\"")
    };
    // Only ASCII letters, digits, `/` and quotes.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// Whether the request's `If-None-Match` matches `etag` (weak comparison, as RFC 9110 asks for
/// `If-None-Match`): then the answer is 304. A header that cannot be read matches nothing.
pub(crate) fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(ours) = etag.to_str() else {
        return false;
    };
    let ours = opaque(ours);
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|list| list.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || opaque(tag) == ours)
}

/// An entity tag without its weakness mark.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

/// The kept answers: two small least-recently-used lists, so memory stays bounded whatever
/// cutoffs callers ask for.
#[derive(Debug, Default)]
pub(crate) struct ProgressCache {
    lists: Mutex<Lists>,
}

#[derive(Debug, Default)]
struct Lists {
    /// Most recently used first.
    plain: Vec<(Key, Entry)>,
    /// Most recently used first.
    other: Vec<(Key, Entry)>,
}

impl ProgressCache {
    fn lock(&self) -> MutexGuard<'_, Lists> {
        // Entries are only inserted, moved and dropped whole, so a poisoned lock is still sound.
        self.lists
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The entry of `key`, if kept.
    pub(crate) fn get(&self, key: &Key) -> Option<Entry> {
        let mut lists = self.lock();
        let list = lists.of(key);
        let at = list.iter().position(|(k, _)| k == key)?;
        list[..=at].rotate_right(1);
        Some(list[0].1.clone())
    }

    /// Keeps `entry` as the answer for `key`, dropping the least recently used if full.
    pub(crate) fn insert(&self, key: Key, entry: Entry) {
        let mut lists = self.lock();
        let capacity = if key.is_plain() {
            PLAIN_CAPACITY
        } else {
            OTHER_CAPACITY
        };
        let list = lists.of(&key);
        list.retain(|(k, _)| *k != key);
        list.insert(0, (key, entry));
        list.truncate(capacity);
    }

    /// Number of kept answers.
    #[cfg(test)]
    fn len(&self) -> usize {
        let lists = self.lock();
        lists.plain.len() + lists.other.len()
    }
}

impl Lists {
    fn of(&mut self, key: &Key) -> &mut Vec<(Key, Entry)> {
        if key.is_plain() {
            &mut self.plain
        } else {
            &mut self.other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(as_of: Option<i64>, seq: u64) -> Key {
        Key {
            plan: None,
            as_of: as_of.and_then(|s| Timestamp::from_second(s).ok()),
            effective: None,
            today: None,
            seq,
        }
    }

    fn entry(text: &str) -> Entry {
        Entry::new(text.as_bytes(), true).expect("whole bodies are always kept")
    }

    #[test]
    fn an_answer_now_is_rebuilt_around_the_moment_of_the_request() {
        let fresh = br#"{"as_of":"2023-09-30T04:00:00Z","seq":7,"title":"\"quoted\""}"#;
        let entry = Entry::new(fresh, false).expect("opens with as_of");
        let at = |text: &str| text.parse::<Timestamp>().expect("a timestamp");
        assert_eq!(
            entry.body(at("2023-09-30T04:00:00Z")).as_ref(),
            fresh.as_slice()
        );
        assert_eq!(
            entry.body(at("2024-01-02T03:04:05.123456789Z")).as_ref(),
            br#"{"as_of":"2024-01-02T03:04:05.123456789Z","seq":7,"title":"\"quoted\""}"#
                .as_slice()
        );
        assert!(entry.etag().as_bytes().starts_with(b"W/\""));
        // The tag covers what follows as_of, not as_of.
        let later = br#"{"as_of":"2025-01-01T00:00:00Z","seq":7,"title":"\"quoted\""}"#;
        assert_eq!(
            Entry::new(later, false).map(|e| e.etag),
            Some(entry.etag().clone())
        );
        let changed = br#"{"as_of":"2023-09-30T04:00:00Z","seq":8,"title":"\"quoted\""}"#;
        assert_ne!(
            Entry::new(changed, false).map(|e| e.etag),
            Some(entry.etag().clone())
        );
    }

    #[test]
    fn a_body_without_as_of_first_is_not_kept() {
        assert!(Entry::new(br#"{"seq":7,"as_of":"x"}"#, false).is_none());
        assert!(Entry::new(br#"{"as_of":"unterminated"#, false).is_none());
        assert!(Entry::new(br#"{"as_of":null,"seq":7}"#, false).is_none());
    }

    #[test]
    fn a_whole_body_is_answered_as_kept_with_a_strong_tag() {
        let kept = entry(r#"{"as_of":"2023-09-30T15:59:59.999999Z"}"#);
        let now = Timestamp::now();
        assert_eq!(
            kept.body(now).as_ref(),
            br#"{"as_of":"2023-09-30T15:59:59.999999Z"}"#.as_slice()
        );
        let tag = kept.etag().to_str().unwrap_or("");
        assert!(
            tag.starts_with('"') && tag.ends_with('"') && tag.len() == 34,
            "{tag}"
        );
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists_and_stars() {
        let ours = HeaderValue::from_static("\"abc\"");
        let weak = HeaderValue::from_static("W/\"abc\"");
        let cases: [(&[&str], bool); 9] = [
            (&[], false),
            (&["\"abc\""], true),
            (&["W/\"abc\""], true),
            (&["\"abd\""], false),
            (&["abc"], false),
            (&["\"x\", W/\"abc\""], true),
            (&["\"x\"", "\"abc\""], true),
            (&["*"], true),
            (&["\"x\" , \"y\""], false),
        ];
        for (values, expected) in cases {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append(IF_NONE_MATCH, HeaderValue::from_static(value));
            }
            assert_eq!(not_modified(&headers, &ours), expected, "{values:?}");
            assert_eq!(not_modified(&headers, &weak), expected, "{values:?} (weak)");
        }
        let mut unreadable = HeaderMap::new();
        unreadable.insert(
            IF_NONE_MATCH,
            HeaderValue::from_bytes(b"\"abc\xff\"").expect("opaque bytes are a valid value"),
        );
        assert!(!not_modified(&unreadable, &ours));
    }

    #[test]
    fn the_cache_answers_only_its_own_key_and_stays_bounded() {
        let cache = ProgressCache::default();
        cache.insert(key(None, 1), entry("{\"one\":1}"));
        assert!(cache.get(&key(None, 1)).is_some());
        assert!(cache.get(&key(None, 2)).is_none());
        assert!(cache.get(&key(Some(0), 1)).is_none());
        for second in 0..1000 {
            cache.insert(key(Some(second), 1), entry("{}"));
        }
        assert_eq!(cache.len(), OTHER_CAPACITY + 1);
        // Caller-chosen cutoffs did not push out the plain answer.
        assert!(cache.get(&key(None, 1)).is_some());
        for seq in 2..100 {
            cache.insert(key(None, seq), entry("{}"));
        }
        assert_eq!(cache.len(), OTHER_CAPACITY + PLAIN_CAPACITY);
        assert!(cache.get(&key(None, 1)).is_none());
        // Least recently used goes first: touching the oldest keeps it.
        let oldest = key(Some(1000 - OTHER_CAPACITY as i64), 1);
        assert!(cache.get(&oldest).is_some());
        cache.insert(key(Some(5000), 1), entry("{}"));
        assert!(cache.get(&oldest).is_some());
        assert!(
            cache
                .get(&key(Some(1000 - OTHER_CAPACITY as i64 + 1), 1))
                .is_none()
        );
    }

    #[test]
    fn inserting_a_kept_key_again_replaces_it() {
        let cache = ProgressCache::default();
        cache.insert(key(None, 1), entry("{\"a\":1}"));
        cache.insert(key(None, 1), entry("{\"a\":2}"));
        assert_eq!(cache.len(), 1);
        assert_eq!(
            cache.get(&key(None, 1)).map(|e| e.body(Timestamp::now())),
            Some(Bytes::from_static(b"{\"a\":2}"))
        );
    }
}
