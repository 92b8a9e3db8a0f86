//! Entry point of the `pgsql` OCF agent: the action is `argv[1]`; further arguments are
//! ignored whatever they hold (OCF 1.1). Everything else happens in `pgsql::run`;
//! `pgsql show ...`, the operator's command, in `pgsql::show_main`.
//! Contract: docs/contract.md §1.1, §10.

use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    // an action that is not UTF-8 cannot name an action: it is passed on as unknown
    let action = std::env::args_os()
        .nth(1)
        .map(|a| a.to_string_lossy().into_owned());
    if action.as_deref() == Some("show") {
        let args: Vec<String> = std::env::args_os()
            .skip(2)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        return ExitCode::from(pgsql::show_main(&args, pgsql::ocf::Env::from_process()));
    }
    let tty = std::io::stdin().is_terminal();
    let status = pgsql::run(action.as_deref(), pgsql::ocf::Env::from_process(), tty);
    ExitCode::from(u8::try_from(status.code()).unwrap_or(1))
}
