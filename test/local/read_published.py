"""Reads the tables Floodgate published to main, the way outside engines do.

Input (argv[1], JSON): {"uri": SQLAlchemy URL of the catalog DB,
"tables": [{"name": "ns.t", "filter_column": "id", "filter_min": 900}]}.
Prints one JSON line: per namespace SqlCatalog lists, the tables PyIceberg's SqlCatalog lists, and per table
what PyIceberg and DuckDB's iceberg_scan read.
"""
import glob
import json
import os
import sys

import duckdb
import duckdb_extension_avro
import duckdb_extension_iceberg
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.expressions import GreaterThanOrEqual


def duckdb_connection():
    connection = duckdb.connect()
    connection.execute("SET autoinstall_known_extensions = false")
    connection.execute("SET autoload_known_extensions = false")
    for module in (duckdb_extension_avro, duckdb_extension_iceberg):
        folder = os.path.join(os.path.dirname(module.__file__), "extensions", "v" + duckdb.__version__)
        (path,) = glob.glob(os.path.join(folder, "*.duckdb_extension"))
        connection.load_extension(path)
    return connection


def main():
    spec = json.loads(sys.argv[1])
    catalog = SqlCatalog("floodgate", uri=spec["uri"])
    duck = duckdb_connection()
    namespaces = sorted(".".join(n) for n in catalog.list_namespaces())
    out = {"listed": {n: sorted(".".join(t) for t in catalog.list_tables(n)) for n in namespaces}, "tables": {}}
    for entry in spec["tables"]:
        table = catalog.load_table(entry["name"])
        arrow = table.scan().to_arrow()
        column = entry["filter_column"]
        filtered = table.scan(row_filter=GreaterThanOrEqual(column, entry["filter_min"])).to_arrow()
        location = table.metadata_location
        scanned = duck.sql(f"SELECT count(*), sum({column}) FROM iceberg_scan('{location}')").fetchone()
        out["tables"][entry["name"]] = {
            "columns": arrow.schema.names,
            "field_ids": [field.field_id for field in table.schema().fields],
            "rows": arrow.num_rows,
            "sum": int(sum(v for v in arrow.column(column).to_pylist() if v is not None)),
            "filtered_rows": filtered.num_rows,
            "duckdb_rows": int(scanned[0]),
            "duckdb_sum": int(scanned[1] or 0),
            "metadata_location": location,
            "snapshots": len(table.metadata.snapshots),
        }
    print(json.dumps(out))


main()
