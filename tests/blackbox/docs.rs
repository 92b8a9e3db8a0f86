//! The README's parameter table is generated from the parameter table in src/params.rs;
//! this test keeps the two equal (`UPDATE_DOCS=1 cargo test --test blackbox docs::` rewrites it).
//! The README's exit codes, and the man page's exit codes, node attributes and files, are
//! kept equal to docs/contract.md §1.3, §5.1 and §6.

use pgsql::params::PARAMS;

const BEGIN: &str = "<!-- parameters:begin (generated from src/params.rs) -->";
const END: &str = "<!-- parameters:end -->";

fn render() -> String {
    let mut s = String::from("| name | type | default | meaning |\n|---|---|---|---|\n");
    for p in PARAMS {
        let default = if p.default.is_empty() {
            String::new()
        } else {
            format!("`{}`", p.default)
        };
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            p.name,
            p.kind.ocf_name(),
            default,
            p.longdesc
                .replace('|', "\\|")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        ));
    }
    s
}

#[test]
fn readme_parameter_table_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (head, rest) = readme
        .split_once(BEGIN)
        .expect("README has the parameters:begin marker");
    let (_, tail) = rest
        .split_once(END)
        .expect("README has the parameters:end marker");
    let want = format!("{head}{BEGIN}\n{}{END}{tail}", render());
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    assert!(
        readme == want,
        "README.md parameter table is stale: run UPDATE_DOCS=1 cargo test --test blackbox docs::"
    );
}

/// The rows of the first exit-code table (`| 0 | OCF_SUCCESS | ... |` to code 9) in `text`.
fn exit_code_rows(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let ok = cells.len() == 5 && cells[1].parse::<u8>().is_ok_and(|c| c <= 9);
            ok.then(|| {
                (
                    cells[1].to_string(),
                    cells[3].replace("docs/contract.md ", ""),
                )
            })
        })
        .take(10)
        .collect()
}

#[test]
fn readme_exit_codes_say_what_the_contract_says() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let contract = std::fs::read_to_string(format!("{root}/docs/contract.md")).unwrap();
    let (r, c) = (exit_code_rows(&readme), exit_code_rows(&contract));
    assert_eq!(c.len(), 10, "contract.md has the codes 0-9: {c:?}");
    assert_eq!(
        r, c,
        "README.md's exit codes differ from docs/contract.md §1.3"
    );
    // the reference returns 7 for a primary whose server is down, and PG-REX's manual shows 7
    assert!(c[9].1.starts_with("never returned"), "{:?}", c[9]);
}

/// The rows of the markdown table under `heading` in `text`, cells trimmed, code marks
/// removed and `\|` read as `|` (as the man page writes them).
fn table_rows(text: &str, heading: &str) -> Vec<Vec<String>> {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?}"));
    text[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            let l = l.replace("\\|", "\u{1}");
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().replace('`', "").replace('\u{1}', "|"))
                .collect()
        })
        .collect()
}

fn contract() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/contract.md")).unwrap()
}

#[test]
fn man_page_attributes_are_those_of_the_contract() {
    let rows = table_rows(&contract(), "### 5.1 Node attributes");
    let page: Vec<Vec<String>> = pgsql::manpage::ATTRIBUTES
        .iter()
        .map(|(a, l, v)| vec![a.to_string(), l.to_string(), v.to_string()])
        .collect();
    assert_eq!(
        page, rows,
        "src/manpage/text.rs ATTRIBUTES differ from docs/contract.md §5.1"
    );
}

#[test]
fn man_page_files_are_those_of_the_contract() {
    let rows = table_rows(&contract(), "## 6 Files");
    let files: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let page: Vec<&str> = pgsql::manpage::FILES.iter().map(|(f, _)| *f).collect();
    assert_eq!(
        page, files,
        "src/manpage/text.rs FILES differ from docs/contract.md §6"
    );
}

#[test]
fn exit_code_meanings_are_those_of_the_contract() {
    let rows = table_rows(&contract(), "### 1.3 Exit codes");
    assert_eq!(rows.len(), 10);
    for (s, row) in pgsql::ocf::OcfStatus::ALL.iter().zip(&rows) {
        assert_eq!(
            [s.code().to_string().as_str(), s.name(), s.meaning()],
            [row[0].as_str(), row[1].as_str(), row[2].as_str()]
        );
    }
}

/// packaging/build.sh refuses a version without a section in CHANGELOG.md; so does this test.
#[test]
fn changelog_has_a_section_for_this_version() {
    let log =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/CHANGELOG.md")).unwrap();
    let heading = format!("\n## {} (", env!("CARGO_PKG_VERSION"));
    assert!(log.contains(&heading), "CHANGELOG.md has no {heading:?}");
}
