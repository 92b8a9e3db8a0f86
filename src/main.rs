//! Entry point of the `pgsql` OCF agent: the action is argv[1]; further arguments are
//! ignored (OCF 1.1). Everything else happens in `pgsql::run`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "pgsql",
    version,
    about = "Pacemaker OCF resource agent for PostgreSQL",
    override_usage = "pgsql ACTION [IGNORED...]"
)]
struct Cli {
    /// start, stop, status, monitor, promote, demote, notify, meta-data, validate-all or methods
    #[arg(allow_hyphen_values = true)]
    action: Option<String>,
    /// ignored, as OCF 1.1 requires
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    rest: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let tty = std::io::stdin().is_terminal();
    let status = pgsql::run(cli.action.as_deref(), pgsql::ocf::Env::from_process(), tty);
    ExitCode::from(status.code() as u8)
}
