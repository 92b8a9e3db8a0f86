//! Text of the files the agent writes into PostgreSQL's configuration:
//! the recovery configuration, rep_mode.conf and `include ... # added by pgsql RA` lines,
//! with every value escaped for PostgreSQL's config syntax; and reading one setting back.
//! Contract: docs/contract.md §6.

use std::path::Path;

use super::version::PgVersion;

/// Marker that identifies the lines this agent adds to postgresql.conf.
pub const INCLUDE_MARK: &str = "# added by pgsql RA";

/// A string literal in postgresql.conf syntax: single quotes, `'` doubled, backslash
/// escaped, line breaks written as escapes (a config line cannot span lines).
pub fn quote_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// One value in a libpq connection string: quoted when it is empty or holds blanks,
/// quotes or backslashes.
pub fn conninfo_value(s: &str) -> String {
    if !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c == '\'' || c == '\\')
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The include line for `file` as the agent writes it.
pub fn include_line(file: &Path) -> String {
    format!(
        "include {} {INCLUDE_MARK}",
        quote_value(&file.to_string_lossy())
    )
}

/// `text` with the include line for `file` appended, or `None` when it is there already.
pub fn with_include(text: &str, file: &Path) -> Option<String> {
    let line = include_line(file);
    if text.lines().any(|l| l.trim_end() == line) {
        return None;
    }
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&line);
    out.push('\n');
    Some(out)
}

/// `text` without the include line for `file`, or `None` when it was not there.
pub fn without_include(text: &str, file: &Path) -> Option<String> {
    let line = include_line(file);
    if !text.lines().any(|l| l.trim_end() == line) {
        return None;
    }
    // every other line stays as it was, line ending included (CRLF stays CRLF)
    let out: String = text
        .split_inclusive('\n')
        .filter(|l| l.trim_end() != line)
        .collect();
    Some(out)
}

/// The value of the last active `name = value` line in `text` (PostgreSQL's rule: the
/// last one wins), unquoted; `None` when the setting is absent or commented out.
pub fn setting(text: &str, name: &str) -> Option<String> {
    let mut found = None;
    for line in text.lines() {
        let l = line.trim_start();
        if !l
            .get(..name.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(name))
        {
            continue;
        }
        let after = &l[name.len()..];
        if !after.starts_with([' ', '\t', '=']) {
            continue;
        }
        let v = after
            .trim_start()
            .strip_prefix('=')
            .unwrap_or(after)
            .trim_start();
        found = Some(parse_value(v));
    }
    found
}

/// A config value up to its comment: quoted (with `''` and backslash escapes) or bare.
pub fn parse_value(v: &str) -> String {
    let mut chars = v.chars();
    if v.starts_with('\'') {
        chars.next();
        let mut out = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    if chars.clone().next() == Some('\'') {
                        chars.next();
                        out.push('\'');
                    } else {
                        break;
                    }
                }
                // the escapes of PostgreSQL's GUC_scanstr
                '\\' => match chars.next() {
                    Some('b') => out.push('\u{8}'),
                    Some('f') => out.push('\u{c}'),
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some('t') => out.push('\t'),
                    Some(d @ '0'..='7') => {
                        let mut n = d.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            match chars.clone().next().and_then(|c| c.to_digit(8)) {
                                Some(x) => {
                                    n = n * 8 + x;
                                    chars.next();
                                }
                                None => break,
                            }
                        }
                        // one byte, as PostgreSQL keeps it
                        out.push(char::from(u8::try_from(n & 0xff).unwrap_or(0)));
                    }
                    Some(c) => out.push(c),
                    None => break,
                },
                c => out.push(c),
            }
        }
        out
    } else {
        v.split(['#', ' ', '\t']).next().unwrap_or("").to_string()
    }
}

/// What a standby's recovery configuration says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Host the standby streams from (`host` in primary_conninfo).
    pub master_ip: String,
    /// Port of the primary (`port` in primary_conninfo).
    pub port: u16,
    /// User the standby connects as (`user` in primary_conninfo).
    pub repuser: String,
    /// Name the standby reports to the primary: this node's name.
    pub application_name: String,
    /// Extra libpq options appended to primary_conninfo as given.
    pub conninfo_opt: String,
    /// restore_command; left out of the file when empty.
    pub restore_command: String,
    /// archive_cleanup_command; left out of the file when empty.
    pub archive_cleanup_command: String,
    /// recovery_end_command; left out of the file when empty.
    pub recovery_end_command: String,
    /// primary_slot_name; `None` when replication slots are not used.
    pub slot_name: Option<String>,
}

impl Recovery {
    /// The primary_conninfo value: host, port, user and application_name, quoted where
    /// needed, then the extra options.
    pub fn primary_conninfo(&self) -> String {
        let mut s = format!(
            "host={} port={} user={} application_name={}",
            conninfo_value(&self.master_ip),
            self.port,
            conninfo_value(&self.repuser),
            conninfo_value(&self.application_name)
        );
        if !self.conninfo_opt.trim().is_empty() {
            s.push(' ');
            s.push_str(self.conninfo_opt.trim());
        }
        s
    }

