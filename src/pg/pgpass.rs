//! The pgdba user's ~/.pgpass, read the way libpq reads it, for monitor logins when
//! monitor_password is empty (tokio-postgres does not read the file itself).
//! Contract: docs/contract.md §4.3.

/// Splits one .pgpass line into its five fields (`\:` and `\\` are escapes).
fn fields(line: &str) -> Option<[String; 5]> {
    let mut out: Vec<String> = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.last_mut()?.push(chars.next().unwrap_or('\\')),
            ':' if out.len() < 5 => out.push(String::new()),
            c => out.last_mut()?.push(c),
        }
    }
    out.try_into().ok()
}

/// The password for (host, port, database, user) from the file's text; the first
/// matching line wins and `*` matches anything.
pub fn lookup(text: &str, host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let port = port.to_string();
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter_map(fields)
        .find(|[h, p, d, u, _]| {
            let m = |pat: &str, v: &str| pat == "*" || pat == v;
            m(h, host) && m(p, &port) && m(d, db) && m(u, user)
        })
        .map(|[_, _, _, _, pw]| pw)
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
    }
}
