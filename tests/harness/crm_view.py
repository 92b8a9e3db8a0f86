"""Compares what the agent's snapshot reads (src/cluster/snapshot.rs) from two crm_mon XML
outputs: nodes and whether online, every node attribute, where RSC runs promoted.
usage: crm_view.py RSC A.xml B.xml   exit 0 when equal (prints the view), 1 otherwise."""
import sys
import xml.etree.ElementTree as ET


def view(path, rsc):
    root = ET.parse(path).getroot()
    nodes = root.find("nodes")
    if nodes is None:
        raise SystemExit("%s: no <nodes>" % path)
    online = {n.get("name").lower(): n.get("online") == "true" for n in nodes.findall("node")}
    attrs = {}
    na = root.find("node_attributes")
    for n in na.findall("node") if na is not None else []:
        for a in n.findall("attribute"):
            attrs[(n.get("name").lower(), a.get("name"))] = a.get("value")
    promoted = []
    res = root.find("resources")
    for r in res.iter("resource") if res is not None else []:
        if (r.get("id") or "").split(":")[0] == rsc and r.get("role") in ("Promoted", "Master"):
            promoted += [n.get("name").lower() for n in r.findall("node")]
    return {"online": online, "attrs": sorted(attrs.items()), "promoted": sorted(promoted)}


rsc, a, b = sys.argv[1:4]
va, vb = view(a, rsc), view(b, rsc)
print("# view: %s" % va)
if va != vb:
    print("# differs: %s" % vb)
    sys.exit(1)
