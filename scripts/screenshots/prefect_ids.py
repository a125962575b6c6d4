"""Prints "<flow run id> <artifact id>" for the newest COMPLETED `wap-ingest` flow run whose
write, audit and publish task runs are all COMPLETED (artifact id "-" when it has none).
Exits 1 while there is no such run yet. Usage: python3 prefect_ids.py http://127.0.0.1:4200/api"""
import json
import sys
import urllib.request


def post(api: str, path: str, body: dict) -> list:
    request = urllib.request.Request(
        f"{api}{path}", data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def main(api: str) -> int:
    runs = post(api, "/flow_runs/filter", {
        "flows": {"name": {"any_": ["wap-ingest"]}},
        "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
        "sort": "START_TIME_DESC",
        "limit": 20,
    })
    for run in runs:
        tasks = post(api, "/task_runs/filter", {"flow_runs": {"id": {"any_": [run["id"]]}}, "limit": 50})
        completed = [f"{t.get('task_key', '')} {t['name']}" for t in tasks if (t.get("state") or {}).get("type") == "COMPLETED"]
        if not all(any(stage in label for label in completed) for stage in ("write", "audit", "publish")):
            states = [(t["name"], (t.get("state") or {}).get("type")) for t in tasks]
            print(f"run {run['id']}: task runs {states}", file=sys.stderr)
            continue
        artifacts = post(api, "/artifacts/filter", {"flow_runs": {"id": {"any_": [run["id"]]}}, "sort": "CREATED_DESC", "limit": 5})
        tables = [a for a in artifacts if a.get("type") == "table"] or artifacts
        print(run["id"], tables[0]["id"] if tables else "-")
        return 0
    print(f"no completed wap-ingest run with three completed task runs yet ({len(runs)} completed runs)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1].rstrip("/")))
