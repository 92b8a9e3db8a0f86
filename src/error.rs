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
    #[error("{reason}")]
    Configured {
        /// One sentence for the operator: the parameters or the server configuration are wrong.
        reason: String,
    },
    /// Something the agent needs is not installed (OCF_ERR_INSTALLED).
    #[error("{reason}")]
    NotInstalled {
        /// One sentence for the operator: what is missing.
        reason: String,
    },
    /// A permission problem (OCF_ERR_PERM).
    #[error("{reason}")]
    Permission {
        /// One sentence for the operator: what may not be done.
        reason: String,
    },
    /// An action failed (OCF_ERR_GENERIC).
    #[error("{reason}")]
    Failed {
        /// One sentence for the operator: what went wrong.
        reason: String,
    },
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
    /// OCF_ERR_CONFIGURED with `reason`.
    pub fn configured(reason: impl Into<String>) -> Error {
        Error::Configured {
            reason: reason.into(),
        }
    }

    /// OCF_ERR_INSTALLED with `reason`.
    pub fn not_installed(reason: impl Into<String>) -> Error {
        Error::NotInstalled {
            reason: reason.into(),
        }
    }

    /// OCF_ERR_PERM with `reason`.
    pub fn permission(reason: impl Into<String>) -> Error {
        Error::Permission {
            reason: reason.into(),
        }
    }

    /// OCF_ERR_GENERIC with `reason`.
    pub fn failed(reason: impl Into<String>) -> Error {
        Error::Failed {
            reason: reason.into(),
        }
    }

    /// The OCF code this failure returns.
    pub fn status(&self) -> OcfStatus {
        match self {
            Error::Configured { .. } => OcfStatus::ErrConfigured,
            Error::NotInstalled { .. } => OcfStatus::ErrInstalled,
            Error::Permission { .. } => OcfStatus::ErrPerm,
            Error::Failed { .. } | Error::Exec(_) | Error::Io { .. } | Error::Cluster(_) => {
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
            (Error::configured("x"), OcfStatus::ErrConfigured),
            (Error::not_installed("x"), OcfStatus::ErrInstalled),
            (Error::permission("x"), OcfStatus::ErrPerm),
            (Error::failed("x"), OcfStatus::ErrGeneric),
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
