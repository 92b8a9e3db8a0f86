//! `pgsql show` reads the resource from the CIB (docs/contract.md §10.1): the clones in
//! `cibadmin --query --scope=resources` whose primitive is an OCF `pgsql` agent (any
//! provider: this agent or the shell one it replaces), with the primitive's instance
//! attributes, which are the agent's parameters.

/// One clone of a `pgsql` primitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// The clone's id (what `crm_resource -r` takes).
    pub clone: String,
    /// The primitive's id: `<rsc>` of the node attributes.
    pub primitive: String,
    /// `ocf:<provider>:pgsql`.
    pub agent: String,
    /// The instance attributes in CIB order (the first of a name wins).
    pub params: Vec<(String, String)>,
}

impl Resource {
    /// The parameter `name` as the CIB sets it (`None` when unset or empty: the default).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// Every clone (or old-style `master`) holding an `ocf:*:pgsql` primitive.
pub fn resources(xml: &str) -> Result<Vec<Resource>, String> {
    let doc = match roxmltree::Document::parse(xml) {
        Ok(doc) => doc,
        Err(e) => return Err(format!("cannot read cibadmin output: {e}")),
    };
    let mut out = Vec::new();
    for clone in doc
        .descendants()
        .filter(|n| n.has_tag_name("clone") || n.has_tag_name("master"))
    {
        let Some(clone_id) = clone.attribute("id") else {
            continue;
        };
        for p in clone.children().filter(|p| {
            p.has_tag_name("primitive")
                && p.attribute("class") == Some("ocf")
                && p.attribute("type") == Some("pgsql")
        }) {
            let Some(id) = p.attribute("id") else {
                continue;
            };
            let mut params: Vec<(String, String)> = Vec::new();
            for nv in p
                .children()
                .filter(|c| c.has_tag_name("instance_attributes"))
                .flat_map(|ia| ia.children().filter(|c| c.has_tag_name("nvpair")))
            {
                if let (Some(k), Some(v)) = (nv.attribute("name"), nv.attribute("value")) {
                    if !params.iter().any(|(n, _)| n == k) {
                        params.push((k.to_string(), v.to_string()));
                    }
                }
            }
            out.push(Resource {
                clone: clone_id.to_string(),
                primitive: id.to_string(),
                agent: format!("ocf:{}:pgsql", p.attribute("provider").unwrap_or("?")),
                params,
            });
        }
    }
    Ok(out)
}

/// The resource `wanted` names (clone or primitive id), or the only one there is.
pub fn choose(all: Vec<Resource>, wanted: Option<&str>) -> Result<Resource, String> {
    let ids = |all: &[Resource]| {
        all.iter()
            .map(|r| format!("{} ({})", r.clone, r.primitive))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(w) = wanted {
        let listed = ids(&all);
        return match all.into_iter().find(|r| r.clone == w || r.primitive == w) {
            Some(r) => Ok(r),
            None => Err(format!(
                "no clone of a pgsql agent named {w:?} in the CIB (there: {})",
                if listed.is_empty() { "none" } else { &listed }
            )),
        };
    }
    match all.len() {
        0 => Err("the CIB has no clone of an ocf:*:pgsql primitive".into()),
        1 => Ok(all.into_iter().next().expect("one")),
        _ => Err(format!(
            "the CIB has several clones of a pgsql agent: {}; name one with --resource",
            ids(&all)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESOURCES: &str = include_str!("../../tests/fixtures/show/resources.xml");

    #[test]
    fn the_clone_and_its_parameters() {
        let all = resources(RESOURCES).unwrap();
        assert_eq!(all.len(), 1);
        let r = choose(all.clone(), None).unwrap();
        assert_eq!(
            (r.clone.as_str(), r.primitive.as_str()),
            ("pgsql-clone", "pgsql")
        );
        assert_eq!(r.agent, "ocf:pgsqlrs:pgsql");
        assert_eq!(r.param("rep_mode"), Some("sync"));
        assert_eq!(r.param("node_list"), Some("node1 node2"));
        assert_eq!(r.param("tmpdir"), None);
        assert_eq!(choose(all.clone(), Some("pgsql")).unwrap(), r);
        assert_eq!(choose(all.clone(), Some("pgsql-clone")).unwrap(), r);
        let e = choose(all, Some("other")).unwrap_err();
        assert!(
            e.contains("\"other\"") && e.contains("pgsql-clone (pgsql)"),
            "{e}"
        );
    }

    #[test]
    fn none_or_several() {
        let e = choose(resources("<resources/>").unwrap(), None).unwrap_err();
        assert!(e.contains("no clone"), "{e}");
        let two = RESOURCES.replace("</resources>", "")
            + &RESOURCES
                .replace("<resources>", "")
                .replace("\"pgsql-clone\"", "\"db2-clone\"")
                .replace("id=\"pgsql\"", "id=\"db2\"");
        let all = resources(&two).unwrap();
        assert_eq!(all.len(), 2);
        let e = choose(all.clone(), None).unwrap_err();
        assert!(
            e.contains("--resource") && e.contains("db2-clone (db2)"),
            "{e}"
        );
        assert_eq!(choose(all, Some("db2")).unwrap().clone, "db2-clone");
        // a plain primitive or another agent is not ours
        let other = RESOURCES.replace("type=\"pgsql\"", "type=\"pgsqlms\"");
        assert!(resources(&other).unwrap().is_empty());
        assert!(resources("<x").is_err());
    }
}
