//! Every exit reason the agent can print (`ocf-exit-reason:<text>`, docs/contract.md §1.3)
//! is listed in docs/troubleshooting.md, and the list names no reason the code no longer
//! has. The reasons are collected from the Rust sources: the literal (or `format!`
//! literal) given to the error constructors, `#[error("...")]` attributes, replication
//! outcomes and the functions that build reasons ([`ANCHORS`]); `{...}` placeholders are
//! wildcards. In the doc, each reason is the first cell of a table row between
//! `<!-- reasons:begin -->` and `<!-- reasons:end -->`, as one code span with placeholders
//! written `<...>`. A translation of the page is checked against the same set: add its
//! path to [`DOCS`].

mod rustsrc;
mod shape;

use std::collections::BTreeMap;
use std::path::Path;

use rustsrc::{agent_sources, matching, Source};
use shape::{shape, show, Shape};

/// The pages that must list every reason.
const DOCS: &[&str] = &["docs/troubleshooting.md", "docs/ja/troubleshooting.md"];

const BEGIN: &str = "<!-- reasons:begin -->";
const END: &str = "<!-- reasons:end -->";

/// How the text after an anchor holds reasons.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A call or struct literal: the first string literal in it is a reason; one without
    /// any literal forwards a reason made elsewhere and must be known (see [`FORWARDS`]).
    Call,
    /// Like `Call`, but an argument without a literal is nobody's concern (a detail that
    /// comes from the server or the system).
    Detail,
    /// A function that builds reasons: every literal in its body is one.
    Body,
}

/// Where reasons are made: the text that starts them, how, and in which file ("" = any).
const ANCHORS: &[(&str, Kind, &str)] = &[
    ("Error::configured(", Kind::Call, ""),
    ("Error::failed(", Kind::Call, ""),
    ("Error::not_installed(", Kind::Call, ""),
    ("Error::permission(", Kind::Call, ""),
    ("Error::io(", Kind::Call, ""),
    ("Outcome::Failed(", Kind::Call, ""),
    ("Outcome::Misconfigured(", Kind::Call, ""),
    ("#[error(", Kind::Call, ""),
    ("SnapshotError(", Kind::Call, ""),
    ("BanSelf {", Kind::Call, ""),
    ("exit_reason_line(", Kind::Call, ""),
    ("print_exit_reason(", Kind::Call, ""),
    // config/: fn bad(m: String) -> Err(Error::configured(m)), and a closure of the same name
    ("bad(", Kind::Call, "src/config/"),
    ("detail: ", Kind::Detail, ""),
    ("unexpected(", Kind::Detail, ""),
    ("fn cannot_answer(", Kind::Body, ""),
    ("fn cannot_react(", Kind::Body, ""),
    ("fn lock_reason(", Kind::Body, ""),
    ("fn refusal(", Kind::Body, ""),
    // start with rejoin_after_switchover: PGSQL.lock stays, and why (§5.12)
    ("fn rejoin_refusal(", Kind::Body, ""),
    // start_opt / ctl_opt that cannot be split into words
    ("fn split(", Kind::Body, "src/words.rs"),
    // pgsql show: which clone it reads (passed on with map_err(Error::failed))
    ("Err(", Kind::Call, "src/show/cib.rs"),
];

/// Anchored expressions without a literal that pass on a reason collected elsewhere
/// (file, expression, where the reason is made). A call of a [`Kind::Body`] function
/// needs no entry.
const FORWARDS: &[(&str, &str, &str)] = &[
    ("src/config/rules.rs", "m", "bad()"),
    ("src/config/mod.rs", "m", "the bad closure"),
    (
        "src/actions/repl/apply.rs",
        "why",
        "Outcome::Failed / Misconfigured",
    ),
    (
        "src/actions/repl/apply.rs",
        "why.clone()",
        "Outcome::Failed / Misconfigured",
    ),
    ("src/actions/repl/mod.rs", "why", "promote::refusal"),
    (
        "src/actions/repl/observe.rs",
        "why",
        "frozen::cannot_answer",
    ),
    (
        "src/actions/invalid.rs",
        "&ctx.env, &chain(&e)",
        "a validation error",
    ),
    ("src/replication/promote.rs", "why", "promote::refusal"),
    (
        "src/replication/notify.rs",
        "reason: String",
        "the variant's definition",
    ),
    (
        "src/replication/notify.rs",
        "reason.clone()",
        "the BanSelf reason",
    ),
    ("src/replication/notify.rs", "reason", "the BanSelf reason"),
    (
        "src/cluster/snapshot.rs",
        "e.to_string()",
        "the XML parser's message",
    ),
    (
        "src/cluster/history.rs",
        "e.to_string()",
        "the XML parser's message",
    ),
    ("src/show/cib.rs", "e", "a match arm's pattern"),
    ("src/ocf/mod.rs", "env, reason", "its callers"),
    (
        "src/lib.rs",
        "&ctx.env, &text",
        "chain() of the action's error",
    ),
];

