//! The agent's error type: every failure knows its OCF return code, and `lib::run` is the
//! only place where one becomes an exit code, an exit reason and a log line.

use crate::exec::ExecError;
use crate::ocf::OcfStatus;
use crate::pg::PgError;

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
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error(transparent)]
    Pg(#[from] PgError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn status(&self) -> OcfStatus {
        match self {
            Error::Configured(_) => OcfStatus::ErrConfigured,
            Error::NotInstalled(_) => OcfStatus::ErrInstalled,
            Error::Permission(_) => OcfStatus::ErrPerm,
            Error::Failed(_) | Error::Exec(_) | Error::Io { .. } => OcfStatus::ErrGeneric,
            Error::Pg(e) => e.status(),
        }
    }

    pub fn io(what: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}

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
}
