//! The agent's error type (docs/contract.md §1.3): every failure knows its OCF return code,
//! and `lib::run` is the only place where one becomes an exit code, an exit reason and a
//! log line. Each layer has its own enum (configuration here as `Configured`, the cluster
//! in `cluster::ClusterError`, PostgreSQL in `pg::PgError`, children in
//! `exec::ExecError`, files as `Io`); no `Display` repeats its source: [`chain`] joins
//! them once.

use crate::cluster::ClusterError;
use crate::exec::ExecError;
use crate::ocf::OcfStatus;
use crate::pg::PgError;

/// Every failure of an action.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Configuration is inconsistent or unusable (OCF_ERR_CONFIGURED).
    #[error("{0}")]
    Configured(String),
    /// Something the agent needs is not installed (OCF_ERR_INSTALLED).
    #[error("{0}")]
    NotInstalled(String),
    /// A permission problem (OCF_ERR_PERM).
    #[error("{0}")]
    Permission(String),
    /// An action failed (OCF_ERR_GENERIC).
    #[error("{0}")]
    Failed(String),
    /// A child process failed.
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// Talking to PostgreSQL failed.
    #[error(transparent)]
    Pg(#[from] PgError),
    /// A cluster tool failed.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// A file operation failed.
    #[error("{what}")]
    Io {
        /// What the agent was doing.
        what: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

/// The error and its sources, joined with `": "` (each message once).
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}

impl Error {
    /// The OCF code this failure returns.
    pub fn status(&self) -> OcfStatus {
        match self {
            Error::Configured(_) => OcfStatus::ErrConfigured,
            Error::NotInstalled(_) => OcfStatus::ErrInstalled,
            Error::Permission(_) => OcfStatus::ErrPerm,
            Error::Failed(_) | Error::Exec(_) | Error::Io { .. } | Error::Cluster(_) => {
                OcfStatus::ErrGeneric
            }
            Error::Pg(e) => e.status(),
        }
    }

    /// A file error: `what` the agent was doing, and the system's reason.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}

/// The agent's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variant_maps_to_its_code() {
        let table = [
            (Error::Configured("x".into()), OcfStatus::ErrConfigured),
            (Error::NotInstalled("x".into()), OcfStatus::ErrInstalled),
            (Error::Permission("x".into()), OcfStatus::ErrPerm),
            (Error::Failed("x".into()), OcfStatus::ErrGeneric),
            (
                Error::io("write f", std::io::Error::other("boom")),
                OcfStatus::ErrGeneric,
            ),
        ];
        for (e, s) in table {
            assert_eq!(e.status(), s, "{e}");
        }
    }

    #[test]
    fn chain_names_each_cause_once() {
        let e = Error::io("cannot write /t/x", std::io::Error::other("disk full"));
        assert_eq!(e.to_string(), "cannot write /t/x");
        assert_eq!(chain(&e), "cannot write /t/x: disk full");
        let e = Error::Cluster(ClusterError::Tool {
            program: "crm_mon".into(),
            source: ExecError::TimedOut {
                program: "crm_mon".into(),
                after: std::time::Duration::from_secs(1),
            },
        });
        assert_eq!(
            chain(&e),
            "crm_mon kept failing until the operation timeout: crm_mon did not finish within 1.0s; killed"
        );
    }
}
