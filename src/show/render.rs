//! Render, for `pgsql show` (docs/contract.md §10.4): the plain form, readable on an
//! 80-column terminal (no line longer than 80 characters: fixed columns, long values on
//! wrapped lines of their own), and the JSON form (serde) for scripts and monitoring.

use super::model::{NodeRow, Report};

/// The widest line of the plain form.
pub const WIDTH: usize = 80;

/// Words of `text` on lines of at most `width` characters, each after `indent` (the first
/// after `first`); a word longer than a line is cut.
pub fn wrap(first: &str, indent: &str, text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        loop {
            let room = width.saturating_sub(line.chars().count() + usize::from(!empty));
            if word.chars().count() <= room {
                if !empty {
                    line.push(' ');
                }
                line.push_str(&word);
                empty = false;
                break;
            }
            if empty {
                // longer than a whole line: cut it
                let cut = room.max(1);
                let head: String = word.chars().take(cut).collect();
                line.push_str(&head);
                word = word.chars().skip(cut).collect();
                lines.push(std::mem::replace(&mut line, indent.to_string()));
                if word.is_empty() {
                    break;
                }
                continue;
            }
            lines.push(std::mem::replace(&mut line, indent.to_string()));
            empty = true;
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn cell(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("-")
}

fn lag(r: &NodeRow) -> Option<String> {
    let bytes = r.lag_bytes.map(|b| format!("{b} B"));
    let secs = r.lag_seconds.map(|s| format!("{s:.1} s"));
    match (bytes, secs) {
        (None, None) => None,
        (b, s) => Some(format!(
            "lag {}",
            [b, s].into_iter().flatten().collect::<Vec<_>>().join(", ")
        )),
    }
}

fn node_lines(r: &NodeRow) -> Vec<String> {
    let mut out = vec![format!(
        "{:<10} {:<3} {:<10} {:<12} {:<19} {:<9} {}",
        r.name,
        if r.online { "yes" } else { "no" },
        r.role,
        cell(&r.status),
        cell(&r.data_status),
        cell(&r.score),
        cell(&r.wal)
    )
    .trim_end()
    .to_string()];
    let mut more = Vec::new();
    if let Some(src) = &r.wal_source {
        more.push(format!("WAL from {src}"));
    }
    more.extend(lag(r));
    if let Some(l) = r.lock {
        more.push(format!(
            "PGSQL.lock {}",
            if l { "present" } else { "absent" }
        ));
    }
    more.push(format!("fail-count {}", r.fail_count));
    out.extend(wrap("  ", "  ", &more.join("; "), WIDTH));
    if let Some(f) = &r.last_failure {
        out.extend(wrap("  last failure: ", "    ", f, WIDTH));
    }
    out
}

/// The plain form: a header, one block per node, the verdict and each problem.
pub fn plain(rep: &Report) -> String {
    let mut lines = wrap(
        "",
        "  ",
        &format!(
            "{} ({}, {}), rep_mode {}, seen from {}",
            rep.clone, rep.resource, rep.agent, rep.rep_mode, rep.local_node
        ),
        WIDTH,
    );
    lines.push(String::new());
    lines.push(format!(
        "{:<10} {:<3} {:<10} {:<12} {:<19} {:<9} {}",
        "NODE", "ON", "ROLE", "STATUS", "DATA-STATUS", "SCORE", "WAL"
    ));
    for r in &rep.nodes {
        lines.extend(node_lines(r));
    }
    lines.push(String::new());
    lines.extend(wrap("", "  ", &rep.summary, WIDTH));
    for p in &rep.problems {
        lines.extend(wrap(&format!("{}: ", p.node), "    ", &p.why, WIDTH));
        lines.extend(wrap("  -> ", "     ", &p.action, WIDTH));
    }
    for n in &rep.notes {
        lines.extend(wrap("note: ", "    ", n, WIDTH));
    }
    lines.join("\n") + "\n"
}

/// The JSON form: the report's fields as they are named in [`Report`].
pub fn json(rep: &Report) -> String {
    serde_json::to_string_pretty(rep).unwrap_or_else(|e| {
        // the report holds strings and numbers only: this cannot happen
        format!("{{\"error\": {:?}}}", e.to_string())
    }) + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_to_the_width() {
        let text = "word ".repeat(40);
        let lines = wrap("first: ", "    ", &text, 30);
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        assert!(lines[0].starts_with("first: word"));
        assert!(lines[1].starts_with("    word"));
        assert_eq!(
            lines
                .join(" ")
                .split_whitespace()
                .filter(|w| *w == "word")
                .count(),
            40
        );
        let long = "x".repeat(70);
        let lines = wrap("", "  ", &long, 30);
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        assert_eq!(lines.concat().matches('x').count(), 70);
        assert_eq!(wrap("a: ", "", "", 80), vec!["a: "]);
    }
}