/// Does `at` in `code` start the anchor `pat` as a word (not `is_bad(`, not `fn bad(`)?
fn anchored(code: &str, at: usize, pat: &str) -> bool {
    let before = code[..at].chars().next_back();
    let word = pat.starts_with(|c: char| c.is_alphanumeric());
    let sep = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
    let lead = code[..at].trim_end();
    (sep || !word) && !lead.ends_with("fn") && !lead.ends_with("struct")
}

/// The literal indices in `code[from..to]`.
fn literals_in(code: &str, from: usize, to: usize) -> Vec<usize> {
    let part = &code[from..to];
    part.split('"')
        .skip(1)
        .step_by(2)
        .filter_map(|n| n.parse().ok())
        .collect()
}

/// Where the anchored expression from `from` ends: a `,` or `;` outside brackets, or the
/// bracket that closes around it.
fn expression_end(b: &[u8], from: usize) -> usize {
    let mut depth = 0i32;
    for (j, &c) in b.iter().enumerate().skip(from) {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => return j,
            b')' | b']' | b'}' => depth -= 1,
            b',' | b';' if depth == 0 => return j,
            _ => {}
        }
    }
    b.len()
}

/// The reasons of the sources: shape → where each comes from; and the anchored
/// expressions without a literal that no [`FORWARDS`] entry explains.
fn collect(sources: &[Source]) -> (BTreeMap<Shape, Vec<String>>, Vec<String>) {
    let bodies: Vec<&str> = ANCHORS
        .iter()
        .filter(|(_, k, _)| *k == Kind::Body)
        .map(|(p, _, _)| p.trim_start_matches("fn ").trim_end_matches('('))
        .collect();
    let (mut found, mut unknown) = (BTreeMap::<Shape, Vec<String>>::new(), Vec::new());
    let mut used = vec![false; FORWARDS.len()];
    for src in sources {
        let b = src.code.as_bytes();
        let line = |at: usize| src.code[..at].matches('\n').count() + 1;
        for (pat, kind, file) in ANCHORS {
            if !src.path.starts_with(file) {
                continue;
            }
            for (at, _) in src.code.match_indices(pat) {
                if !anchored(&src.code, at, pat) {
                    continue;
                }
                let from = at + pat.len();
                let lits = match kind {
                    Kind::Body => {
                        let open = (from..b.len()).find(|&j| b[j] == b'{').unwrap_or(b.len());
                        literals_in(&src.code, open, matching(b, open))
                    }
                    _ => {
                        // a call: all its arguments; a field or struct literal: one expression
                        let end = if pat.ends_with('(') {
                            matching(b, from - 1)
                        } else {
                            expression_end(b, from)
                        };
                        let expr = src.code[from..end].trim();
                        let lits = literals_in(&src.code, from, end);
                        if lits.is_empty() && *kind == Kind::Call && expr != "transparent" {
                            let fwd = FORWARDS
                                .iter()
                                .position(|(f, e, _)| *f == src.path && *e == expr);
                            match fwd {
                                Some(i) => used[i] = true,
                                None if bodies.iter().any(|f| expr.contains(&format!("{f}("))) => {}
                                None => {
                                    unknown.push(format!("{}:{}: {pat}{expr}", src.path, line(at)))
                                }
                            }
                        }
                        lits.into_iter().take(1).collect()
                    }
                };
                for i in lits {
                    let s = shape(&src.literals[i], true);
                    if s.iter().any(Option::is_some) {
                        found
                            .entry(s)
                            .or_default()
                            .push(format!("{}:{}", src.path, line(at)));
                    }
                }
            }
        }
    }
    for (i, u) in used.iter().enumerate() {
        if !u {
            unknown.push(format!("stale FORWARDS entry {:?}", FORWARDS[i]));
        }
    }
    (found, unknown)
}

