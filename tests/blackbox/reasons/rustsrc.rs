//! A small reader of Rust source for the exit-reason list (docs/contract.md §1.3): string
//! literals are decoded and replaced by numbered stand-ins (`"7"`), comments are dropped
//! and char literals blanked, so brackets can be counted in what remains; test-only code
//! (`#[cfg(test)]` items and the files of `#[cfg(test)] mod x;`) is cut out.

use std::path::{Path, PathBuf};

/// One source file, ready for searching.
pub struct Source {
    /// The file, relative to the crate root.
    pub path: String,
    /// The code without comments; every string literal is `"<index>"`, every char `'_'`.
    pub code: String,
    /// The decoded string literals, by index.
    pub literals: Vec<String>,
}

/// Reads `src`'s code: comments dropped, literals numbered.
pub fn lex(text: &str) -> (String, Vec<String>) {
    let c: Vec<char> = text.chars().collect();
    let (mut out, mut lits) = (String::new(), Vec::new());
    let mut i = 0;
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let prev_ident = i > 0 && ident(c[i - 1]);
        match c[i] {
            '/' if c.get(i + 1) == Some(&'/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if c.get(i + 1) == Some(&'*') => {
                let mut depth = 0;
                while i < c.len() {
                    if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            'r' | 'b' if !prev_ident && raw_start(&c, i).is_some() => {
                let (hashes, body) = raw_start(&c, i).unwrap_or_default();
                let close: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let mut j = body;
                while j < c.len() && !c[j..].starts_with(&close) {
                    j += 1;
                }
                lits.push(c[body..j.min(c.len())].iter().collect());
                out.push_str(&format!("\"{}\"", lits.len() - 1));
                i = j + close.len();
            }
            '"' => {
                let (s, next) = string(&c, i + 1);
                lits.push(s);
                out.push_str(&format!("\"{}\"", lits.len() - 1));
                i = next;
            }
            '\'' => {
                // a char literal ('x', '\n', '\u{1F}') or a lifetime ('a)
                let end = if c.get(i + 1) == Some(&'\\') {
                    (i + 2..c.len()).find(|&j| c[j] == '\'')
                } else {
                    (c.get(i + 2) == Some(&'\'')).then_some(i + 2)
                };
                match end {
                    Some(e) => {
                        out.push_str("'_'");
                        i = e + 1;
                    }
                    None => {
                        out.push('\'');
                        i += 1;
                    }
                }
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    (out, lits)
}

/// `r"`, `r#"`, `br"`: the number of `#` and where the body starts.
fn raw_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if c[j] == 'b' {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = c[j..].iter().take_while(|&&h| h == '#').count();
    (c.get(j + hashes) == Some(&'"')).then_some((hashes, j + hashes + 1))
}

/// A string literal's value from just after its opening quote, and where it ends.
fn string(c: &[char], mut i: usize) -> (String, usize) {
    let mut s = String::new();
    while i < c.len() {
        match c[i] {
            '"' => return (s, i + 1),
            '\\' => {
                let e = c.get(i + 1).copied().unwrap_or('\\');
                i += 2;
                match e {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    'r' => s.push('\r'),
                    '0' => s.push('\0'),
                    '\n' => {
                        while i < c.len() && c[i].is_whitespace() {
                            i += 1;
                        }
                    }
                    'x' => {
                        let hex: String = c[i..(i + 2).min(c.len())].iter().collect();
                        s.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                        i += 2;
                    }
                    'u' => {
                        let end = (i..c.len()).find(|&j| c[j] == '}').unwrap_or(c.len());
                        let hex: String = c[(i + 1).min(end)..end].iter().collect();
                        s.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                        i = end + 1;
                    }
                    other => s.push(other),
                }
            }
            ch => {
                s.push(ch);
                i += 1;
            }
        }
    }
    (s, i)
}

/// Where the bracket opened at `open` closes (counting `(`, `[` and `{` alike).
pub fn matching(code: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    for (j, b) in code.iter().enumerate().skip(open) {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    code.len()
}

/// `code` without its `#[cfg(test)]` items that have a body (`mod tests { ... }`).
fn without_test_items(code: &str) -> String {
    const CFG: &str = "#[cfg(test)]";
    let mut out = code.to_string();
    let mut from = 0;
    while let Some(at) = out[from..].find(CFG).map(|p| p + from) {
        let b = out.as_bytes();
        let brace = (at..b.len()).find(|&j| b[j] == b'{');
        let semi = (at..b.len()).find(|&j| b[j] == b';');
        match (brace, semi) {
            (Some(o), s) if s.is_none_or(|s| o < s) => {
                let close = matching(b, o);
                out.replace_range(at..(close + 1).min(out.len()), "");
                from = at;
            }
            _ => from = at + CFG.len(),
        }
    }
    out
}

/// The files `#[cfg(test)] mod name;` lines of `code` (in file `file`) declare.
fn test_modules(file: &Path, code: &str) -> Vec<PathBuf> {
    let dir = match file.file_name().and_then(|n| n.to_str()) {
        Some("mod.rs" | "lib.rs" | "main.rs") => file.parent().unwrap().to_path_buf(),
        _ => file.with_extension(""),
    };
    let mut out = Vec::new();
    for (at, _) in code.match_indices("#[cfg(test)]") {
        let rest = code[at + "#[cfg(test)]".len()..].trim_start();
        let rest = ["pub(crate) ", "pub "]
            .iter()
            .fold(rest, |r, p| r.strip_prefix(p).unwrap_or(r));
        if let Some(decl) = rest.strip_prefix("mod ") {
            if let Some(name) = decl.split(';').next().filter(|n| !n.contains('{')) {
                out.push(dir.join(format!("{}.rs", name.trim())));
                out.push(dir.join(name.trim()));
            }
        }
    }
    out
}

/// Every `.rs` file under `root/src` that the built agent contains, without test code.
pub fn agent_sources(root: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    files.sort();
    let mut excluded: Vec<PathBuf> = Vec::new();
    let mut lexed = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let (code, literals) = lex(&text);
        excluded.extend(test_modules(f, &code));
        lexed.push((f.clone(), code, literals));
    }
    lexed
        .into_iter()
        .filter(|(f, _, _)| !excluded.iter().any(|x| f.starts_with(x)))
        .map(|(f, code, literals)| Source {
            path: f.strip_prefix(root).unwrap().display().to_string(),
            code: without_test_items(&code),
            literals,
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_reader_decodes_literals_and_cuts_test_code() {
    let src = "let a = \"x{y}\\\"z\\n\\\n     w\"; // \"comment\"\n\
               let b = r#\"raw \"q\"\"#; let c = '('; let d: &'static str = \"s\";\n\
               #[cfg(test)]\nmod tests { fn t() { let _ = \"gone\"; } }\nlet e = \"kept\";";
    let (code, lits) = lex(src);
    assert_eq!(lits, ["x{y}\"z\nw", "raw \"q\"", "s", "gone", "kept"]);
    assert!(
        code.contains("let c = '_';") && code.contains("&'static"),
        "{code}"
    );
    assert!(!code.contains("comment"), "{code}");
    let cut = without_test_items(&code);
    assert!(!cut.contains("\"3\"") && cut.contains("\"4\""), "{cut}");
}
