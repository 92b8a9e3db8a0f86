//! Property and fuzz tests (proptest) for every parser of outside input: crm_mon and
//! cibadmin XML, postgresql.conf, postmaster.pid, PG_VERSION, LSN text, start_opt and
//! ctl_opt words, `.pgpass`, node lists, the facts query answer, conninfo and the
//! recovery configuration. Each property runs `PROPTEST_CASES` cases (proptest reads the
//! variable over the default given here); failures are not persisted to files, a bug
//! found becomes a named regression test beside its property.
//! Contract: docs/contract.md §1.2, §2, §5.1, §6, §7, §8.

mod conffile;
mod facts;
mod lsn;
mod nodes;
mod offline_attrs;
mod pgpass;
mod pidfile;
mod recovery;
mod snapshot;
mod version;
mod words;

use proptest::prelude::*;
use proptest::test_runner::Config;

/// Default case count of every property: at least 10^5 cases per parser in CI.
pub(crate) const CASES: u32 = 100_000;

/// The configuration of one property: `cases` unless `PROPTEST_CASES` says otherwise,
/// no regression files (the tree is read-only for the non-root test lane).
pub(crate) fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Characters that matter to the parsers under test: quotes, escapes, separators,
/// line ends, blanks (ASCII and not), markup, case pairs, multi-byte letters and NUL.
/// The first one is what a shrunk case shows.
#[rustfmt::skip]
const SPECIAL: &[char] = &[
    'a', '\'', '"', '\\', ':', '=', '#', '*', '/', ' ', '\t', '\n', '\r', '\u{b}', '\u{c}',
    '\u{85}', '\u{a0}', '\u{2028}', '\u{3000}', '<', '>', '&', ';', '$', '`', '.', '-', '_',
    '0', '9', 'Z', 'f', 'F', 'x', 'İ', 'ß', 'Σ', 'é', '日', '\u{1F600}', '\u{0}', '%', '+',
];

/// The character that `v` stands for: half the time a special one, else printable ASCII
/// or any Unicode scalar value. Strings are drawn as numbers and decoded by this table
/// because proptest's own character strategies cost ten times more in a debug build.
fn decode_char(v: u32) -> char {
    let i = v >> 3;
    let pick = |n: usize| usize::try_from(i).unwrap_or(0) % n;
    match v % 8 {
        0..=3 => SPECIAL[pick(SPECIAL.len())],
        4 | 5 => char::from_u32(0x20 + i % 95).unwrap_or('a'),
        6 => char::from_u32(0x80 + i % 0x780).unwrap_or('a'),
        _ => char::from_u32(i % 0x11_0000).unwrap_or('\u{FFFD}'),
    }
}

/// A string of up to `max` characters drawn by [`decode_char`].
pub(crate) fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u32>(), 0..=max)
        .prop_map(|v| v.into_iter().map(decode_char).collect())
}

/// A string of up to `max` characters, none of them in `banned`.
pub(crate) fn text_without(max: usize, banned: &'static [char]) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u32>(), 0..=max).prop_map(move |cs| {
        cs.into_iter()
            .map(decode_char)
            .map(|c| if banned.contains(&c) { 'q' } else { c })
            .collect()
    })
}

/// A string of 1 to `max` characters drawn from `chars`.
pub(crate) fn word_of(chars: &'static [char], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(chars), 1..=max).prop_map(String::from_iter)
}

/// Arbitrary bytes read the way the agent reads a child's output: lossily as UTF-8.
pub(crate) fn lossy_bytes(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..=max)
        .prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Text `s` edited at a few places (byte positions taken modulo the length and moved
/// to a character boundary): a deletion, an insertion or a truncation each. Feeds
/// parsers with almost-valid input.
pub(crate) fn mutate(s: &str, edits: &[(usize, usize, String)]) -> String {
    let mut s = s.to_string();
    for (i, (at, len, ins)) in edits.iter().enumerate() {
        let floor = |s: &str, mut p: usize| {
            p %= s.len() + 1;
            while !s.is_char_boundary(p) {
                p -= 1;
            }
            p
        };
        let a = floor(&s, *at);
        match i % 3 {
            0 => {
                let b = floor(&s, a + len % 8);
                s.replace_range(a..b.max(a), "");
            }
            1 => s.insert_str(a, ins),
            _ => {
                let t = floor(&s, a.max(s.len() / 2));
                s.truncate(t);
            }
        }
    }
    s
}

/// The edits for [`mutate`]: up to `n` of them.
pub(crate) fn edits(n: usize) -> impl Strategy<Value = Vec<(usize, usize, String)>> {
    prop::collection::vec((any::<usize>(), any::<usize>(), text(4)), 0..=n)
}

/// `s` escaped for an XML attribute value the way libxml2 writes one (crm_mon and
/// cibadmin): markup characters as entities, tab and line ends as character references
/// (a literal one would be normalized to a space by any XML reader).
pub(crate) fn xml_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `c` may appear in an XML 1.0 document at all (the `Char` production).
pub(crate) fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// The next number of the splitmix64 sequence at `state`.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE5_E9B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One text leaf of a generated XML document, drawn from a single number (a tree of
/// strategies per character costs too much for 10^5 documents in a debug build): absent
/// for one number in `absent` (never when 0), one of `pool` for 3 in 4 of the rest, else
/// up to `max` XML characters. Number 0, where shrinking ends, gives `pool[0]`.
pub(crate) fn leaf(
    pool: &'static [&'static str],
    max: usize,
    absent: u64,
) -> impl Strategy<Value = Option<String>> {
    any::<u64>().prop_map(move |seed| {
        if absent > 0 && seed % absent == absent - 1 {
            return None;
        }
        let mut st = seed;
        let r = splitmix(&mut st);
        if seed & 3 != 3 && !pool.is_empty() {
            return Some(pool[usize::try_from(seed >> 2).unwrap_or(0) % pool.len()].to_string());
        }
        let len = usize::try_from(r % 1024).unwrap_or(0) % (max + 1);
        let s = (0..len)
            .map(|_| decode_char(u32::try_from(splitmix(&mut st) >> 32).unwrap_or(0)))
            .map(|c| if xml_char(c) { c } else { '?' })
            .collect();
        Some(s)
    })
}

/// A node name as crm_mon or cibadmin may print it: mostly one of a few names in mixed
/// case (so that lists name the same node twice), otherwise any XML text; absent for
/// one in `absent`.
pub(crate) fn node_name(absent: u64) -> impl Strategy<Value = Option<String>> {
    const NAMES: &[&str] = &[
        "node1",
        "Node1",
        "NODE1",
        "node2",
        "Node2",
        "pg-3.example",
        "PG-3.Example",
        "İx",
        "ix",
        "straße",
        "STRASSE",
        "Σσ",
        "",
    ];
    leaf(NAMES, 10, absent)
}

#[test]
fn mutate_keeps_utf8_and_edits() {
    let s = "aé日b";
    for at in 0..10 {
        for len in 0..10 {
            let e = [
                (at, len, String::from("x")),
                (at, 0, String::from("é")),
                (at, 0, String::new()),
            ];
            let m = mutate(s, &e);
            assert!(m.len() <= s.len() + 3, "{m:?}");
        }
    }
    assert_eq!(xml_attr("<a&\"\n>"), "&lt;a&amp;&quot;&#10;&gt;");
}
