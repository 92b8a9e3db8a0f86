//! The pgdba user's ~/.pgpass (docs/contract.md §4.3, §8 SQL connections and Files), read
//! the way libpq reads it, for monitor logins when monitor_password is empty
//! (tokio-postgres does not read the file itself). Root reads it as pgdba's file: never
//! through a symlink, never blocking, within a size limit.

use std::path::Path;

use crate::fsutil;

/// The largest .pgpass the agent reads.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// The text of `<home>/.pgpass`, `None` when there is none. It is read with
/// `fsutil::read_small`: a symlink, FIFO, device or a file larger than [`MAX_BYTES`] is
/// ignored with a warning (root must not follow what pgdba planted in its home).
pub fn read(home: &Path) -> Option<String> {
    let path = home.join(".pgpass");
    match fsutil::read_small(&path, MAX_BYTES) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            tracing::warn!("ignoring {}: {e}", path.display());
            None
        }
    }
}

/// Matches one field of a line against `key` as libpq does: `*:` matches anything;
/// otherwise the field (a backslash makes the next character literal) must equal `key`
/// and end at an unescaped `:`. Returns the rest of the line after that `:`.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    if let Some(rest) = line.strip_prefix("*:") {
        return Some(rest);
    }
    let mut want = key.chars().peekable();
    let mut it = line.char_indices();
    while let Some((i, c)) = it.next() {
        let (c, escaped) = if c == '\\' {
            match it.next() {
                Some((_, n)) => (n, true),
                None => return None,
            }
        } else {
            (c, false)
        };
        // an unescaped ':' ends the field once the key is used up; before that it is
        // compared like any other character (libpq does the same)
        if c == ':' && !escaped && want.peek().is_none() {
            return Some(&line[i + 1..]);
        }
        if want.next() != Some(c) {
            return None;
        }
    }
    None
}

/// The password for (host, port, database, user) from the file's text, as libpq's
/// `passwordFromFile` finds it: lines starting with `#` are comments, every trailing CR
/// and LF is stripped, the first line whose four fields match wins (`*` matches
/// anything, `\` escapes), and the password runs to the first unescaped `:`.
pub fn lookup(text: &str, host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let port = port.to_string();
    'lines: for raw in text.split_inclusive('\n') {
        if raw.starts_with('#') {
            continue;
        }
        let mut rest = raw.trim_end_matches(['\r', '\n']);
        if rest.is_empty() {
            continue;
        }
        for key in [host, port.as_str(), db, user] {
            match field(rest, key) {
                Some(r) => rest = r,
                None => continue 'lines,
            }
        }
        let mut pw = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                ':' => break,
                '\\' if chars.peek().is_some() => pw.extend(chars.next()),
                c => pw.push(c),
            }
        }
        return Some(pw);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_table() {
        let text = "# comment\nlocalhost:5432:template1:mon:s3cret\n*:5433:*:mon:other\\:pw\n/run/pg:*:*:*:sock\n";
        assert_eq!(
            lookup(text, "localhost", 5432, "template1", "mon").as_deref(),
            Some("s3cret")
        );
        assert_eq!(
            lookup(text, "localhost", 5433, "x", "mon").as_deref(),
            Some("other:pw")
        );
        assert_eq!(
            lookup(text, "/run/pg", 1, "d", "u").as_deref(),
            Some("sock")
        );
        assert_eq!(
            lookup(text, "localhost", 5432, "template1", "postgres"),
            None
        );
        assert_eq!(lookup("a:b:c\n", "a", 1, "c", "d"), None);
        // a ':' in a key is matched by a ':' in the line, as libpq does
        assert_eq!(lookup("::1:::\n", ":", 1, "", "").as_deref(), Some(""));
    }

    #[test]
    fn read_refuses_symlinks_and_fifos() {
        let home = std::env::temp_dir().join(format!("pgsql-ra-pgpass-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap();
        let file = home.join(".pgpass");
        assert_eq!(read(&home), None, "missing");
        std::fs::write(&file, "*:*:*:mon:pw\n").unwrap();
        assert_eq!(read(&home).as_deref(), Some("*:*:*:mon:pw\n"));
        let real = home.join("real");
        std::fs::rename(&file, &real).unwrap();
        std::os::unix::fs::symlink(&real, &file).unwrap();
        assert_eq!(read(&home), None, "a symlink is not followed");
        std::fs::remove_file(&file).unwrap();
        nix::unistd::mkfifo(&file, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let t0 = std::time::Instant::now();
        assert_eq!(read(&home), None, "a FIFO is not read");
        assert!(t0.elapsed() < std::time::Duration::from_secs(2));
        std::fs::remove_dir_all(&home).unwrap();
    }
}
