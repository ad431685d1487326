//! `token add`, `token list`, `token revoke`: credentials for the server.

use std::io::Write;
use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use progress_ledger_server::credentials::{Role, TokenStore};

use crate::cli::{RoleArg, TokenCommand};
use crate::failure::{Failure, Outcome};
use crate::table::{Align, Table};

fn role(arg: RoleArg) -> Role {
    match arg {
        RoleArg::Recorder => Role::Recorder,
        RoleArg::Auditor => Role::Auditor,
        RoleArg::Admin => Role::Admin,
    }
}

pub fn token(data: &Path, command: TokenCommand, out: &mut dyn Write) -> Outcome {
    let store = TokenStore::in_data_dir(data);
    match command {
        TokenCommand::Add {
            unit,
            role: arg,
            expires,
        } => {
            let expires = expires
                .as_deref()
                .map(|when| parse_expiry(when, Timestamp::now()))
                .transpose()?;
            let (token, record) = store
                .add_expiring(&unit, role(arg), expires)
                .map_err(|e| Failure::from(e).with_message("cannot create the token"))?;
            writeln!(out, "{token}")?;
            let until = record
                .expires
                .as_deref()
                .map_or_else(String::new, |at| format!(", valid until {at}"));
            eprintln!(
                "token {} for {} ({}{until}) created; it is shown only now, and only its hash is stored in {}",
                record.id,
                record.unit,
                record.role,
                store.path().display()
            );
            eprintln!("use it as: Authorization: Bearer {token}");
        }
        TokenCommand::List { json } => {
            let file = store.read()?;
            let now = Timestamp::now();
            if json {
                let list: Vec<_> = file
                    .tokens
                    .iter()
                    .map(|t| serde_json::json!({"id": t.id, "unit": t.unit, "role": t.role, "created": t.created, "expires": t.expires, "expired": t.is_expired(now)}))
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &list)?;
                writeln!(out)?;
            } else if file.tokens.is_empty() {
                writeln!(
                    out,
                    "no tokens: the server takes no writes (create one with `token add`)"
                )?;
            } else {
                let mut table = Table::new(&[
                    ("id", Align::Left),
                    ("unit", Align::Left),
                    ("role", Align::Left),
                    ("created", Align::Left),
                    ("expires", Align::Left),
                ]);
                for t in &file.tokens {
                    let expires = match (&t.expires, t.is_expired(now)) {
                        (None, _) => "never".to_owned(),
                        (Some(at), true) => format!("{at} (expired)"),
                        (Some(at), false) => at.clone(),
                    };
                    table.row(vec![
                        t.id.clone(),
                        t.unit.clone(),
                        t.role.to_string(),
                        t.created.clone(),
                        expires,
                    ]);
                }
                write!(out, "{}", table.render())?;
            }
        }
        TokenCommand::Revoke { id } => {
            let removed = store.revoke(&id)?;
            writeln!(
                out,
                "revoked token {} of {} ({})",
                removed.id, removed.unit, removed.role
            )?;
        }
    }
    Ok(())
}

/// The expiry `when` names: a time (RFC 3339) or a span from `now` (`90d`, `12h`, `30m`).
fn parse_expiry(when: &str, now: Timestamp) -> Result<Timestamp, Failure> {
    let when = when.trim();
    if let Ok(at) = when.parse::<Timestamp>() {
        return Ok(at);
    }
    let invalid = || {
        Failure::msg(format!(
            "--expires {when:?} is neither a time (RFC 3339, e.g. 2024-01-01T00:00:00+08:00) nor a span from now (90d, 12h, 30m)"
        ))
    };
    let split = when
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(invalid)?;
    let (count, unit) = when.split_at(split);
    let count: i64 = count.parse().map_err(|_| invalid())?;
    let seconds = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        _ => return Err(invalid()),
    };
    count
        .checked_mul(seconds)
        .map(SignedDuration::from_secs)
        .and_then(|span| now.checked_add(span).ok())
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_are_times_or_spans_from_now() {
        let now: Timestamp = "2023-09-30T00:00:00Z".parse().expect("time");
        let at = |text| parse_expiry(text, now).map(|t| t.to_string()).ok();
        assert_eq!(at("90d").as_deref(), Some("2023-12-29T00:00:00Z"));
        assert_eq!(at("12h").as_deref(), Some("2023-09-30T12:00:00Z"));
        assert_eq!(at("30m").as_deref(), Some("2023-09-30T00:30:00Z"));
        assert_eq!(
            at("2024-01-01T00:00:00+08:00").as_deref(),
            Some("2023-12-31T16:00:00Z")
        );
        for bad in ["", "d", "12", "12w", "-3d", "99999999999999999999d"] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }
}
