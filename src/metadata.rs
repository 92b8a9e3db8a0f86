//! `meta-data` and `methods`: the XML is rendered from the parameter
//! table, with the reference agent's action list and timeouts.
//! Contract: docs/contract.md §1.1, §2.

use std::fmt::Write;

use crate::ocf::Action;
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

/// One action the meta-data advertises, with the timeout (and interval, role) it suggests.
#[derive(Debug, Clone, Copy)]
pub struct Advertised {
    /// The action.
    pub action: Action,
    /// Suggested timeout, as the meta-data writes it (`120s`).
    pub timeout: &'static str,
    /// Suggested interval of a recurring monitor.
    pub interval: Option<&'static str>,
    /// The role a recurring monitor is for (`Promoted`).
    pub role: Option<&'static str>,
}

const fn adv(action: Action, timeout: &'static str) -> Advertised {
    Advertised {
        action,
        timeout,
        interval: None,
        role: None,
    }
}

/// Every advertised action, as the reference agent lists them (the man page lists them too).
pub const ACTIONS: &[Advertised] = &[
    adv(Action::Start, "120s"),
    adv(Action::Stop, "120s"),
    adv(Action::Status, "60s"),
    Advertised {
        interval: Some("30s"),
        ..adv(Action::Monitor, "30s")
    },
    Advertised {
        interval: Some("29s"),
        role: Some("Promoted"),
        ..adv(Action::Monitor, "30s")
    },
    adv(Action::Promote, "120s"),
    adv(Action::Demote, "120s"),
    adv(Action::Notify, "90s"),
    adv(Action::MetaData, "5s"),
    adv(Action::ValidateAll, "5s"),
    adv(Action::Methods, "5s"),
];

/// The agent's one-line description (meta-data `shortdesc`, the man page's NAME line).
pub const SHORTDESC: &str = "Manages a PostgreSQL database instance";

/// The agent's description (meta-data `longdesc`, the man page's DESCRIPTION).
pub const LONGDESC: &str = "Manages a PostgreSQL server: a single instance (rep_mode=none), a plain \
standby (rep_mode=slave), or a promotable clone with streaming replication (rep_mode=async or sync) \
that keeps the node attributes <resource>-status, <resource>-data-status, \
<resource>-xlog-loc, <resource>-master-baseline and the promotion score. \
Compatible with the configuration of the pgsql agent it replaces.";

/// The `meta-data` XML: the agent description, every parameter and every action.
pub fn render() -> String {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\"?>\n");
    x.push_str("<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n");
    // the agent's version is the attribute; the <version> element is the OCF API's
    x.push_str("<resource-agent name=\"pgsql\" version=\"");
    x.push_str(env!("CARGO_PKG_VERSION"));
    x.push_str("\">\n<version>1.0</version>\n\n");
    let _ = write!(
        x,
        "<longdesc lang=\"en\">\n{}\n</longdesc>\n<shortdesc lang=\"en\">{}</shortdesc>\n\n<parameters>\n",
        xml_escape(LONGDESC),
        xml_escape(SHORTDESC)
    );
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
    for a in ACTIONS {
        let _ = write!(x, "<action name=\"{}\" timeout=\"{}\"", a.action, a.timeout);
        if let Some(interval) = a.interval {
            let _ = write!(x, " depth=\"0\" interval=\"{interval}\"");
        }
        if let Some(role) = a.role {
            let _ = write!(x, " role=\"{role}\"");
        }
        x.push_str(" />\n");
    }
    x.push_str("</actions>\n</resource-agent>\n");
    x
}

/// The actions `methods` lists, one per line.
pub fn methods() -> String {
    let mut s = String::new();
    for a in Action::ALL {
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
        // the agent's version (Cargo.toml's, which the packages carry too) is the attribute;
        // <version> is the OCF API version, as OCF 1.1 defines it
        let version = env!("CARGO_PKG_VERSION");
        assert!(x.contains(&format!(
            "<resource-agent name=\"pgsql\" version=\"{version}\">\n<version>1.0</version>"
        )));
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
