//! Properties of `cluster::snapshot::parse`, the reader of `crm_mon -1 --output-as=xml`:
//! it never panics on any input, and a generated document in crm_mon's shape comes back
//! as generated: node names lowercased, online flags, node attributes (the last one
//! wins) and the nodes where the resource runs promoted, in document order.
//! Contract: docs/contract.md §5.1, §7.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::{config, edits, leaf, lossy_bytes, mutate, node_name, text, xml_attr, CASES};
use crate::cluster::snapshot::parse;
use crate::replication::{ClusterView, NodeView};

/// One `<node>` of `<nodes>`: its name (absent: skipped) and `online` text.
#[derive(Debug, Clone)]
struct Node {
    name: Option<String>,
    online: Option<&'static str>,
}

/// One `<node>` of `<node_attributes>` and its `<attribute name value>` children.
#[derive(Debug, Clone)]
struct AttrNode {
    name: Option<String>,
    attrs: Vec<(Option<String>, Option<String>)>,
}

/// One `<resource>`: id, role, the nodes it runs on, and the element it sits in.
#[derive(Debug, Clone)]
struct Resource {
    id: String,
    role: Option<&'static str>,
    on: Vec<String>,
    wrapper: Option<&'static str>,
}

/// A whole crm_mon document for resource `rsc`.
#[derive(Debug, Clone)]
pub(super) struct Doc {
    pub(super) rsc: String,
    nodes: Vec<Node>,
    attr_nodes: Option<Vec<AttrNode>>,
    resources: Option<Vec<Resource>>,
    noise: bool,
}

const RSC: &[&str] = &["pgsql", "pg", "db-1", "x_y"];

const ONLINE: &[Option<&str>] = &[
    Some("true"),
    Some("false"),
    Some("TRUE"),
    Some("1"),
    Some(""),
    None,
];

fn node() -> impl Strategy<Value = Node> {
    (node_name(9), prop::sample::select(ONLINE)).prop_map(|(name, online)| Node { name, online })
}

const KEYS: &[&str] = &[
    "master-pgsql",
    "pgsql-status",
    "pgsql-data-status",
    "pgsql-xlog-loc",
    "pgsql-receiver-status",
    "#health",
];

const VALUES: &[&str] = &[
    "1000",
    "-INFINITY",
    "PRI",
    "HS:sync",
    "STREAMING|SYNC",
    "0000000005000060",
    "",
    " padded ",
];

fn attr_node() -> impl Strategy<Value = AttrNode> {
    (
        node_name(9),
        prop::collection::vec((leaf(KEYS, 8, 7), leaf(VALUES, 10, 7)), 0..4),
    )
        .prop_map(|(name, attrs)| AttrNode { name, attrs })
}

const IDS: &[&str] = &[
    "pgsql", "pgsql:0", "pgsql:1", "pg", "pg:2", "db-1", "x_y:0:1", "pgsqlx", "vip", "",
];

const ROLES: &[Option<&str>] = &[
    Some("Promoted"),
    Some("Master"),
    Some("Unpromoted"),
    Some("Slave"),
    Some("Started"),
    Some("promoted"),
    None,
];

const WRAPPERS: &[Option<&str>] = &[None, Some("clone"), Some("group"), Some("bundle")];

fn resource() -> impl Strategy<Value = Resource> {
    (
        prop::sample::select(IDS),
        prop::sample::select(ROLES),
        prop::collection::vec(node_name(0), 0..3),
        prop::sample::select(WRAPPERS),
    )
        .prop_map(|(id, role, on, wrapper)| Resource {
            id: id.to_string(),
            role,
            on: on.into_iter().flatten().collect(),
            wrapper,
        })
}

pub(super) fn doc() -> impl Strategy<Value = Doc> {
    (
        prop::sample::select(RSC),
        prop::collection::vec(node(), 0..5),
        prop::option::weighted(0.8, prop::collection::vec(attr_node(), 0..4)),
        prop::option::weighted(0.8, prop::collection::vec(resource(), 0..4)),
        any::<bool>(),
    )
        .prop_map(|(rsc, nodes, attr_nodes, resources, noise)| Doc {
            rsc: rsc.to_string(),
            nodes,
            attr_nodes,
            resources,
            noise,
        })
}

fn attr(out: &mut String, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        out.push_str(&format!(" {key}=\"{}\"", xml_attr(v)));
    }
}

