//! What one round trip tells about a running server (docs/contract.md §5.3, §5.4, §5.10):
//! recovery state, WAL positions, the WAL receiver (and whether it streams, for the promote
//! guard of §5.9), synchronous_standby_names and the rows of pg_stat_replication, asked as
//! one multi-statement query and parsed here.

use super::lsn::Lsn;
use super::version::PgVersion;
use super::PgError;

/// One row of `select application_name, upper(state), upper(sync_state) from pg_stat_replication`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationRow {
    /// The standby's application_name, lowercased (the node name).
    pub app: String,
    /// `STREAMING`, `CATCHUP`, ...
    pub state: String,
    /// `SYNC`, `ASYNC`, `POTENTIAL`, `QUORUM`.
    pub sync: String,
}

impl ReplicationRow {
    /// A row with the case rules applied.
    pub fn new(app: &str, state: &str, sync: &str) -> ReplicationRow {
        ReplicationRow {
            app: app.to_lowercase(),
            state: state.to_uppercase(),
            sync: sync.to_uppercase(),
        }
    }
}

/// The running server as one round trip shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerFacts {
    /// `pg_is_in_recovery()`: a standby.
    pub in_recovery: bool,
    /// The newer of replay and receive position on a standby, the current one on a primary.
    pub location: Option<Lsn>,
    /// A WAL receiver runs (`pg_stat_wal_receiver` has a row).
    pub wal_receiver: bool,
    /// The WAL receiver's status is `streaming` (9.6 and later; false before, where the
    /// view does not exist): promote probes the upstream then (docs/contract.md §5.9).
    pub receiver_streaming: bool,
    /// The streaming WAL receiver's identity, `<pid>@<backend_start as epoch>` (10 and
    /// later): one value per replication connection, so an unchanged value means the same
    /// connection has streamed all along (docs/contract.md §5.10.1).
    pub receiver: Option<String>,
    /// `synchronous_standby_names` as the server uses it now.
    pub sync_standby_names: String,
    /// pg_stat_replication.
    pub replication: Vec<ReplicationRow>,
}

/// Does this server have `pg_stat_wal_receiver` (9.6 and later; unknown counts as yes)?
pub fn has_receiver_view(version: Option<PgVersion>) -> bool {
    version.is_none_or(|v| v >= PgVersion::new(9, 6))
}

/// The facts query for `version` (9.x function names before 10; no pg_stat_wal_receiver
/// before 9.6, so neither a receiver row nor a streaming one). Two statements, one round
/// trip.
pub fn facts_sql(version: Option<PgVersion>) -> String {
    let v = version.unwrap_or(PgVersion::new(12, 0));
    let (replay, receive, current) = if v < PgVersion::new(10, 0) {
        (
            "pg_last_xlog_replay_location()",
            "pg_last_xlog_receive_location()",
            "pg_current_xlog_location()",
        )
    } else {
        (
            "pg_last_wal_replay_lsn()",
            "pg_last_wal_receive_lsn()",
            "pg_current_wal_lsn()",
        )
    };
    let (receiver, streaming, identity) = if !has_receiver_view(version) {
        ("0", "false", "null::text")
    } else {
        (
            // the functions behind pg_stat_wal_receiver and pg_stat_activity: a new
            // backend answers them without loading the views' rewrite rules
            "(select count(*) from pg_stat_get_wal_receiver() r where r.pid is not null)",
            "exists (select 1 from pg_stat_get_wal_receiver() r where r.status = 'streaming')",
            // pg_stat_get_activity lists the WAL receiver from 10 on: null before
            "(select r.pid::text || '@' || extract(epoch from a.backend_start)::text \
             from pg_stat_get_wal_receiver() r, pg_stat_get_activity(r.pid) a \
             where r.status = 'streaming')",
        )
    };
    format!(
        "select pg_is_in_recovery(), {replay}, {receive}, \
         case when pg_is_in_recovery() then null else {current} end, {receiver}, \
         current_setting('synchronous_standby_names'), {streaming}, {identity}; \
         {}",
        super::queries::REPLICATION_STATE
    )
}

fn unexpected(detail: String) -> PgError {
    PgError::Query {
        query: "facts".into(),
        sqlstate: "-".into(),
        detail,
    }
}

