//! Word splitting and quoting for the two options that are command lines by nature
//! (start_opt, ctl_opt). Quotes group words; nothing is ever expanded or executed.
//! Contract: docs/contract.md §8.

/// Splits like a POSIX shell would for plain words and quotes, with no expansion of any
/// kind: `$`, backquotes, `;`, `|` and the like are ordinary characters.
pub fn split(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            // a POSIX shell separates words at space, tab and newline only
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => cur.push(e),
                            // backslash-newline continues the line
                            Some('\n') => {}
                            Some(e) => {
                                cur.push('\\');
                                cur.push(e);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(c) => cur.push(c),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                // backslash-newline continues the line: no character, no word break
                Some('\n') => {}
                Some(e) => {
                    in_word = true;
                    cur.push(e);
                }
                None => return Err("trailing backslash".into()),
            },
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// Quotes one word for /bin/sh so that it reaches the program unchanged. Used only for
/// the `pg_ctl -o` string, which pg_ctl itself hands to a shell when it starts the server.
pub fn sh_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_table() {
        let table: &[(&str, &[&str])] = &[
            ("", &[]),
            ("   ", &[]),
            ("-c a=1 -c b=2", &["-c", "a=1", "-c", "b=2"]),
            ("-c 'work_mem=4MB' ", &["-c", "work_mem=4MB"]),
            (r#"-c "x=a b""#, &["-c", "x=a b"]),
            (r#"a\ b"#, &["a b"]),
            (
                "$(touch /tmp/x) `id`; ls",
                &["$(touch", "/tmp/x)", "`id`;", "ls"],
            ),
            (r#""\$HOME""#, &["$HOME"]),
            ("''", &[""]),
            ("a\nb", &["a", "b"]),
        ];
        for (input, want) in table {
            assert_eq!(split(input).unwrap(), *want, "{input:?}");
        }
        for bad in ["'", "\"abc", "abc\\"] {
            assert!(split(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn quote_round_trips_through_split() {
        for w in ["plain", "it's", "$(id)", "a b", "`x`;\n", ""] {
            assert_eq!(split(&sh_quote(w)).unwrap(), vec![w.to_string()]);
        }
    }
}
