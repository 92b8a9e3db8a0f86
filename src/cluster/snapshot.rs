//! One snapshot of the cluster per action, parsed from `crm_mon -1 --output-as=xml`:
//! nodes (online or not), where instances of the resource run promoted (`Promoted`, or the
//! older `Master` spelling), and every node attribute, transient and permanent.
//! Contract: docs/contract.md §5.1, §7.

use crate::replication::{ClusterView, NodeView};

/// crm_mon's output is not XML or lacks what the snapshot needs; says what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("cannot read crm_mon output: {0}")]
pub struct SnapshotError(pub String);

/// A clone instance's id without its `:<n>` suffix (the primitive's id).
pub(crate) fn strip_instance(id: &str) -> &str {
    id.split(':').next().unwrap_or(id)
}

/// Builds the view of resource `rsc` from crm_mon's XML.
pub fn parse(xml: &str, rsc: &str) -> Result<ClusterView, SnapshotError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| SnapshotError(e.to_string()))?;
    let root = doc.root_element();
    let mut view = ClusterView {
        rsc: rsc.to_string(),
        ..Default::default()
    };
    let child = |name: &str| root.children().find(|n| n.has_tag_name(name));
    let nodes = child("nodes").ok_or_else(|| SnapshotError("no <nodes> element".into()))?;
    for n in nodes.children().filter(|n| n.has_tag_name("node")) {
        let Some(name) = n.attribute("name") else {
            continue;
        };
        view.nodes.insert(
            name.to_lowercase(),
            NodeView {
                online: n.attribute("online") == Some("true"),
                attrs: Default::default(),
            },
        );
    }
    if let Some(attrs) = child("node_attributes") {
        for n in attrs.children().filter(|n| n.has_tag_name("node")) {
            let Some(name) = n.attribute("name") else {
                continue;
            };
            let entry = view.nodes.entry(name.to_lowercase()).or_default();
            for a in n.children().filter(|a| a.has_tag_name("attribute")) {
                if let (Some(k), Some(v)) = (a.attribute("name"), a.attribute("value")) {
                    entry.attrs.insert(k.to_string(), v.to_string());
                }
            }
        }
    }
    if let Some(resources) = child("resources") {
        for r in resources
            .descendants()
            .filter(|r| r.has_tag_name("resource"))
            .filter(|r| r.attribute("id").map(strip_instance) == Some(rsc))
            .filter(|r| matches!(r.attribute("role"), Some("Promoted") | Some("Master")))
        {
            for n in r.children().filter(|n| n.has_tag_name("node")) {
                if let Some(name) = n.attribute("name") {
                    view.promoted.push(name.to_lowercase());
                }
            }
        }
    }
    Ok(view)
}

/// Adds the permanent attributes of offline nodes from `cibadmin --query --scope=nodes`
/// (crm_mon lists attributes of online nodes only), so writes to them stay "on change".
pub fn merge_offline_node_attributes(
    view: &mut ClusterView,
    nodes_xml: &str,
) -> Result<(), SnapshotError> {
    let doc = roxmltree::Document::parse(nodes_xml).map_err(|e| SnapshotError(e.to_string()))?;
    for n in doc.descendants().filter(|n| n.has_tag_name("node")) {
        let Some(name) = n.attribute("uname").map(str::to_lowercase) else {
            continue;
        };
        let Some(entry) = view.nodes.get_mut(&name).filter(|e| !e.online) else {
            continue;
        };
        for nv in n
            .children()
            .filter(|c| c.has_tag_name("instance_attributes"))
            .flat_map(|ia| ia.children().filter(|c| c.has_tag_name("nvpair")))
        {
            if let (Some(k), Some(v)) = (nv.attribute("name"), nv.attribute("value")) {
                entry
                    .attrs
                    .entry(k.to_string())
                    .or_insert_with(|| v.to_string());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::Attr;

    const XML: &str = r#"<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">
  <nodes>
    <node name="Node1" id="1" online="true" standby="false" type="member"/>
    <node name="node2" id="2" online="false" standby="false" type="member"/>
  </nodes>
  <resources>
    <clone id="pgsql-clone" multi_state="true" unique="false">
      <resource id="pgsql" resource_agent="ocf:pgsqlrs:pgsql" role="Promoted" active="true" nodes_running_on="1">
        <node name="Node1" id="1" cached="true"/>
      </resource>
      <resource id="pgsql" resource_agent="ocf:pgsqlrs:pgsql" role="Stopped" active="false" nodes_running_on="0"/>
    </clone>
    <resource id="vip" resource_agent="ocf:heartbeat:IPaddr2" role="Started" nodes_running_on="1">
      <node name="Node1" id="1" cached="true"/>
    </resource>
  </resources>
  <node_attributes>
    <node name="Node1">
      <attribute name="master-pgsql" value="1000"/>
      <attribute name="pgsql-data-status" value="LATEST"/>
      <attribute name="pgsql-status" value="PRI"/>
    </node>
    <node name="node2">
      <attribute name="pgsql-data-status" value="DISCONNECT"/>
    </node>
  </node_attributes>
  <status code="0" message="OK"/>
</pacemaker-result>"#;

    #[test]
    fn parses_nodes_roles_and_attributes() {
        let v = parse(XML, "pgsql").unwrap();
        assert_eq!(v.promoted, vec!["node1"]);
        assert!(v.online("node1") && !v.online("node2") && v.exists("node2"));
        assert_eq!(v.get("node1", Attr::Score), Some("1000"));
        assert_eq!(v.get("node1", Attr::Status), Some("PRI"));
        assert_eq!(v.get("node2", Attr::DataStatus), Some("DISCONNECT"));
        assert_eq!(v.get("node2", Attr::Status), None);
    }

    #[test]
    fn old_master_spelling_and_instance_suffix() {
        let xml = XML.replace("role=\"Promoted\"", "role=\"Master\"").replace(
            "id=\"pgsql\" resource_agent=\"ocf:pgsqlrs:pgsql\" role=\"Master\"",
            "id=\"pgsql:0\" resource_agent=\"ocf:pgsqlrs:pgsql\" role=\"Master\"",
        );
        let v = parse(&xml, "pgsql").unwrap();
        assert_eq!(v.promoted, vec!["node1"]);
        let v = parse(XML, "other").unwrap();
        assert!(v.promoted.is_empty());
    }

    #[test]
    fn offline_nodes_get_their_permanent_attributes() {
        let mut v = parse(XML, "pgsql").unwrap();
        v.nodes.get_mut("node2").unwrap().attrs.clear();
        let nodes = r#"<nodes>
  <node id="1" uname="node1"><instance_attributes id="nodes-1"><nvpair id="nodes-1-pgsql-data-status" name="pgsql-data-status" value="STALE"/></instance_attributes></node>
  <node id="2" uname="node2"><instance_attributes id="nodes-2"><nvpair id="nodes-2-pgsql-data-status" name="pgsql-data-status" value="DISCONNECT"/></instance_attributes></node>
</nodes>"#;
        merge_offline_node_attributes(&mut v, nodes).unwrap();
        assert_eq!(v.get("node2", Attr::DataStatus), Some("DISCONNECT"));
        // online nodes keep what crm_mon said
        assert_eq!(v.get("node1", Attr::DataStatus), Some("LATEST"));
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse("not xml", "pgsql").is_err());
        assert!(parse("<pacemaker-result/>", "pgsql").is_err());
    }
}
