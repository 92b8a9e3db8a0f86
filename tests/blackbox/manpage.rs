//! The manual page `ocf_<provider>_pgsql(7)` as `pgsql-manpage` prints it at build time:
//! every parameter of src/params.rs, action and exit code on it; the provider naming it;
//! `man -l` and `groff -ww` rendering it without a warning.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

static N: AtomicUsize = AtomicUsize::new(0);

use pgsql::ocf::{Action, OcfStatus};
use pgsql::params::PARAMS;

fn manpage(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_pgsql-manpage"))
        .args(args)
        .output()
        .expect("run pgsql-manpage");
    assert!(out.status.success(), "pgsql-manpage {args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("the page is UTF-8 (ASCII)")
}

/// The page as `man` shows it in 80 columns, without the formatting: one word per item.
fn rendered(page: &str) -> (String, String) {
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("pgsql-manpage-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ocf_pgsqlrs_pgsql.7");
    std::fs::write(&file, page).unwrap();
    let out = tool(
        "man",
        Command::new("man")
            .arg("-l")
            .arg(&file)
            .env("MANWIDTH", "80")
            .env("MAN_KEEP_FORMATTING", ""),
    );
    let _ = std::fs::remove_dir_all(&dir);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tool(name: &str, cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| {
        panic!("{name}: {e}: apt-get install man-db groff-base (packaging/deps.sh does it)")
    })
}

#[test]
fn the_page_lists_every_parameter_action_and_exit_code() {
    let page = manpage(&[]);
    let (text, _) = rendered(&page);
    let section = |from: &str, to: &str| -> String {
        let start = text
            .find(&format!("\n{from}\n"))
            .unwrap_or_else(|| panic!("no {from} in\n{text}"));
        let rest = &text[start + from.len() + 2..];
        format!(
            "\n{}",
            &rest[..rest.find(&format!("\n{to}\n")).unwrap_or(rest.len())]
        )
    };
    let params = section("SUPPORTED PARAMETERS", "SUPPORTED ACTIONS");
    for p in PARAMS {
        let kind = p.kind.ocf_name();
        let default = if p.default.is_empty() {
            "no default".to_string()
        } else {
            format!("default \"{}\"", p.default)
        };
        let head = format!("\n       {} (optional, {kind}, {default})\n", p.name);
        assert!(
            params.contains(&head),
            "{} is not on the page as {head:?}:\n{params}",
            p.name
        );
        let flat = params.split_whitespace().collect::<Vec<_>>().join(" ");
        let desc = p.longdesc.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(&desc),
            "{}'s description is not on the page",
            p.name
        );
    }
    let names = params
        .lines()
        .filter(|l| l.starts_with("       ") && !l.starts_with("        "))
        .count();
    assert_eq!(
        names,
        PARAMS.len() + 2,
        "one entry per parameter, nothing else (plus the two lines of the intro):\n{params}"
    );
    let actions = section("SUPPORTED ACTIONS", "EXIT STATUS");
    for a in Action::ALL {
        assert!(
            actions.contains(&format!("\n       {}", a.name())),
            "action {a}"
        );
    }
    let codes = section("EXIT STATUS", "NODE ATTRIBUTES");
    for s in OcfStatus::ALL {
        assert!(
            codes.contains(&format!("\n       {} {}\n", s.code(), s.name())),
            "{s}"
        );
    }
    for s in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "NODE ATTRIBUTES",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
        "SEE ALSO",
    ] {
        assert!(text.contains(&format!("\n{s}\n")), "section {s}");
    }
    assert!(
        text.contains("pcs resource create pgsql ocf:pgsqlrs:pgsql")
            && text.contains("primitive pgsql ocf:pgsqlrs:pgsql"),
        "pcs and crmsh examples"
    );
    assert!(
        text.contains(&format!("pgsql {}", env!("CARGO_PKG_VERSION"))),
        "the version in the footer"
    );
}

#[test]
fn man_and_groff_render_it_without_a_warning() {
    let long = "/usr/share/doc/resource-agents-pgsqlrs-linuxhajp";
    for args in [
        vec![
            "--date",
            "2026-12-02",
            "--docdir",
            "/usr/share/doc/resource-agents-pgsqlrs",
        ],
        vec!["--provider", "linuxhajp", "--docdir", long],
    ] {
        check_rendering(&manpage(&args), &args);
    }
}

fn check_rendering(page: &str, args: &[&str]) {
    let (text, warnings) = rendered(page);
    assert!(warnings.is_empty(), "{args:?}: man -l warns:\n{warnings}");
    assert!(
        text.lines().all(|l| l.chars().count() <= 80),
        "{args:?}: a line wider than 80 columns:\n{text}"
    );
    let mut groff = Command::new("groff");
    groff
        .args(["-man", "-ww", "-z"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = groff.spawn().unwrap_or_else(|e| {
        panic!("groff: {e}: apt-get install groff-base (packaging/deps.sh does it)")
    });
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{args:?}: groff -man -ww -z:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if Path::new("/usr/bin/lexgrog").exists() {
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("pgsql-lexgrog-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("page.7");
        std::fs::write(&file, page).unwrap();
        let out = tool("lexgrog", Command::new("lexgrog").arg(&file));
        let _ = std::fs::remove_dir_all(&dir);
        let whatis = String::from_utf8_lossy(&out.stdout);
        assert!(
            whatis.contains("_pgsql - Manages a PostgreSQL database instance\""),
            "{args:?}: whatis entry: {whatis}"
        );
    }
}

#[test]
fn the_provider_names_the_page() {
    let page = manpage(&["--provider", "linuxhajp"]);
    assert!(page.contains(".TH \"OCF_LINUXHAJP_PGSQL\" \"7\""));
    assert!(page.contains("\n.SH NAME\nocf_linuxhajp_pgsql \\- "));
    assert!(page.contains("ocf:linuxhajp:pgsql") && !page.contains("pgsqlrs"));
    let bad = Command::new(env!("CARGO_BIN_EXE_pgsql-manpage"))
        .args(["--provider", "a/b"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert!(bad.stdout.is_empty());
}
