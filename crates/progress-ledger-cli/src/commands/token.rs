//! `token add`, `token list`, `token revoke`: credentials for the server.

use std::io::Write;
use std::path::Path;

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
        TokenCommand::Add { unit, role: arg } => {
            let (token, record) = store
                .add(&unit, role(arg))
                .map_err(|e| Failure::from(e).with_message("cannot create the token"))?;
            writeln!(out, "{token}")?;
            eprintln!(
                "token {} for {} ({}) created; it is shown only now, and only its hash is stored in {}",
                record.id,
                record.unit,
                record.role,
                store.path().display()
            );
            eprintln!("use it as: Authorization: Bearer {token}");
        }
        TokenCommand::List { json } => {
            let file = store.read()?;
            if json {
                let list: Vec<_> = file
                    .tokens
                    .iter()
                    .map(|t| serde_json::json!({"id": t.id, "unit": t.unit, "role": t.role, "created": t.created}))
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &list)?;
                writeln!(out)?;
            } else if file.tokens.is_empty() {
                writeln!(out, "no tokens: the server runs in open development mode")?;
            } else {
                let mut table = Table::new(&[
                    ("id", Align::Left),
                    ("unit", Align::Left),
                    ("role", Align::Left),
                    ("created", Align::Left),
                ]);
                for t in &file.tokens {
                    table.row(vec![
                        t.id.clone(),
                        t.unit.clone(),
                        t.role.to_string(),
                        t.created.clone(),
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