/// The document as crm_mon writes it (plus comments and unknown elements when `noise`).
pub(super) fn render(d: &Doc) -> String {
    let mut x = String::from("<?xml version=\"1.0\"?>\n<pacemaker-result api-version=\"2.25\" request=\"crm_mon -1 --output-as=xml\">\n");
    if d.noise {
        x.push_str("  <!-- <nodes><node name=\"ghost\" online=\"true\"/></nodes> -->\n  <summary><nodes_configured number=\"3\"/></summary>\n");
    }
    x.push_str("  <nodes>\n");
    for (i, n) in d.nodes.iter().enumerate() {
        x.push_str("    <node");
        attr(&mut x, "name", n.name.as_deref());
        x.push_str(&format!(" id=\"{i}\""));
        attr(&mut x, "online", n.online);
        x.push_str(" standby=\"false\" type=\"member\"/>\n");
    }
    x.push_str("  </nodes>\n");
    if let Some(resources) = &d.resources {
        x.push_str("  <resources>\n");
        for r in resources {
            if let Some(w) = r.wrapper {
                x.push_str(&format!("    <{w} id=\"{}-{w}\">\n", xml_attr(&r.id)));
            }
            x.push_str("      <resource");
            attr(&mut x, "id", Some(&r.id));
            x.push_str(" resource_agent=\"ocf:pgsqlrs:pgsql\"");
            attr(&mut x, "role", r.role);
            x.push_str(" active=\"true\">\n");
            for n in &r.on {
                x.push_str("        <node");
                attr(&mut x, "name", Some(n));
                x.push_str(" id=\"1\" cached=\"true\"/>\n");
            }
            x.push_str("      </resource>\n");
            if let Some(w) = r.wrapper {
                x.push_str(&format!("    </{w}>\n"));
            }
        }
        x.push_str("  </resources>\n");
    }
    if let Some(attr_nodes) = &d.attr_nodes {
        x.push_str("  <node_attributes>\n");
        for n in attr_nodes {
            x.push_str("    <node");
            attr(&mut x, "name", n.name.as_deref());
            x.push_str(">\n");
            for (k, v) in &n.attrs {
                x.push_str("      <attribute");
                attr(&mut x, "name", k.as_deref());
                attr(&mut x, "value", v.as_deref());
                x.push_str("/>\n");
            }
            if d.noise {
                x.push_str("      <other name=\"not-an-attribute\" value=\"x\"/>\n");
            }
            x.push_str("    </node>\n");
        }
        x.push_str("  </node_attributes>\n");
    }
    x.push_str("  <status code=\"0\" message=\"OK\"/>\n</pacemaker-result>\n");
    x
}

/// What `parse` must make of the document, computed from the generated parts.
pub(super) fn expected(d: &Doc) -> ClusterView {
    let mut nodes: BTreeMap<String, NodeView> = BTreeMap::new();
    for n in &d.nodes {
        if let Some(name) = &n.name {
            let online = n.online == Some("true");
            nodes.insert(
                name.to_lowercase(),
                NodeView {
                    online,
                    attrs: BTreeMap::new(),
                },
            );
        }
    }
    for n in d.attr_nodes.iter().flatten() {
        let Some(name) = &n.name else { continue };
        let entry = nodes.entry(name.to_lowercase()).or_default();
        for (k, v) in &n.attrs {
            if let (Some(k), Some(v)) = (k, v) {
                entry.attrs.insert(k.clone(), v.clone());
            }
        }
    }
    let ours = |id: &str| id == d.rsc || id.starts_with(&format!("{}:", d.rsc));
    let promoted = d
        .resources
        .iter()
        .flatten()
        .filter(|r| ours(&r.id) && matches!(r.role, Some("Promoted" | "Master")))
        .flat_map(|r| r.on.iter().map(|n| n.to_lowercase()))
        .collect();
    ClusterView {
        rsc: d.rsc.clone(),
        nodes,
        promoted,
    }
}

/// What holds for any view `parse` returns: keys and promoted names are lowercase.
fn well_formed(v: &ClusterView, rsc: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(&v.rsc, rsc);
    for k in v.nodes.keys().chain(v.promoted.iter()) {
        prop_assert_eq!(&k.to_lowercase(), k);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(CASES))]

    /// One document per case, checked three ways: as generated, without its `<nodes>`
    /// element, and edited at a few places.
    #[test]
    fn generated_documents_round_trip(d in doc(), e in edits(3)) {
        let xml = render(&d);
        let got = parse(&xml, &d.rsc);
        prop_assert!(got.is_ok(), "{:?} for\n{}", got, xml);
        prop_assert_eq!(got.unwrap(), expected(&d), "document:\n{}", xml);

        let renamed = xml.replace("<nodes>", "<nodez>").replace("</nodes>", "</nodez>");
        prop_assert!(parse(&renamed, &d.rsc).is_err());

        let mutated = mutate(&xml, &e);
        if let Ok(v) = parse(&mutated, &d.rsc) {
            well_formed(&v, &d.rsc)?;
        }
    }

    #[test]
    fn arbitrary_input_never_panics(s in text(64), b in lossy_bytes(64), rsc in text(6)) {
        for input in [&s, &b] {
            if let Ok(v) = parse(input, &rsc) {
                well_formed(&v, &rsc)?;
            }
        }
        let wrapped = format!("<r><nodes>{s}</nodes><node_attributes>{b}</node_attributes></r>");
        if let Ok(v) = parse(&wrapped, &rsc) {
            well_formed(&v, &rsc)?;
        }
    }
}
