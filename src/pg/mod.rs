//! The PostgreSQL side (docs/contract.md §4-§6): the postmaster pid file, PG_VERSION,
//! config-file text, pg_ctl argv, the SQL text and its answers, and the connection.

pub mod conffile;
pub mod ctl;
pub mod facts;
pub mod lsn;
pub mod pgpass;
pub mod pidfile;
pub mod queries;
pub mod sql;
pub mod version;

use crate::ocf::OcfStatus;

/// Why talking to PostgreSQL failed, classified by connection state and SQLSTATE.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// Nothing listens (socket missing, connection refused).
    #[error("cannot connect to PostgreSQL at {target}: {detail}")]
    Unreachable { target: String, detail: String },
    /// The server answers but does not accept connections yet (57P03).
    #[error("PostgreSQL at {target} is not accepting connections yet: {detail}")]
    Starting { target: String, detail: String },
    /// Authentication or authorisation failed (SQLSTATE class 28).
    #[error("PostgreSQL rejected the monitor login at {target} ({sqlstate}): {detail}")]
    Auth {
        target: String,
        sqlstate: String,
        detail: String,
    },
    #[error("no answer from PostgreSQL at {target} in time")]
    Timeout { target: String },
    /// A query failed.
    #[error("query {query:?} failed ({sqlstate}): {detail}")]
    Query {
        query: String,
        sqlstate: String,
        detail: String,
    },
    #[error("PostgreSQL connection to {target} failed: {detail}")]
    Other { target: String, detail: String },
}

impl PgError {
    pub fn status(&self) -> OcfStatus {
        OcfStatus::ErrGeneric
    }

    /// Worth another try while a server is starting.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            PgError::Unreachable { .. } | PgError::Starting { .. } | PgError::Timeout { .. }
        )
    }
}