    /// The file text; PostgreSQL < 12 also needs `standby_mode = 'on'`.
    pub fn render(&self, version: PgVersion) -> String {
        let mut out =
            String::from("# written by the pgsql resource agent; rewritten at every start\n");
        if !version.uses_standby_signal() {
            out.push_str("standby_mode = 'on'\n");
        }
        let mut set = |k: &str, v: &str| {
            out.push_str(&format!("{k} = {}\n", quote_value(v)));
        };
        set("primary_conninfo", &self.primary_conninfo());
        if !self.restore_command.is_empty() {
            set("restore_command", &self.restore_command);
        }
        set("recovery_target_timeline", "latest");
        if !self.archive_cleanup_command.is_empty() {
            set("archive_cleanup_command", &self.archive_cleanup_command);
        }
        if !self.recovery_end_command.is_empty() {
            set("recovery_end_command", &self.recovery_end_command);
        }
        if let Some(slot) = &self.slot_name {
            set("primary_slot_name", slot);
        }
        out
    }
}

/// Slot name for `node`: `<prefix>_<node>`, node lowercased with `.` and `-` as `_`.
pub fn slot_name(prefix: &str, node: &str) -> String {
    let node: String = node
        .to_lowercase()
        .chars()
        .map(|c| if c == '.' || c == '-' { '_' } else { c })
        .collect();
    format!("{prefix}_{node}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn quoting_round_trips_through_setting() {
        for v in [
            "plain",
            "it's",
            "a\\b",
            "$(touch /tmp/x); `id`",
            "line\nbreak",
            "''",
            "",
        ] {
            let text = format!("x = 1\nmy_key = {}   # comment\n", quote_value(v));
            assert_eq!(setting(&text, "my_key").as_deref(), Some(v), "{v:?}");
        }
    }

    #[test]
    fn setting_rules() {
        let text = "#unix_socket_directories = '/tmp'\nport = 5433 # c\nport=5434\n  Port 5435\nportx = 1\n";
        assert_eq!(setting(text, "unix_socket_directories"), None);
        assert_eq!(setting(text, "port").as_deref(), Some("5435"));
        assert_eq!(setting("a = 'x' # y", "a").as_deref(), Some("x"));
    }

    #[test]
    fn include_lines_added_once_and_removed() {
        let f = PathBuf::from("/var/lib/pgsql/tmp/rep_mode.conf");
        let t = with_include("port = 5432", &f).unwrap();
        assert_eq!(
            t,
            "port = 5432\ninclude '/var/lib/pgsql/tmp/rep_mode.conf' # added by pgsql RA\n"
        );
        assert!(with_include(&t, &f).is_none());
        assert_eq!(without_include(&t, &f).unwrap(), "port = 5432\n");
        assert!(without_include("port = 5432\n", &f).is_none());
    }

    fn rec() -> Recovery {
        Recovery {
            master_ip: "192.168.0.3".into(),
            port: 5432,
            repuser: "rep user".into(),
            application_name: "node2".into(),
            conninfo_opt: "keepalives_idle=60".into(),
            restore_command: "cp /arch/%f %p".into(),
            archive_cleanup_command: String::new(),
            recovery_end_command: String::new(),
            slot_name: Some(slot_name("slot", "Node-2.example")),
        }
    }

    #[test]
    fn recovery_config_for_12_and_older() {
        let r = rec();
        assert_eq!(
            r.primary_conninfo(),
            "host=192.168.0.3 port=5432 user='rep user' application_name=node2 keepalives_idle=60"
        );
        let new = r.render(PgVersion::new(15, 0));
        assert!(!new.contains("standby_mode"));
        assert_eq!(
            setting(&new, "primary_conninfo"),
            Some(r.primary_conninfo())
        );
        assert_eq!(
            setting(&new, "restore_command").as_deref(),
            Some("cp /arch/%f %p")
        );
        assert_eq!(
            setting(&new, "recovery_target_timeline").as_deref(),
            Some("latest")
        );
        assert_eq!(
            setting(&new, "primary_slot_name").as_deref(),
            Some("slot_node_2_example")
        );
        assert_eq!(setting(&new, "archive_cleanup_command"), None);
        let old = r.render(PgVersion::new(9, 6));
        assert_eq!(setting(&old, "standby_mode").as_deref(), Some("on"));
    }

    #[test]
    fn conninfo_quoting() {
        assert_eq!(conninfo_value("abc"), "abc");
        assert_eq!(conninfo_value(""), "''");
        assert_eq!(conninfo_value("a'b c"), r"'a\'b c'");
        assert_eq!(conninfo_value(r"a\b"), r"'a\\b'");
    }
}
