//! The SQL the replication actions run, each a named constant saying what it checks, and
//! small typed wrappers over one connection.

use tokio::time::Instant;
use tokio_postgres::Client;

use super::sql::rows;
use super::version::PgVersion;
use super::PgError;
use crate::replication::control::Row;
use crate::replication::lsn::Lsn;

/// Is the server a standby (`t`) or a primary (`f`)?
pub const IS_IN_RECOVERY: &str = "select pg_is_in_recovery()";
/// Every connected standby with its state and sync state, upper-cased as the attributes show them.
pub const REPLICATION_STATE: &str =
    "select application_name, upper(state), upper(sync_state) from pg_stat_replication";
/// A standby's replayed and received WAL positions (PostgreSQL 10+ names).
pub const LOCATIONS: &str = "select pg_last_wal_replay_lsn(), pg_last_wal_receive_lsn()";
/// The same before PostgreSQL 10.
pub const LOCATIONS_9: &str =
    "select pg_last_xlog_replay_location(), pg_last_xlog_receive_location()";
/// A primary's current WAL position (when asked for a baseline outside recovery).
pub const CURRENT_LOCATION: &str = "select pg_current_wal_lsn()";
pub const CURRENT_LOCATION_9: &str = "select pg_current_xlog_location()";
/// What the server uses as synchronous_standby_names now.
pub const SYNC_STANDBY_NAMES: &str = "show synchronous_standby_names";
/// Re-read the configuration files (rep_mode.conf).
pub const RELOAD: &str = "select pg_reload_conf()";
/// Is a WAL receiver running (a standby connected to its primary)?
pub const WAL_RECEIVER: &str = "select count(*) from pg_stat_wal_receiver";

async fn value(client: &Client, sql: &str, deadline: Instant) -> Result<Option<String>, PgError> {
    Ok(rows(client, sql, deadline)
        .await?
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten()))
}

fn unexpected(sql: &str, got: Option<String>) -> PgError {
    PgError::Query {
        query: sql.to_string(),
        sqlstate: "-".into(),
        detail: format!("unexpected answer {got:?}"),
    }
}

/// True on a standby, false on a primary.
pub async fn in_recovery(client: &Client, deadline: Instant) -> Result<bool, PgError> {
    match value(client, IS_IN_RECOVERY, deadline).await? {
        Some(v) if v == "t" => Ok(true),
        Some(v) if v == "f" => Ok(false),
        other => Err(unexpected(IS_IN_RECOVERY, other)),
    }
}

pub async fn replication_rows(client: &Client, deadline: Instant) -> Result<Vec<Row>, PgError> {
    Ok(rows(client, REPLICATION_STATE, deadline)
        .await?
        .into_iter()
        .map(|r| {
            let col = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            Row::new(&col(0), &col(1), &col(2))
        })
        .collect())
}

/// This server's WAL position: the newer of replay and receive on a standby, the current
/// position on a primary.
pub async fn my_location(
    client: &Client,
    version: Option<PgVersion>,
    deadline: Instant,
) -> Result<Lsn, PgError> {
    let old = version.is_some_and(|v| v < PgVersion::new(10, 0));
    let sql = if old { LOCATIONS_9 } else { LOCATIONS };
    let r = rows(client, sql, deadline).await?;
    let col = |i: usize| {
        r.first()
            .and_then(|r| r.get(i).cloned().flatten())
            .and_then(|s| Lsn::parse(&s))
    };
    if let Some(l) = Lsn::newer(col(0), col(1)) {
        return Ok(l);
    }
    let sql = if old {
        CURRENT_LOCATION_9
    } else {
        CURRENT_LOCATION
    };
    let v = value(client, sql, deadline).await?;
    v.as_deref()
        .and_then(Lsn::parse)
        .ok_or_else(|| unexpected(sql, v))
}

pub async fn sync_standby_names(client: &Client, deadline: Instant) -> Result<String, PgError> {
    Ok(value(client, SYNC_STANDBY_NAMES, deadline)
        .await?
        .unwrap_or_default())
}

pub async fn reload(client: &Client, deadline: Instant) -> Result<(), PgError> {
    value(client, RELOAD, deadline).await.map(drop)
}

pub async fn wal_receiver_running(client: &Client, deadline: Instant) -> Result<bool, PgError> {
    Ok(value(client, WAL_RECEIVER, deadline)
        .await?
        .is_some_and(|v| v != "0"))
}

/// Drops `name` when it exists, then creates it afresh (a promoted primary's slots).
pub async fn recreate_slot(client: &Client, name: &str, deadline: Instant) -> Result<(), PgError> {
    // names are validated to [a-z0-9_] (config.rs), so they are safe as literals
    let exists = value(
        client,
        &format!("select count(*) from pg_replication_slots where slot_name = '{name}'"),
        deadline,
    )
    .await?;
    if exists.as_deref() != Some("0") {
        rows(
            client,
            &format!("select pg_drop_replication_slot('{name}')"),
            deadline,
        )
        .await?;
    }
    rows(
        client,
        &format!("select pg_create_physical_replication_slot('{name}')"),
        deadline,
    )
    .await?;
    Ok(())
}
