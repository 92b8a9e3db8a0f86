//! The README's parameter table is generated from the parameter table in src/params.rs;
//! this test keeps the two equal (`UPDATE_DOCS=1 cargo test --test blackbox docs::` rewrites it).

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
