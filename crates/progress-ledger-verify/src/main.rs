//! `progress-ledger-verify`: parses the command line and runs it (see the library).

use std::io::{ErrorKind, Write};
use std::process::ExitCode;

use clap::Parser;
use progress_ledger_verify::{Cli, VerifyError, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match run(cli, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`… | head`) is not a failure of the check.
        Err(VerifyError::Output(e)) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            eprintln!("progress-ledger-verify: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
