//! PG_VERSION of the data directory: which recovery configuration form and which
//! replication features apply .
//! Contract: docs/contract.md §3, §6.

use std::fmt;
use std::path::Path;

/// A PostgreSQL major version: `15`, or `9.6` before version 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PgVersion {
    /// The first number: 15 for `15`, 9 for `9.6`.
    pub major: u32,
    /// The second number before version 10 (6 for `9.6`); 0 from version 10 on.
    pub minor: u32,
}

impl PgVersion {
    /// The version `major.minor`.
    pub const fn new(major: u32, minor: u32) -> PgVersion {
        PgVersion { major, minor }
    }

    /// `15` or `9.6` as written in PG_VERSION.
    pub fn parse(s: &str) -> Option<PgVersion> {
        let s = s.trim();
        let (maj, min) = s.split_once('.').unwrap_or((s, "0"));
        Some(PgVersion::new(maj.parse().ok()?, min.parse().ok()?))
    }

    /// Reads `<pgdata>/PG_VERSION`; `None` when it is missing or unparsable.
    pub fn read(pgdata: &Path) -> Option<PgVersion> {
        PgVersion::parse(&std::fs::read_to_string(pgdata.join("PG_VERSION")).ok()?)
    }

    /// PostgreSQL 12 moved recovery settings into postgresql.conf plus standby.signal.
    pub fn uses_standby_signal(self) -> bool {
        self >= PgVersion::new(12, 0)
    }

    /// PostgreSQL 15 removed exclusive backups, so a backup_label is never stale there.
    pub fn has_exclusive_backup(self) -> bool {
        self < PgVersion::new(15, 0)
    }
}

impl fmt::Display for PgVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.major >= 10 {
            write!(f, "{}", self.major)
        } else {
            write!(f, "{}.{}", self.major, self.minor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_order() {
        assert_eq!(PgVersion::parse("15\n"), Some(PgVersion::new(15, 0)));
        assert_eq!(PgVersion::parse("9.6"), Some(PgVersion::new(9, 6)));
        assert_eq!(PgVersion::parse("x"), None);
        assert!(PgVersion::new(9, 6) < PgVersion::new(10, 0));
        assert!(PgVersion::new(9, 1) >= PgVersion::new(9, 1));
        assert!(PgVersion::new(12, 0).uses_standby_signal());
        assert!(!PgVersion::new(11, 0).uses_standby_signal());
        assert!(!PgVersion::new(15, 0).has_exclusive_backup());
        assert_eq!(PgVersion::new(9, 4).to_string(), "9.4");
        assert_eq!(PgVersion::new(16, 0).to_string(), "16");
    }
}
