"""Creates the automation in automation.json for one table.

    PREFECT_API_URL=http://127.0.0.1:4200/api python create_automation.py --table taxi.trips

The deployment is looked up by name (default `refresh-downstream/refresh-downstream`, the one
`refresh_downstream.py` serves). Auth comes from PREFECT_API_KEY (Cloud, Bearer) or
PREFECT_API_AUTH_STRING (a server with Basic auth). Prints the created automation as JSON.
Use `--table '*'` for every table.
"""

import argparse
import base64
import json
import os
import pathlib
import sys

import httpx


def headers() -> dict[str, str]:
    key = os.environ.get("PREFECT_API_KEY")
    if key:
        return {"Authorization": f"Bearer {key}"}
    basic = os.environ.get("PREFECT_API_AUTH_STRING")
    if basic:
        return {"Authorization": "Basic " + base64.b64encode(basic.encode()).decode()}
    return {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", required=True, help="<namespace>.<table>, or * for every table")
    parser.add_argument("--deployment", default="refresh-downstream/refresh-downstream", help="<flow name>/<deployment name>")
    parser.add_argument("--api-url", default=os.environ.get("PREFECT_API_URL", "http://127.0.0.1:4200/api"))
    args = parser.parse_args()

    with httpx.Client(base_url=args.api_url.rstrip("/") + "/", headers=headers(), timeout=30) as client:
        found = client.get(f"deployments/name/{args.deployment}")
        if found.status_code == 404:
            print(f"no deployment {args.deployment}: start `python refresh_downstream.py` first", file=sys.stderr)
            return 1
        found.raise_for_status()
        template = (pathlib.Path(__file__).parent / "automation.json").read_text()
        body = json.loads(template.replace("__TABLE__", args.table).replace("__DEPLOYMENT_ID__", found.json()["id"]))
        created = client.post("automations/", json=body)
        if created.status_code != 201:
            print(f"HTTP {created.status_code}: {created.text}", file=sys.stderr)
            return 1
        print(json.dumps(created.json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
