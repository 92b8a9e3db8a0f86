//! The OCF side of the contract: actions, environment, return codes,
//! exit reason and logging.
//! Contract: docs/contract.md §1.

pub mod action;
pub mod env;
pub mod log;
pub mod logtime;
pub mod status;

pub use action::Action;
pub use env::{Env, Instance, Meta, NotifyInfo};
pub use status::OcfStatus;

/// The one-line exit reason Pacemaker shows in `crm_mon` (`ocf-exit-reason:<text>`,
/// prefix overridable through `OCF_EXIT_REASON_PREFIX`). Newlines are folded so the
/// reason stays one line.
pub fn exit_reason_line(env: &Env, reason: &str) -> String {
    let prefix = env
        .get("OCF_EXIT_REASON_PREFIX")
        .filter(|p| !p.is_empty())
        .unwrap_or("ocf-exit-reason:");
    let one_line: String = reason
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    format!("{prefix}{}", one_line.trim_end())
}

/// One line on stderr; a closed or full stderr is ignored (never a panic).
pub fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Prints the exit-reason line for `reason`.
pub fn print_exit_reason(env: &Env, reason: &str) {
    say(&exit_reason_line(env, reason));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_reason_prefix_and_one_line() {
        let env = Env::default();
        assert_eq!(exit_reason_line(&env, "a\nb"), "ocf-exit-reason:a b");
        let env = Env::from_pairs([("OCF_EXIT_REASON_PREFIX", "X:")]);
        assert_eq!(exit_reason_line(&env, "why"), "X:why");
    }
}
