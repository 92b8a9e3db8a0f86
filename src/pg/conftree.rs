//! postgresql.conf with its includes (docs/contract.md §3.2): a setting's value as the server
//! would see it, following `include`, `include_if_exists` and `include_dir` (Debian's
//! layout keeps settings in `conf.d`), later lines winning. Reads go through the caller.
//! Contract: docs/contract.md §3.2, §4.1.

use std::path::{Path, PathBuf};

use super::conffile::parse_value;

/// How deep includes may nest (PostgreSQL allows 10).
const MAX_DEPTH: usize = 10;

/// The `(name, value)` directives of a config text, in order, names lowercased.
pub fn directives(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim_start();
        let end = l
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(l.len());
        if end == 0 {
            continue;
        }
        let (name, rest) = l.split_at(end);
        if !(rest.is_empty() || rest.starts_with([' ', '\t', '='])) {
            continue;
        }
        let rest = rest.trim_start();
        let v = rest.strip_prefix('=').unwrap_or(rest).trim_start();
        out.push((name.to_ascii_lowercase(), parse_value(v)));
    }
    out
}

fn resolve(base: &Path, v: &str) -> PathBuf {
    let p = PathBuf::from(v);
    if p.is_absolute() {
        p
    } else {
        base.parent().unwrap_or(Path::new("/")).join(p)
    }
}

/// The value of `name` reading `path` and what it includes; `read` gives a file's text,
/// `list` a directory's entries (file names).
pub fn setting(
    path: &Path,
    name: &str,
    read: &dyn Fn(&Path) -> Option<String>,
    list: &dyn Fn(&Path) -> Vec<String>,
) -> Option<String> {
    settings(path, &[name], read, list).pop().flatten()
}

/// The values of `names` (in their order), reading the files once.
pub fn settings(
    path: &Path,
    names: &[&str],
    read: &dyn Fn(&Path) -> Option<String>,
    list: &dyn Fn(&Path) -> Vec<String>,
) -> Vec<Option<String>> {
    let names: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let mut found = vec![None; names.len()];
    walk(path, &names, read, list, 0, &mut found);
    found
}

fn walk(
    path: &Path,
    names: &[String],
    read: &dyn Fn(&Path) -> Option<String>,
    list: &dyn Fn(&Path) -> Vec<String>,
    depth: usize,
    found: &mut [Option<String>],
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(text) = read(path) else { return };
    for (k, v) in directives(&text) {
        match k.as_str() {
            "include" | "include_if_exists" => {
                walk(&resolve(path, &v), names, read, list, depth + 1, found)
            }
            "include_dir" => {
                let dir = resolve(path, &v);
                let mut files: Vec<String> = list(&dir)
                    .into_iter()
                    .filter(|f| f.ends_with(".conf") && !f.starts_with('.'))
                    .collect();
                files.sort();
                for f in files {
                    walk(&dir.join(f), names, read, list, depth + 1, found);
                }
            }
            k => {
                if let Some(i) = names.iter().position(|n| n == k) {
                    found[i] = Some(v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn includes_are_followed_and_later_lines_win() {
        let files: BTreeMap<&str, &str> = [
            (
                "/etc/pg/postgresql.conf",
                "port = 5432\ninclude_dir 'conf.d'\ninclude_if_exists = 'missing.conf'\ninclude '/etc/pg/last.conf'\n",
            ),
            ("/etc/pg/conf.d/10-socket.conf", "unix_socket_directories = '/run/a'\n"),
            ("/etc/pg/conf.d/20-socket.conf", "Unix_Socket_Directories='/run/b' # later\n"),
            ("/etc/pg/conf.d/.hidden.conf", "unix_socket_directories = '/run/hidden'\n"),
            ("/etc/pg/conf.d/notes.txt", "unix_socket_directories = '/run/txt'\n"),
            ("/etc/pg/last.conf", "# nothing here\nlisten_addresses = '*'\ninclude 'last.conf'\n"),
        ]
        .into_iter()
        .collect();
        let read = |p: &Path| files.get(p.to_str().unwrap()).map(|s| s.to_string());
        let list = |d: &Path| {
            files
                .keys()
                .filter_map(|k| Path::new(k).strip_prefix(d).ok())
                .filter(|r| r.components().count() == 1)
                .map(|r| r.display().to_string())
                .collect()
        };
        let conf = Path::new("/etc/pg/postgresql.conf");
        assert_eq!(
            setting(conf, "unix_socket_directories", &read, &list).as_deref(),
            Some("/run/b")
        );
        assert_eq!(setting(conf, "port", &read, &list).as_deref(), Some("5432"));
        // a file including itself stops at the depth limit
        assert_eq!(
            setting(conf, "listen_addresses", &read, &list).as_deref(),
            Some("*")
        );
        assert_eq!(setting(conf, "shared_buffers", &read, &list), None);
    }

    #[test]
    fn directives_in_order() {
        let d = directives("a = 1\n  # c\nb 'x y'\nbad-name = 2\ninclude='f'\n");
        assert_eq!(
            d,
            vec![
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "x y".to_string()),
                ("include".to_string(), "f".to_string()),
            ]
        );
    }
}
