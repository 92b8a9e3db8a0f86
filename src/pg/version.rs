//! PG_VERSION of the data directory (docs/contract.md §3, §6; read as a file of pgdba's
//! per §8 Files): which recovery configuration form and which replication features apply.

use std::fmt;
use std::io;
use std::path::Path;

use crate::fsutil;

/// The largest PG_VERSION the agent reads (the server writes `15` and a line break).
pub const MAX_BYTES: u64 = 64;

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

    /// Reads `<pgdata>/PG_VERSION`; `None` when it is missing, unreadable or unparsable.
    /// A PG_VERSION that is refused (see [`PgVersion::try_read`]) is logged as a warning.
    pub fn read(pgdata: &Path) -> Option<PgVersion> {
        PgVersion::try_read(pgdata).unwrap_or_else(|e| {
            tracing::warn!("{e}");
            None
        })
    }

    /// Reads `<pgdata>/PG_VERSION` as a file of pgdba's (`fsutil::read_small`): `Ok(None)`
    /// when it is missing or unparsable; an error naming the file when it is a symlink,
    /// not a regular file, larger than [`MAX_BYTES`] or unreadable.
    pub fn try_read(pgdata: &Path) -> io::Result<Option<PgVersion>> {
        let path = pgdata.join("PG_VERSION");
        match fsutil::read_small(&path, MAX_BYTES) {
            Ok(text) => Ok(PgVersion::parse(&text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io::Error::new(
                e.kind(),
                format!("cannot read {}: {e}", path.display()),
            )),
        }
    }

    /// PostgreSQL 12 moved recovery settings into postgresql.conf plus standby.signal.
    pub fn uses_standby_signal(self) -> bool {
        self >= PgVersion::new(12, 0)
    }

    /// PostgreSQL 15 removed exclusive backups, so a backup_label is never stale there.
    pub fn has_exclusive_backup(self) -> bool {
        self < PgVersion::new(15, 0)
    }

    /// PostgreSQL 15 removed stats_temp_directory (statistics live in shared memory).
    pub fn has_stats_temp_directory(self) -> bool {
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
        assert!(PgVersion::new(14, 0).has_stats_temp_directory());
        assert!(!PgVersion::new(15, 0).has_stats_temp_directory());
        assert_eq!(PgVersion::new(9, 4).to_string(), "9.4");
        assert_eq!(PgVersion::new(16, 0).to_string(), "16");
    }

    #[test]
    fn read_refuses_what_is_not_a_small_regular_file() {
        let d = std::env::temp_dir().join(format!("pgsql-ra-version-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        assert_eq!(PgVersion::try_read(&d).unwrap(), None, "missing");
        std::fs::write(d.join("PG_VERSION"), "15\n").unwrap();
        assert_eq!(PgVersion::read(&d), Some(PgVersion::new(15, 0)));
        std::fs::remove_file(d.join("PG_VERSION")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", d.join("PG_VERSION")).unwrap();
        let e = PgVersion::try_read(&d).unwrap_err().to_string();
        assert!(e.contains("PG_VERSION: is a symlink"), "{e}");
        assert_eq!(PgVersion::read(&d), None);
        std::fs::remove_file(d.join("PG_VERSION")).unwrap();
        std::fs::write(d.join("PG_VERSION"), "1".repeat(100)).unwrap();
        let e = PgVersion::try_read(&d).unwrap_err().to_string();
        assert!(e.contains("is larger than 64 bytes"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
