//! `pgsql show [--resource ID] [--json]` (docs/contract.md §10): the cluster of the
//! agent's promotable clone as an operator or a monitoring system wants to see it, read
//! from the CIB, one snapshot and the local server, writing nothing. One pipeline:
//! observe (`observe`) → decide (`decide`, `advice`; pure) → render (`render`).

pub mod advice;
pub mod cib;
pub mod decide;
pub mod model;
pub mod observe;
pub mod render;
#[cfg(test)]
mod tests;

use crate::error::Result;
use crate::ocf::Env;
use crate::world::World;
pub use model::{Report, Verdict};

/// The usage line of `pgsql show`.
pub const USAGE: &str = "usage: pgsql show [--resource ID] [--json]";

/// What the command line asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `--resource ID`: the clone or its primitive.
    pub resource: Option<String>,
    /// `--json`.
    pub json: bool,
    /// `--help`.
    pub help: bool,
}

/// Parses the arguments after `show`; an unknown one is an error naming it.
pub fn parse_args(args: &[String]) -> std::result::Result<Options, String> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => o.json = true,
            "--help" | "-h" => o.help = true,
            "--resource" | "-r" => match it.next() {
                Some(v) if !v.is_empty() => o.resource = Some(v.clone()),
                _ => return Err(format!("{a} needs a resource id")),
            },
            other => match other.strip_prefix("--resource=") {
                Some(v) if !v.is_empty() => o.resource = Some(v.to_string()),
                _ => return Err(format!("unknown argument {other:?}")),
            },
        }
    }
    Ok(o)
}

/// Observes through `w` and decides: the report (an error when the cluster cannot be read).
pub async fn report<W: World>(w: &mut W, env: &Env, opts: &Options) -> Result<Report> {
    let seen = observe::observe(w, env, opts.resource.as_deref()).await?;
    Ok(decide::decide(&seen))
}

/// The report in the form the options ask for.
pub fn render(rep: &Report, opts: &Options) -> String {
    if opts.json {
        render::json(rep)
    } else {
        render::plain(rep)
    }
}
