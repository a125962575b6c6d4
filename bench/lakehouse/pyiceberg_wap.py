"""PyIceberg peer of the Floodgate WAP benchmark (bench/lakehouse/peer.ts runs it).

One run, in a fresh SqlCatalog (SQLite) under --warehouse:
  setup (untimed): create namespace + table from the data's Arrow schema, append --seed to main
  create_branch:   manage_snapshots().create_branch(<main snapshot>, "wap")
  append:          read --files with pyarrow and append them to branch "wap" (one snapshot)
  publish:         manage_snapshots().set_current_snapshot(ref_name="wap"): main fast-forwards to wap

Prints one line: RESULT {"create_branch_ms":..., "append_ms":..., "publish_ms":..., "rows":..., ...}
"""

from __future__ import annotations

import argparse
import json
import os
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pyiceberg
from pyiceberg.catalog.sql import SqlCatalog


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--seed", required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    os.makedirs(args.warehouse, exist_ok=True)
    catalog = SqlCatalog(
        "bench",
        uri=f"sqlite:///{os.path.join(args.warehouse, 'catalog.db')}",
        warehouse=f"file://{args.warehouse}",
    )
    catalog.create_namespace("taxi")
    seed = pq.read_table(args.seed)
    table = catalog.create_table("taxi.trips", schema=seed.schema)
    table.append(seed)
    main_snapshot = table.current_snapshot()
    assert main_snapshot is not None

    start = time.perf_counter()
    table.manage_snapshots().create_branch(main_snapshot.snapshot_id, "wap").commit()
    create_branch_ms = ms_since(start)

    start = time.perf_counter()
    data = pa.concat_tables([pq.read_table(f) for f in args.files])
    table.append(data, branch="wap")
    append_ms = ms_since(start)
    rows = data.num_rows
    del data

    start = time.perf_counter()
    table.manage_snapshots().set_current_snapshot(ref_name="wap").commit()
    publish_ms = ms_since(start)

    table = catalog.load_table("taxi.trips")
    current = table.current_snapshot()
    assert current is not None and current.snapshot_id == table.metadata.refs["wap"].snapshot_id
    summary = current.summary
    total_rows = int(summary["total-records"]) if summary is not None else -1
    data_files = int(summary["total-data-files"]) if summary is not None else -1
    files_size = int(summary["total-files-size"]) if summary is not None else -1
    print(
        "RESULT "
        + json.dumps(
            {
                "pyiceberg": pyiceberg.__version__,
                "pyarrow": pa.__version__,
                "create_branch_ms": create_branch_ms,
                "append_ms": append_ms,
                "publish_ms": publish_ms,
                "rows": rows,
                "main_total_rows": total_rows,
                "main_data_files": data_files,
                "main_files_size": files_size,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
