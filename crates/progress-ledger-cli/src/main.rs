//! `progress-ledger`: the command line of the progress ledger. It parses, calls the core and
//! the server crates, and renders; see `progress-ledger --help`.
//!
//! Exit status: 0 on success (also when the reader of the output goes away: a broken pipe),
//! 1 on an error, 2 on a usage error, 3 when `verify` finds a problem.

mod cli;
mod commands;
mod data;
mod failure;
mod progress;
mod table;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, PlanCommand, ReportFormat, TokenCommand};
use crate::failure::Outcome;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(matches!(cli.command, Command::Serve(_)));
    progress::show_progress(prints_json(&cli.command));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let outcome = dispatch(cli, &mut out).and_then(|()| out.flush().map_err(Into::into));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) if failure.is_broken_pipe() => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.report());
            ExitCode::from(failure.code)
        }
    }
}

fn dispatch(cli: Cli, out: &mut dyn Write) -> Outcome {
    let data = cli.data;
    match cli.command {
        Command::Serve(args) => commands::serve::serve(&data, args),
        Command::Plan(command) => commands::plan::plan(&data, command, out),
        Command::Record(args) => commands::record::record(&data, *args, out),
        Command::Template(args) => commands::sheets::template(&data, args, out),
        Command::Progress(args) => commands::queries::progress(&data, args, out),
        Command::History(args) => commands::queries::history(&data, args, out),
        Command::Report(args) => commands::queries::report(&data, args, out),
        Command::Explain(args) => commands::explain::explain(&data, args, out),
        Command::Restatements(args) => commands::explain::restatements(&data, args, out),
        Command::Verify(args) => commands::audit::verify(&data, args, out),
        Command::Export(args) => commands::audit::export(&data, args, out),
        Command::Import(args) => commands::audit::import(&data, args, out),
        Command::Token(command) => commands::token::token(&data, command, out),
        Command::Key(command) => commands::tlog::key(&data, command, out),
        Command::Checkpoint => commands::tlog::checkpoint(&data, out),
        Command::Prove(command) => commands::tlog::prove(&data, command, out),
    }
}

/// Whether the command was asked for JSON output (then it draws no progress bar).
fn prints_json(command: &Command) -> bool {
    match command {
        Command::Record(args) => args.json,
        Command::Progress(args) => args.json,
        Command::History(args) => args.json,
        Command::Explain(args) => args.json,
        Command::Restatements(args) => args.json,
        Command::Report(args) => matches!(args.format, ReportFormat::Json),
        Command::Verify(args) => args.json,
        Command::Plan(PlanCommand::Show { json }) | Command::Token(TokenCommand::List { json }) => {
            *json
        }
        _ => false,
    }
}

/// Logs to stderr: `info` for `serve`, warnings only for other commands, unless `RUST_LOG`
/// says otherwise.
fn init_logging(serving: bool) {
    let default = if serving { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
