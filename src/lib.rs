//! The `pgsql` OCF resource agent: `run` maps an action and an environment to an OCF
//! status. This is the only place where errors become exit codes, exit reasons and the
//! one log line that reports them.
//! Contract: docs/contract.md §1.3, §3.3.

pub mod actions;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod error;
pub mod exec;
pub mod fsutil;
pub mod manpage;
pub mod metadata;
pub mod ocf;
pub mod params;
pub mod pg;
pub mod replication;
pub mod show;
pub mod words;
pub mod world;

#[cfg(test)]
mod props;

use std::io::Write;

use actions::{monitor, start, stop, validate, Agent, Ctx};
use config::Config;
use error::{Error, Result};
use ocf::{Action, Env, OcfStatus};

/// The usage line printed for a missing or unknown action.
pub const USAGE: &str =
    "usage: pgsql {start|stop|status|monitor|promote|demote|notify|meta-data|validate-all|methods}";

/// Runs `action_arg` with `env`; `tty` tells whether logs go to the terminal.
pub fn run(action_arg: Option<&str>, env: Env, tty: bool) -> OcfStatus {
    let Some(arg) = action_arg else {
        ocf::say(USAGE);
        return OcfStatus::ErrArgs;
    };
    let Some(action) = Action::parse(arg) else {
        ocf::say(USAGE);
        ocf::say(&ocf::exit_reason_line(
            &env,
            &format!("unknown action {arg:?}"),
        ));
        return OcfStatus::ErrUnimplemented;
    };
    match action {
        Action::MetaData => return print_stdout(&metadata::render()),
        Action::Methods => return print_stdout(&metadata::methods()),
        _ => {}
    }
    let mut ctx = Ctx::new(env, action);
    ctx.tty = tty;
    ocf::log::init(&ctx.env, &ctx.instance, action, tty);
    if ctx.read_only() {
        ctx.tell(&format!(
            "{action} run by hand (none of {} is set): it writes nothing and logs what it would write",
            actions::PACEMAKER_VARS.join(", ")
        ));
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return report(&ctx, &Error::io("cannot start the async runtime", e)),
    };
    match rt.block_on(dispatch(&ctx)) {
        Ok(status) => {
            ctx.tell(&format!("{action} returns {status}"));
            status
        }
        Err(e) => report(&ctx, &e),
    }
}

/// `pgsql show ARGS...` (docs/contract.md §10): prints the report and returns its exit
/// status: 0 healthy, 1 degraded, 2 no primary, or (with a line on stderr saying what
/// could not be read) a cluster that cannot be read or a usage error.
pub fn show_main(args: &[String], env: Env) -> u8 {
    let opts = match show::parse_args(args) {
        Ok(o) => o,
        Err(e) => {
            ocf::say(&format!("pgsql show: {e}\n{}", show::USAGE));
            return 2;
        }
    };
    if opts.help {
        return match print_stdout(&format!("{}\n", show::USAGE)) {
            OcfStatus::Success => 0,
            _ => 2,
        };
    }
    // an operator's command: its warnings go to stderr, never to the cluster's logs
    ocf::log::init(&env, &ocf::Instance::from_env(&env), Action::Status, true);
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            ocf::say(&format!("pgsql show: cannot start the async runtime: {e}"));
            return 2;
        }
    };
    let mut w = world::RealWorld::new(std::path::PathBuf::new(), None, None);
    match rt.block_on(show::report(&mut w, &env, &opts)) {
        Ok(rep) => match print_stdout(&show::render(&rep, &opts)) {
            OcfStatus::Success => rep.verdict.code(),
            _ => 2,
        },
        Err(e) => {
            ocf::say(&format!("pgsql show: {}", error::chain(&e)));
            2
        }
    }
}

fn print_stdout(text: &str) -> OcfStatus {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => OcfStatus::Success,
        Err(_) => OcfStatus::ErrGeneric,
    }
}

/// Logs the error once, prints the exit reason and returns its code.
fn report(ctx: &Ctx, e: &Error) -> OcfStatus {
    let status = e.status();
    let text = error::chain(e);
    tracing::error!("{} failed: {text}", ctx.action);
    ocf::print_exit_reason(&ctx.env, &text);
    status
}

async fn dispatch(ctx: &Ctx) -> Result<OcfStatus> {
    let cfg = match Config::from_env(&ctx.env, &ctx.meta) {
        Ok(c) => c,
        Err(e) => return actions::invalid::on_invalid(ctx, e, None).await,
    };
    ctx.tell(&format!(
        "parameters valid: rep_mode {}, pgdata {}, pgport {}, pgdba {}",
        cfg.rep_mode_name(),
        cfg.pgdata.display(),
        cfg.pgport,
        cfg.pgdba
    ));
    if ctx.action == Action::ValidateAll && ctx.check_level < 10 {
        return Ok(OcfStatus::Success);
    }
    let local = match validate::local_checks(&cfg, ctx.is_probe()) {
        Ok(l) => l,
        Err(e) => return actions::invalid::on_invalid(ctx, e, Some(cfg)).await,
    };
    for w in &local.warnings {
        tracing::warn!("{w}");
    }
    for skipped in &local.skipped {
        ctx.tell(skipped);
    }
    ctx.tell(&format!(
        "local checks passed (PostgreSQL {})",
        local.version.map_or_else(
            || "version unknown: no readable PG_VERSION".into(),
            |v| v.to_string()
        )
    ));
    if ctx.action == Action::ValidateAll {
        return Ok(OcfStatus::Success);
    }
    let agent = Agent {
        ctx: ctx.clone(),
        cfg,
        pgdba: local.pgdba,
        version: local.version,
    };
    let mut w = agent.world();
    if agent.cfg.rep_mode.is_replication() {
        return actions::repl::run(&mut w, &agent).await;
    }
    match ctx.action {
        Action::Start => start::start(&mut w, &agent).await,
        Action::Stop => stop::stop(&mut w, &agent).await,
        Action::Monitor => monitor::monitor(&mut w, &agent).await,
        Action::Status => Ok(monitor::status(&w, &agent)),
        // without replication there is no promoted role: OCF's answer is "not implemented"
        Action::Promote | Action::Demote => {
            tracing::error!(
                "{} needs rep_mode async or sync (rep_mode is {})",
                ctx.action,
                agent.cfg.rep_mode_name()
            );
            Ok(OcfStatus::ErrUnimplemented)
        }
        Action::Notify => Ok(OcfStatus::Success),
        Action::MetaData | Action::Methods | Action::ValidateAll => Ok(OcfStatus::Success),
    }
}
