//! `pgsql-manpage [--provider NAME] [--date YYYY-MM-DD] [--docdir DIR]`: prints the manual
//! page `ocf_<provider>_pgsql(7)` rendered from the agent's own tables (packaging/build.sh
//! runs it, so the packaged page always matches the packaged binary).
//! Contract: docs/contract.md §2 (the parameter table), §1.3, §5.1, §6.

use std::io::Write;
use std::process::ExitCode;

use pgsql::manpage::{render, valid_provider, ManOptions};

const USAGE: &str = "usage: pgsql-manpage [--provider NAME] [--date YYYY-MM-DD] [--docdir DIR]";

fn main() -> ExitCode {
    let mut o = ManOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--provider" => &mut o.provider,
            "--date" => &mut o.date,
            "--docdir" => o.docdir.get_or_insert_with(String::new),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => return fail(&format!("unknown argument {flag:?}")),
        };
        match args.next() {
            Some(v) => *slot = v,
            None => return fail(&format!("{flag} needs a value")),
        }
    }
    if !valid_provider(&o.provider) {
        return fail(&format!(
            "invalid provider {:?}: lowercase letters, digits, '+', '-' and '.' only",
            o.provider
        ));
    }
    let dated = o.date.is_empty()
        || (o.date.len() == 10
            && o.date.bytes().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            }));
    if !dated {
        return fail(&format!("invalid date {:?}: YYYY-MM-DD", o.date));
    }
    if o.docdir
        .as_deref()
        .is_some_and(|d| !d.starts_with('/') || d.chars().any(char::is_control))
    {
        return fail("--docdir must be an absolute path");
    }
    let mut out = std::io::stdout().lock();
    match out
        .write_all(render(&o).as_bytes())
        .and_then(|_| out.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("cannot write the page: {e}")),
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("pgsql-manpage: {msg}\n{USAGE}");
    ExitCode::from(2)
}
