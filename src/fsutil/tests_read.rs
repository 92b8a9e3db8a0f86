//! Tests of the bounded, non-blocking reads (docs/contract.md §8 Files): FIFOs, links to
//! /dev/zero, oversized files and long logs planted where the PostgreSQL owner could
//! plant them (directories from `fsutil::tests`).

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::stat::Mode;

use super::tests::TestDir;
use super::*;

#[test]
fn reads_never_block_follow_or_grow_without_bound() {
    let t = TestDir::new("read");
    let fifo = t.join("postmaster.pid");
    nix::unistd::mkfifo(&fifo, Mode::from_bits_truncate(0o600)).unwrap();
    let t0 = Instant::now();
    let e = read_small(&fifo, 100).unwrap_err();
    assert_eq!(e.to_string(), "is not a regular file (it is a FIFO)");
    let e = read_trusted(&fifo, 100).unwrap_err();
    assert_eq!(e.to_string(), "is not a regular file (it is a FIFO)");
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "a FIFO blocked the read"
    );
    let zero = t.join("PG_VERSION");
    symlink("/dev/zero", &zero).unwrap();
    assert_eq!(
        read_small(&zero, 64).unwrap_err().to_string(),
        "is a symlink"
    );
    let e = read_small(Path::new("/dev/zero"), 64).unwrap_err();
    assert_eq!(
        e.to_string(),
        "is not a regular file (it is a character device)"
    );
    // a trusted link (the agent's own) to /dev/zero: followed, then refused
    let e = read_trusted(&zero, 64).unwrap_err();
    assert_eq!(
        e.to_string(),
        "is not a regular file (it is a character device)"
    );
    let big = t.join("xlog_note.0");
    fs::write(&big, vec![b'x'; 65]).unwrap();
    assert_eq!(
        read_small(&big, 64).unwrap_err().to_string(),
        "is larger than 64 bytes"
    );
    fs::write(&big, "n1 0000000001000000\n").unwrap();
    assert_eq!(read_small(&big, 64).unwrap(), "n1 0000000001000000\n");
    assert_eq!(
        read_small(&t.0, 64).unwrap_err().to_string(),
        "is not a regular file (it is a directory)"
    );
    let e = read_small(&t.join("missing"), 64).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn the_tail_of_a_long_log_starts_at_a_line() {
    let t = TestDir::new("tail");
    let log = t.join("postgres.log");
    let mut text = "x".repeat(1000);
    text.push_str("\nLOG:  one\nFATAL:  two\n");
    fs::write(&log, &text).unwrap();
    assert_eq!(read_tail(&log, 30).unwrap(), "LOG:  one\nFATAL:  two\n");
    assert_eq!(read_tail(&log, 1 << 20).unwrap(), text);
    let fifo = t.join("fifo.log");
    nix::unistd::mkfifo(&fifo, Mode::from_bits_truncate(0o600)).unwrap();
    assert!(read_tail(&fifo, 30).is_err());
}
