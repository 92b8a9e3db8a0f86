//! The shape of an exit reason (docs/contract.md §1.3), for comparing the agent's format
//! strings with the texts of docs/troubleshooting.md: literal pieces and placeholders,
//! whatever the placeholders are called.

/// A reason's shape: literal pieces with `None` for a placeholder.
pub type Shape = Vec<Option<String>>;

/// `text` with `{...}` (code) or `<...>` (both) placeholders as a shape: blanks squeezed,
/// quotes around a placeholder dropped (`{v:?}` prints them), neighbours merged.
pub fn shape(text: &str, code: bool) -> Shape {
    const ANY: char = '\u{1}';
    let mut s = String::new();
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if code && (ch == '{' || ch == '}') && chars.peek() == Some(&ch) {
            chars.next();
            s.push(ch);
            continue;
        }
        let close = match ch {
            '{' if code => '}',
            '<' => '>',
            _ => {
                s.push(ch);
                continue;
            }
        };
        let inner: String = chars.clone().take_while(|&c| c != close).collect();
        let word = |c: char| c.is_alphanumeric() || "_-.:?#/ ".contains(c);
        let closed = chars.clone().nth(inner.chars().count()) == Some(close);
        if ch == '<'
            && (inner.is_empty() || inner.len() > 40 || !inner.chars().all(word) || !closed)
        {
            s.push(ch);
            continue;
        }
        for _ in 0..=inner.chars().count() {
            chars.next();
        }
        s.push(ANY);
    }
    let mut s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [("\"\u{1}\"", "\u{1}"), ("\u{1}\u{1}", "\u{1}")] {
        while s.contains(from) {
            s = s.replace(from, to);
        }
    }
    let mut out: Shape = Vec::new();
    for (i, part) in s.split(ANY).enumerate() {
        if i > 0 {
            out.push(None);
        }
        if !part.is_empty() {
            out.push(Some(part.to_string()));
        }
    }
    out
}

/// A shape as the doc would write it.
pub fn show(s: &Shape) -> String {
    s.iter().map(|p| p.as_deref().unwrap_or("<...>")).collect()
}

#[test]
fn shapes_ignore_placeholder_names_and_their_quotes() {
    let code = shape("invalid rep_mode {rep_mode_s:?}: use none, {{x}}", true);
    assert_eq!(
        code,
        shape("invalid rep_mode \"<value>\": use none, {x}", false)
    );
    assert_eq!(code, shape("invalid  rep_mode <v>: use none, {x}", false));
    assert_ne!(code, shape("invalid rep_mode <v>: use none", false));
    assert_eq!(
        shape("a {x}{y} b", true),
        vec![Some("a ".into()), None, Some(" b".into())]
    );
    assert_eq!(
        shape("no <nodes> element", true),
        shape("no <n> element", false)
    );
    assert_eq!(shape(" (stopped)", true), shape("(stopped)", false));
}
