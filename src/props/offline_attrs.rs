//! Properties of `cluster::snapshot::merge_offline_node_attributes`, the reader of
//! `cibadmin --query --scope=nodes`: it never panics, leaves the view untouched when the
//! XML does not parse, and adds to each offline node of the view exactly the permanent
//! attributes it lacks (the first nvpair of a name wins; online nodes, promoted nodes
//! and the node set are never changed).
//! Contract: docs/contract.md §5.1, §5.2.

use proptest::prelude::*;

use super::{config, edits, leaf, lossy_bytes, mutate, node_name, text, xml_attr, CASES};
use crate::cluster::snapshot::merge_offline_node_attributes;
use crate::replication::ClusterView;

/// One `<nvpair>` (name and value may be missing).
type Pair = (Option<String>, Option<String>);

/// One `<node>` of the CIB: uname, then its attribute sets (`true`: instance_attributes,
/// `false`: utilization, which must be ignored).
#[derive(Debug, Clone)]
struct CibNode {
    uname: Option<String>,
    sets: Vec<(bool, Vec<Pair>)>,
}

/// The CIB nodes document; `wrapped` puts `<nodes>` inside `<cib><configuration>`.
#[derive(Debug, Clone)]
struct CibDoc {
    nodes: Vec<CibNode>,
    wrapped: bool,
}

const KEYS: &[&str] = &["pgsql-data-status", "master-pgsql", "pgsql-status"];
const VALUES: &[&str] = &["DISCONNECT", "LATEST", "STREAMING|ASYNC", ""];

fn cib_doc() -> impl Strategy<Value = CibDoc> {
    let set = (
        prop::bool::weighted(0.8),
        prop::collection::vec((leaf(KEYS, 6, 6), leaf(VALUES, 8, 6)), 0..4),
    );
    let node = (node_name(7), prop::collection::vec(set, 0..3))
        .prop_map(|(uname, sets)| CibNode { uname, sets });
    (prop::collection::vec(node, 0..5), any::<bool>())
        .prop_map(|(nodes, wrapped)| CibDoc { nodes, wrapped })
}

fn render(d: &CibDoc) -> String {
    let mut x = String::new();
    if d.wrapped {
        x.push_str("<cib epoch=\"5\"><configuration>");
    }
    x.push_str("<nodes>\n");
    for (i, n) in d.nodes.iter().enumerate() {
        x.push_str(&format!("  <node id=\"{i}\""));
        if let Some(u) = &n.uname {
            x.push_str(&format!(" uname=\"{}\"", xml_attr(u)));
        }
        x.push_str(">\n");
        for (j, (instance, pairs)) in n.sets.iter().enumerate() {
            let tag = if *instance {
                "instance_attributes"
            } else {
                "utilization"
            };
            x.push_str(&format!("    <{tag} id=\"nodes-{i}-{j}\">\n"));
            for (k, v) in pairs {
                x.push_str("      <nvpair id=\"p\"");
                if let Some(k) = k {
                    x.push_str(&format!(" name=\"{}\"", xml_attr(k)));
                }
                if let Some(v) = v {
                    x.push_str(&format!(" value=\"{}\"", xml_attr(v)));
                }
                x.push_str("/>\n");
            }
            x.push_str(&format!("    </{tag}>\n"));
        }
        x.push_str("  </node>\n");
    }
    x.push_str("</nodes>\n");
    if d.wrapped {
        x.push_str("</configuration><status/></cib>");
    }
    x
}

/// The view after the merge, computed from the generated parts.
fn expected(view: &ClusterView, d: &CibDoc) -> ClusterView {
    let mut v = view.clone();
    for n in &d.nodes {
        let Some(name) = n.uname.as_ref().map(|u| u.to_lowercase()) else {
            continue;
        };
        let Some(entry) = v.nodes.get_mut(&name) else {
            continue;
        };
        if entry.online {
            continue;
        }
        for (k, val) in n
            .sets
            .iter()
            .filter(|(instance, _)| *instance)
            .flat_map(|(_, pairs)| pairs)
        {
            if let (Some(k), Some(val)) = (k, val) {
                entry.attrs.entry(k.clone()).or_insert_with(|| val.clone());
            }
        }
    }
    v
}

/// A view as crm_mon's snapshot makes it (the generator of the crm_mon properties).
fn view() -> impl Strategy<Value = ClusterView> {
    super::snapshot::doc().prop_map(|d| super::snapshot::expected(&d))
}

proptest! {
    #![proptest_config(config(CASES))]

    /// One view and one CIB document per case: merged as generated, then edited at a
    /// few places (a document that no longer parses leaves the view alone).
    #[test]
    fn offline_nodes_gain_missing_permanent_attributes(
        v in view(), d in cib_doc(), e in edits(3)
    ) {
        let xml = render(&d);
        let mut got = v.clone();
        let r = merge_offline_node_attributes(&mut got, &xml);
        prop_assert!(r.is_ok(), "{:?} for\n{}", r, xml);
        prop_assert_eq!(&got, &expected(&v, &d), "document:\n{}", xml);
        prop_assert!(got.nodes.keys().eq(v.nodes.keys()));
        for (name, n) in &v.nodes {
            if n.online {
                prop_assert_eq!(&got.nodes[name], n);
            }
            for (k, val) in &n.attrs {
                prop_assert_eq!(got.nodes[name].attrs.get(k), Some(val));
            }
        }
        prop_assert_eq!(&got.promoted, &v.promoted);

        let mut again = v.clone();
        if merge_offline_node_attributes(&mut again, &mutate(&xml, &e)).is_err() {
            prop_assert_eq!(&again, &v);
        }
        prop_assert!(again.nodes.keys().eq(v.nodes.keys()));
    }

    #[test]
    fn arbitrary_input_never_panics(v in view(), s in text(48), b in lossy_bytes(48)) {
        for input in [s, b] {
            let mut got = v.clone();
            if merge_offline_node_attributes(&mut got, &input).is_err() {
                prop_assert_eq!(&got, &v);
            }
            prop_assert!(got.nodes.keys().eq(v.nodes.keys()));
        }
    }
}