/// The reasons a page lists: the first cells of the table rows between the markers.
fn listed(page: &str) -> Vec<Shape> {
    let Some((_, rest)) = page.split_once(BEGIN) else {
        return Vec::new();
    };
    let region = rest.split_once(END).map_or(rest, |(r, _)| r);
    region
        .lines()
        .filter_map(|l| {
            let l = l.trim().strip_prefix('|')?.trim_start();
            let ticks = l.chars().take_while(|&c| c == '`').count();
            let fence = "`".repeat(ticks);
            let inner = l.get(ticks..)?.split_once(&format!("{fence} |"))?.0;
            let inner = match inner.strip_prefix(' ').and_then(|i| i.strip_suffix(' ')) {
                Some(i) if ticks > 1 => i,
                _ => inner,
            };
            (ticks > 0).then(|| shape(&inner.replace("\\|", "|"), false))
        })
        .collect()
}

/// What is wrong with `page` against the reasons `found`: missing and stale entries.
fn check(page: &str, found: &BTreeMap<Shape, Vec<String>>) -> Vec<String> {
    let doc = listed(page);
    let mut wrong = Vec::new();
    for (s, whence) in found {
        if !doc.contains(s) {
            wrong.push(format!("missing: `{}` ({})", show(s), whence.join(", ")));
        }
    }
    for s in &doc {
        if !found.contains_key(s) {
            wrong.push(format!("no longer in the code: `{}`", show(s)));
        }
    }
    wrong
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_exit_reason_is_documented() {
    let (found, unknown) = collect(&agent_sources(root()));
    assert!(
        unknown.is_empty(),
        "anchored expressions without a literal: add them to FORWARDS (or an anchor for \
         the code that builds their reason):\n{}",
        unknown.join("\n")
    );
    assert!(found.len() > 80, "only {} reasons found", found.len());
    if std::env::var_os("SHOW_REASONS").is_some() {
        for (s, w) in &found {
            println!("{} \t{}", show(s), w.join(" "));
        }
    }
    for doc in DOCS {
        let page = std::fs::read_to_string(root().join(doc)).unwrap();
        let wrong = check(&page, &found);
        assert!(wrong.is_empty(), "{doc}:\n{}", wrong.join("\n"));
    }
}

#[test]
fn a_removed_or_invented_entry_is_reported() {
    let (found, _) = collect(&agent_sources(root()));
    let page = std::fs::read_to_string(root().join(DOCS[0])).unwrap();
    let (head, rest) = page.split_once(BEGIN).unwrap();
    let rows: Vec<&str> = rest.lines().filter(|l| l.starts_with("| `")).collect();
    let victim = rows.first().expect("a reason row");
    let without = format!("{head}{BEGIN}{}", rest.replacen(victim, "", 1));
    let wrong = check(&without, &found);
    assert!(
        wrong.len() == 1 && wrong[0].starts_with("missing: "),
        "{wrong:?}"
    );
    let invented = format!("{head}{BEGIN}\n| `the agent never says <this>` | |\n{rest}");
    let wrong = check(&invented, &found);
    assert_eq!(
        wrong,
        ["no longer in the code: `the agent never says <...>`"]
    );
}

#[test]
fn a_reason_passed_on_from_elsewhere_must_be_known() {
    let (code, literals) =
        rustsrc::lex("Err(Error::failed(why)); Err(Error::failed(\"gone {x}\"))");
    let src = Source {
        path: "src/new.rs".into(),
        code,
        literals,
    };
    let (found, unknown) = collect(std::slice::from_ref(&src));
    assert!(found.contains_key(&shape("gone <x>", false)), "{found:?}");
    assert!(
        unknown
            .iter()
            .any(|u| u.starts_with("src/new.rs:1: Error::failed(why")),
        "{unknown:?}"
    );
}
