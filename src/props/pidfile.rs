//! Properties of `pg::pidfile::PidFile::parse`, the reader of postmaster.pid: it never
//! panics, returns a pid only when line 1 is a positive number, and reads back pid,
//! data directory (line 2), port (line 4) and socket directory (line 5) of a file laid out as the server writes it.
//! Contract: docs/contract.md §3.3, §4.3.

use std::path::PathBuf;

use proptest::prelude::*;

use super::{config, lossy_bytes, text, text_without, CASES};
use crate::pg::pidfile::PidFile;

/// A pid file as PostgreSQL writes it: pid, data directory, start time, port, socket
/// directory, listen address, shared memory key, status; then the expected reading.
fn pid_file() -> impl Strategy<Value = (String, PidFile)> {
    let line = || text_without(20, &['\n', '\r']);
    (
        1..=i32::MAX,
        line(),
        any::<i64>(),
        prop::option::of(any::<u16>()),
        line(),
        line(),
        prop::sample::select(vec!["ready   ", "starting", "stopping", ""]),
        prop::sample::select(vec!["", "  ", "\t"]),
        any::<bool>(),
    )
        .prop_map(
            |(pid, data, start, port, sock, listen, status, pad, crlf)| {
                let eol = if crlf { "\r\n" } else { "\n" };
                let port_line = port.map(|p| p.to_string()).unwrap_or_default();
                let text = [
                    format!("{pad}{pid}{pad}"),
                    data.clone(),
                    start.to_string(),
                    format!("{pad}{port_line}"),
                    format!("{sock}{pad}"),
                    listen,
                    "  5432001     32768".to_string(),
                    status.to_string(),
                ]
                .iter()
                .map(|l| format!("{l}{eol}"))
                .collect();
                let (sock, data_dir) = (sock.trim(), data.trim());
                let want = PidFile {
                    pid,
                    data_dir: (!data_dir.is_empty()).then(|| PathBuf::from(data_dir)),
                    port,
                    socket_dir: (!sock.is_empty()).then(|| PathBuf::from(sock)),
                };
                (text, want)
            },
        )
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn generated_pid_files_read_back((text, want) in pid_file()) {
        prop_assert_eq!(PidFile::parse(&text), Some(want));
    }

    #[test]
    fn a_pid_file_cut_after_line_one_has_no_port(pid in 1..=i32::MAX, cut in 1usize..4) {
        let text: String = [pid.to_string(), "/d".into(), "1".into(), "5432".into()][..cut]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect();
        prop_assert_eq!(PidFile::parse(&text), Some(PidFile {
            pid,
            data_dir: (cut > 1).then(|| PathBuf::from("/d")),
            port: None,
            socket_dir: None,
        }));
    }

    #[test]
    fn no_positive_pid_no_reading(pid in i32::MIN..=0, rest in text(40)) {
        prop_assert_eq!(PidFile::parse(&format!("{pid}\n{rest}")), None);
    }

    #[test]
    fn arbitrary_text_never_panics(t in text(80), b in lossy_bytes(80)) {
        for input in [&t, &b] {
            if let Some(pf) = PidFile::parse(input) {
                prop_assert!(pf.pid > 0);
                prop_assert_eq!(input.lines().next().map(|l| l.trim().parse::<i32>().ok()), Some(Some(pf.pid)));
            }
        }
    }
}
