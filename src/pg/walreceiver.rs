//! Is a WAL receiver running (docs/contract.md §5.5)? A child of the postmaster whose
//! process title names it, the way every PostgreSQL version shows it (`wal receiver
//! process` before 10, `walreceiver` since), read from /proc without a child process: the
//! method for servers without `pg_stat_wal_receiver` (before 9.6), and for rep_mode none
//! and slave, whose monitor asks the server nothing but monitor_sql.

use std::fs;

/// Does `title` (a process's command line) name a WAL receiver?
pub fn is_receiver_title(title: &str) -> bool {
    let t = title.to_ascii_lowercase();
    // "postgres: walreceiver ...", "postgres: wal receiver process ...", and with a
    // cluster_name "postgres: main: walreceiver ..."
    t.starts_with("postgres:") && (t.contains("walreceiver") || t.contains("wal receiver"))
}

/// The parent pid in the text of `/proc/<pid>/stat` (after the parenthesised name, which
/// may contain spaces and parentheses).
pub fn parent_of(stat: &str) -> Option<i32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Is a child of `postmaster` a WAL receiver?
pub fn receiver_child(postmaster: i32) -> bool {
    let Ok(dir) = fs::read_dir("/proc") else {
        return false;
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| parent_of(&s))
                == Some(postmaster)
        })
        .any(|pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .map(|b| is_receiver_title(&String::from_utf8_lossy(&b).replace('\0', " ")))
                .unwrap_or(false)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn titles_of_every_version() {
        for t in [
            "postgres: walreceiver   streaming 0/3000148",
            "postgres: wal receiver process   streaming 0/3000148",
            "postgres: main: walreceiver ",
            "postgres: walreceiver",
        ] {
            assert!(is_receiver_title(t), "{t}");
        }
        for t in [
            "postgres: walsender postgres 10.0.0.2(5432) streaming 0/3",
            "postgres: startup recovering 000000010000000000000003",
            "/usr/bin/walreceiver",
            "",
        ] {
            assert!(!is_receiver_title(t), "{t}");
        }
    }

    #[test]
    fn parent_from_stat() {
        assert_eq!(parent_of("42 (postgres) S 7 42 42 0"), Some(7));
        assert_eq!(parent_of("42 (a) b) (c) S 9 42"), Some(9));
        assert_eq!(parent_of("garbage"), None);
    }

    #[test]
    fn finds_a_receiver_among_the_children() {
        // a child of this test process titled like a WAL receiver (bash's exec -a)
        let mut child = Command::new("bash")
            .args([
                "-c",
                "exec -a 'postgres: walreceiver   streaming 0/1' sleep 30",
            ])
            .spawn()
            .expect("bash");
        let me = std::process::id() as i32;
        let mut found = false;
        for _ in 0..100 {
            if receiver_child(me) {
                found = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(found, "the titled child of pid {me} was not found");
        assert!(!receiver_child(child.id() as i32));
    }
}
