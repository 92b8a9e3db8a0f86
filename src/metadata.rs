//! `meta-data` and `methods`: the XML is rendered from the parameter
//! table, with the reference agent's action list and timeouts.
//! Contract: docs/contract.md §1.1, §2.

use std::fmt::Write;

use crate::params::PARAMS;

/// Escapes text for XML element content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// (name, timeout, extra attributes) of every advertised action, as the reference agent lists them.
const ACTIONS: &[(&str, &str, &str)] = &[
    ("start", "120s", ""),
    ("stop", "120s", ""),
    ("status", "60s", ""),
    ("monitor", "30s", r#" depth="0" interval="30s""#),
    (
        "monitor",
        "30s",
        r#" depth="0" interval="29s" role="Promoted""#,
    ),
    ("promote", "120s", ""),
    ("demote", "120s", ""),
    ("notify", "90s", ""),
    ("meta-data", "5s", ""),
    ("validate-all", "5s", ""),
    ("methods", "5s", ""),
];

/// The `meta-data` XML: the agent description, every parameter and every action.
pub fn render() -> String {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\"?>\n");
    x.push_str("<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n");
    x.push_str("<resource-agent name=\"pgsql\" version=\"");
    x.push_str(env!("CARGO_PKG_VERSION"));
    x.push_str("\">\n<version>1.0</version>\n\n");
    x.push_str(
        "<longdesc lang=\"en\">\nManages a PostgreSQL server: a single instance (rep_mode=none), a plain \
standby (rep_mode=slave), or a promotable clone with streaming replication (rep_mode=async or sync) \
that keeps the node attributes &lt;resource&gt;-status, &lt;resource&gt;-data-status, \
&lt;resource&gt;-xlog-loc, &lt;resource&gt;-master-baseline and the promotion score. \
Compatible with the configuration of the pgsql agent it replaces.\n</longdesc>\n",
    );
    x.push_str("<shortdesc lang=\"en\">Manages a PostgreSQL database instance</shortdesc>\n\n<parameters>\n");
    for p in PARAMS {
        let _ = write!(
            x,
            "<parameter name=\"{}\" unique=\"0\" required=\"0\">\n<longdesc lang=\"en\">\n{}\n</longdesc>\n\
<shortdesc lang=\"en\">{}</shortdesc>\n<content type=\"{}\" default=\"{}\" />\n</parameter>\n\n",
            p.name,
            xml_escape(p.longdesc),
            xml_escape(p.shortdesc),
            p.kind.ocf_name(),
            xml_escape(p.default)
        );
    }
    x.push_str("</parameters>\n\n<actions>\n");
    for (name, timeout, extra) in ACTIONS {
        let _ = writeln!(x, "<action name=\"{name}\" timeout=\"{timeout}\"{extra} />");
    }
    x.push_str("</actions>\n</resource-agent>\n");
    x
}

/// The actions `methods` lists, one per line.
pub fn methods() -> String {
    let mut s = String::new();
    for a in crate::ocf::Action::ALL {
        s.push_str(a.name());
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_and_action_is_listed() {
        let x = render();
        for p in PARAMS {
            assert!(
                x.contains(&format!("<parameter name=\"{}\"", p.name)),
                "{}",
                p.name
            );
        }
        for a in crate::ocf::Action::ALL {
            assert!(x.contains(&format!("<action name=\"{}\"", a.name())), "{a}");
        }
        assert!(x.contains(r#"<content type="string" default="select now();" />"#));
        assert!(x.contains(r#"<content type="integer" default="5432" />"#));
        assert!(x.contains(r#"<content type="boolean" default="false" />"#));
        assert!(!x.contains("<<"));
    }

    #[test]
    fn checked_in_copy_matches() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ocf-metadata/pgsql.xml");
        let file = std::fs::read_to_string(path).expect("ocf-metadata/pgsql.xml");
        assert!(
            file == render(),
            "ocf-metadata/pgsql.xml is stale: run `cargo run -q -- meta-data > ocf-metadata/pgsql.xml`"
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(
            xml_escape(r#"<a & "b">'"#),
            "&lt;a &amp; &quot;b&quot;&gt;&apos;"
        );
    }
}
