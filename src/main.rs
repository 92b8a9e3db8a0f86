//! Entry point of the `pgsql` OCF agent: the action is argv[1]; further arguments are
//! ignored (OCF 1.1). Everything else happens in `pgsql::run`.
//! Contract: docs/contract.md §1.1.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

/// No --help/--version flags: everything after the action is ignored, and an unknown
/// action (even "--help") exits 3 with nothing on stdout.
#[derive(Parser)]
#[command(name = "pgsql", disable_help_flag = true, disable_version_flag = true)]
struct Cli {
    #[arg(allow_hyphen_values = true)]
    action: Option<String>,
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

fn main() -> ExitCode {
    let action = Cli::try_parse().ok().and_then(|c| c.action);
    let tty = std::io::stdin().is_terminal();
    let status = pgsql::run(action.as_deref(), pgsql::ocf::Env::from_process(), tty);
    ExitCode::from(u8::try_from(status.code()).unwrap_or(1))
}
