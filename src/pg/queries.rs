//! The SQL the agent runs besides the facts query (docs/contract.md §5), each a named
//! constant or builder saying what it does. Pure text: the round trips happen through
//! `world::World::query`.

/// Is the server a standby (`t`) or a primary (`f`)?
pub const IS_IN_RECOVERY: &str = "select pg_is_in_recovery()";
/// Every connected standby with its state and sync state, upper-cased as the attributes show them.
/// (pg_stat_replication's columns, from the functions behind the view: cheaper for a new
/// backend.)
pub const REPLICATION_STATE: &str = "select a.application_name, upper(w.state), \
     upper(w.sync_state) from pg_stat_get_wal_senders() w \
     join pg_stat_get_activity(null) a on a.pid = w.pid";
/// What the server uses as synchronous_standby_names now (checked after start).
pub const SYNC_STANDBY_NAMES: &str = "show synchronous_standby_names";
/// Re-read the configuration files (rep_mode.conf).
pub const RELOAD: &str = "select pg_reload_conf()";

/// `pgsql show` on a primary (PostgreSQL 10+): each standby's replay position, its distance
/// in bytes from the current position, and replay_lag in seconds (NULL when idle).
pub const SHOW_STANDBY_LAG: &str = "select lower(application_name), replay_lsn::text, \
     pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint::text, \
     extract(epoch from replay_lag)::float8::text from pg_stat_replication";
/// `pgsql show` on a standby (PostgreSQL 10+): bytes between the end of WAL the primary last
/// reported to the WAL receiver and the replay position, and the seconds since the last
/// replayed transaction.
pub const SHOW_OWN_LAG: &str = "select pg_wal_lsn_diff(latest_end_lsn, pg_last_wal_replay_lsn())::bigint::text, \
     extract(epoch from now() - pg_last_xact_replay_timestamp())::float8::text from pg_stat_wal_receiver";

/// Quotes `s` as an SQL string literal (`'` doubled).
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Drops the physical replication slot `name` when it exists, then creates it afresh (a
/// promoted primary's slots), in one round trip.
pub fn recreate_slot(name: &str) -> String {
    let l = literal(name);
    format!(
        "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = {l}; \
         select pg_create_physical_replication_slot({l})"
    )
}

/// Drops the slots `names` that exist, naming each dropped one.
pub fn drop_slots(names: &[String]) -> String {
    let list: Vec<String> = names.iter().map(|n| literal(n)).collect();
    format!(
        "select slot_name, pg_drop_replication_slot(slot_name) from pg_replication_slots \
         where slot_name in ({})",
        list.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_sql_quotes_the_name() {
        assert_eq!(literal("a'b"), "'a''b'");
        let q = recreate_slot("pgsql_node2");
        assert!(q.contains("where slot_name = 'pgsql_node2';"), "{q}");
        assert!(q.ends_with("pg_create_physical_replication_slot('pgsql_node2')"));
        let q = drop_slots(&["a".into(), "b'c".into()]);
        assert!(q.ends_with("where slot_name in ('a', 'b''c')"), "{q}");
    }
}