/// Parses the answer to [`facts_sql`].
pub fn parse_facts(sets: &[Vec<Vec<Option<String>>>]) -> Result<ServerFacts, PgError> {
    let first = sets
        .first()
        .and_then(|s| s.first())
        .ok_or_else(|| unexpected(format!("no row in {sets:?}")))?;
    let col = |i: usize| first.get(i).cloned().flatten();
    let in_recovery = match col(0).as_deref() {
        Some("t") => true,
        Some("f") => false,
        other => return Err(unexpected(format!("pg_is_in_recovery() said {other:?}"))),
    };
    let lsn = |i: usize| col(i).as_deref().and_then(Lsn::parse);
    // after a promotion pg_last_wal_replay_lsn() and pg_last_wal_receive_lsn() keep the
    // positions of the recovery that ended: a primary's position is only the current one
    let location = if in_recovery {
        Lsn::newer(lsn(1), lsn(2))
    } else {
        lsn(3)
    };
    let replication = sets.get(1).map(|r| parse_facts_rows(r)).unwrap_or_default();
    Ok(ServerFacts {
        in_recovery,
        location,
        wal_receiver: col(4).is_some_and(|v| v != "0"),
        sync_standby_names: col(5).unwrap_or_default(),
        receiver_streaming: col(6).as_deref() == Some("t"),
        receiver: col(7).filter(|v| !v.is_empty()),
        replication,
    })
}

/// Parses the rows of pg_stat_replication alone (the 2-second re-control).
pub fn parse_replication(sets: &[Vec<Vec<Option<String>>>]) -> Vec<ReplicationRow> {
    parse_facts_rows(sets.first().map(Vec::as_slice).unwrap_or_default())
}

fn parse_facts_rows(rows: &[Vec<Option<String>>]) -> Vec<ReplicationRow> {
    rows.iter()
        .map(|r| {
            let c = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            ReplicationRow::new(&c(0), &c(1), &c(2))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn facts_of_a_primary_and_a_standby() {
        let primary = vec![
            vec![vec![
                s("f"),
                None,
                None,
                s("0/5000060"),
                s("0"),
                s("\"node2\""),
                s("f"),
            ]],
            vec![vec![s("Node2"), s("STREAMING"), s("SYNC")]],
        ];
        let f = parse_facts(&primary).unwrap();
        assert!(!f.in_recovery && !f.receiver_streaming);
        assert_eq!(f.location.unwrap().to_string(), "0000000005000060");
        assert_eq!(f.sync_standby_names, "\"node2\"");
        assert_eq!(
            f.replication,
            vec![ReplicationRow::new("node2", "streaming", "sync")]
        );
        let standby = vec![
            vec![vec![
                s("t"),
                s("0/10"),
                s("0/20"),
                None,
                s("1"),
                s(""),
                s("t"),
            ]],
            vec![],
        ];
        let f = parse_facts(&standby).unwrap();
        assert!(f.in_recovery && f.wal_receiver && f.receiver_streaming);
        assert_eq!(f.location.unwrap().to_string(), "0000000000000020");
        // a promoted standby still answers the replay/receive positions of its recovery
        let mut promoted = primary.clone();
        promoted[0][0][1] = s("0/3000000");
        promoted[0][0][2] = s("0/30000A0");
        let f = parse_facts(&promoted).unwrap();
        assert_eq!(f.location.unwrap().to_string(), "0000000005000060");
        assert!(parse_facts(&[]).is_err());
        assert!(parse_facts(&[vec![vec![s("x")]]]).is_err());
    }

    #[test]
    fn facts_sql_by_version() {
        assert!(facts_sql(Some(PgVersion::new(9, 5))).contains("pg_last_xlog_replay_location"));
        assert!(!facts_sql(Some(PgVersion::new(9, 5))).contains("pg_stat_wal_receiver"));
        assert!(facts_sql(Some(PgVersion::new(9, 6))).contains("status = 'streaming'"));
        assert!(facts_sql(Some(PgVersion::new(15, 0))).contains("pg_last_wal_receive_lsn"));
        assert_eq!(
            parse_replication(&[vec![vec![s("n2"), s("STREAMING"), s("ASYNC")]]]),
            vec![ReplicationRow::new("n2", "streaming", "async")]
        );
    }
}
