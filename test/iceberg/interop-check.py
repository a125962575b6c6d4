"""Reads Iceberg tables written by Floodgate with PyIceberg and DuckDB's iceberg_scan.

argv[1] is JSON: {"versions": [{"metadata": path, "filters": [{"column", "op", "value", "kind"}]}]}.
Prints one JSON line: per version, the rows each reader returns (whole table and per filter),
PyIceberg's planned file count per filter, the snapshot summary and PyIceberg's decoded file
metrics. Values are normalised to JSON: dates and times as ISO strings (UTC for timestamptz),
decimals as strings.
"""

import datetime
import decimal
import glob
import json
import os
import sys

import duckdb
import duckdb_extension_avro
import duckdb_extension_iceberg
from pyiceberg.expressions import EqualTo, GreaterThanOrEqual, LessThan
from pyiceberg.table import StaticTable

OPS = {">=": GreaterThanOrEqual, "<": LessThan, "=": EqualTo}
SAFE = 2**53


def normalise(value):
    if isinstance(value, bool) or value is None or isinstance(value, (float, str)):
        return value
    if isinstance(value, int):
        return value if -SAFE < value < SAFE else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items()}
    raise TypeError(f"cannot normalise {type(value)}")


def rows(table):
    return [normalise(row) for row in table.to_pylist()]


def python_literal(kind, value):
    if kind in ("int", "long"):
        return int(value)
    if kind == "double":
        return float(value)
    if kind == "boolean":
        return bool(value)
    if kind == "decimal":
        return decimal.Decimal(value)
    return str(value)


def sql_literal(kind, value):
    if kind in ("int", "long", "double"):
        return str(value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "decimal":
        return f"CAST('{value}' AS DECIMAL(38, 10))"
    prefix = {"date": "DATE ", "timestamp": "TIMESTAMP ", "timestamptz": "TIMESTAMPTZ "}.get(kind, "")
    return prefix + "'" + str(value).replace("'", "''") + "'"


def duckdb_connection():
    connection = duckdb.connect()
    connection.execute("SET autoinstall_known_extensions = false")
    connection.execute("SET autoload_known_extensions = false")
    connection.execute("SET TimeZone = 'UTC'")
    # The wheels ship the binaries under extensions/v<duckdb version>/; load them by path.
    for module in (duckdb_extension_avro, duckdb_extension_iceberg):
        folder = os.path.join(os.path.dirname(module.__file__), "extensions", "v" + duckdb.__version__)
        (path,) = glob.glob(os.path.join(folder, "*.duckdb_extension"))
        connection.load_extension(path)
    return connection


def check(spec):
    connection = duckdb_connection()
    results = []
    for version in spec["versions"]:
        location = version["metadata"]
        table = StaticTable.from_metadata(location)
        source = f"iceberg_scan('{location}')"
        snapshot = table.current_snapshot()
        # inspect.files() fails on a snapshot without manifests (pyarrow.concat_tables of nothing).
        has_manifests = snapshot is not None and len(snapshot.manifests(table.io)) > 0
        files = table.inspect.files().select(["file_path", "readable_metrics"]).to_pylist() if has_manifests else []
        result = {
            "pyiceberg": rows(table.scan().to_arrow()),
            "duckdb": rows(connection.sql(f"SELECT * FROM {source}").to_arrow_table()),
            "summary": snapshot.summary.model_dump() if snapshot else None,
            "files": [normalise(row) for row in files],
            "filters": [],
        }
        for item in version.get("filters", []):
            column, op, kind = item["column"], item["op"], item["kind"]
            expression = OPS[op](column, python_literal(kind, item["value"]))
            scan = table.scan(row_filter=expression)
            where = f"{column} {op} {sql_literal(kind, item['value'])}"
            result["filters"].append(
                {
                    "planned": len(list(scan.plan_files())),
                    "pyiceberg": rows(scan.to_arrow()),
                    "duckdb": rows(connection.sql(f"SELECT * FROM {source} WHERE {where}").to_arrow_table()),
                }
            )
        results.append(result)
    return {"versions": results}


print(json.dumps(check(json.loads(sys.argv[1]))))
