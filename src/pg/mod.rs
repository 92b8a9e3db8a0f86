//! The PostgreSQL side (docs/contract.md §4-§6): the postmaster pid file, PG_VERSION,
//! config-file text, pg_ctl argv, the SQL text and its answers, and the connection.

pub mod conffile;
pub mod conftree;
pub mod controldata;
pub mod ctl;
pub mod facts;
pub mod lockfile;
pub mod lsn;
pub mod pgpass;
pub mod pidfile;
pub mod queries;
pub mod sql;
pub mod sqlstate;
pub mod version;
pub mod waldump;
pub mod walreceiver;

use crate::ocf::OcfStatus;

/// Why talking to PostgreSQL failed, classified by connection state and SQLSTATE.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// Nothing listens (socket missing, connection refused).
    #[error("cannot connect to PostgreSQL at {target}: {detail}")]
    Unreachable {
        /// Where the agent tried to connect: socket path or `host:port`.
        target: String,
        /// What went wrong, as the server, the client library or the OS reported it.
        detail: String,
    },
    /// The server answers but does not accept connections yet (57P03).
    #[error("PostgreSQL at {target} is not accepting connections yet: {detail}")]
    Starting {
        /// Where the agent tried to connect: socket path or `host:port`.
        target: String,
        /// What went wrong, as the server, the client library or the OS reported it.
        detail: String,
    },
    /// Authentication or authorisation failed (SQLSTATE class 28).
    #[error("PostgreSQL rejected the login at {target} ({sqlstate}): {detail}")]
    Auth {
        /// Where the agent tried to connect: socket path or `host:port`.
        target: String,
        /// The five-character SQLSTATE code.
        sqlstate: String,
        /// What went wrong, as the server, the client library or the OS reported it.
        detail: String,
    },
    /// The deadline passed while connecting or waiting for an answer.
    #[error("no answer from PostgreSQL at {target} in time")]
    Timeout {
        /// The connection target, or `query "<text>"` when a query timed out.
        target: String,
    },
    /// A query failed.
    #[error("query {query:?} failed ({sqlstate}): {detail}")]
    Query {
        /// The SQL text sent.
        query: String,
        /// The five-character SQLSTATE code, or `-` when there is none.
        sqlstate: String,
        /// What went wrong, as the server, the client library or the OS reported it.
        detail: String,
    },
    /// Any other connection failure, or no connection settings at all.
    #[error("PostgreSQL connection to {target} failed: {detail}")]
    Other {
        /// Where the agent tried to connect, or `-` when it had nowhere to connect.
        target: String,
        /// What went wrong, as the server, the client library or the OS reported it.
        detail: String,
    },
}

impl PgError {
    /// The OCF code this failure maps to: always a generic error.
    pub fn status(&self) -> OcfStatus {
        OcfStatus::ErrGeneric
    }

    /// The SQLSTATE of a failed query or login, when the server sent one.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            PgError::Auth { sqlstate, .. } | PgError::Query { sqlstate, .. } if sqlstate != "-" => {
                Some(sqlstate)
            }
            _ => None,
        }
    }

    /// Worth another try while a server is starting.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            PgError::Unreachable { .. } | PgError::Starting { .. } | PgError::Timeout { .. }
        )
    }
}
