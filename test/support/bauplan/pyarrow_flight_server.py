"""A small Arrow Flight server, written with pyarrow, that stands in for a Bauplan query's
result server in tests.

Usage: python pyarrow_flight_server.py <token>

It listens on a free loopback port, prints that port on stdout once ready, and exits when
stdin closes or on SIGTERM. Every call must carry `authorization: Bearer <token>`.

Actions:
  configure  body = JSON {"scenario", "parts", "rows", "chunk", "delay"}; resets the counters
  state      returns JSON {"shutdowns", "criteria", "max_active", "gets"}
  shutdown   counts the call (the server keeps running)

Scenarios (what list_flights serves):
  none | lz4 | zstd   one flight, `parts` endpoints, IPC bodies compressed that way
  mixed               one flight, endpoints cycling through lz4, zstd and none
  empty               one flight, one endpoint whose stream has the schema and no rows
  no-endpoints        one flight with a schema and no endpoints
  no-flights          no flights at all
  renamed             two endpoints; the second stream renames a column
  failing             do_get fails with a server error
"""

import datetime
import decimal
import json
import signal
import sys
import threading
import time

import pyarrow as pa
import pyarrow.flight as flight

SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("amount", pa.float64()),
        ("name", pa.utf8()),
        ("flag", pa.bool_()),
        ("day", pa.date32()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("price", pa.decimal128(10, 2)),
    ]
)

EPOCH_DAY = datetime.date(2024, 1, 1)
EPOCH_TS = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def make_rows(start, count):
    ids = list(range(start, start + count))
    return pa.table(
        {
            "id": ids,
            "amount": [i * 0.5 for i in ids],
            "name": [None if i % 7 == 0 else f"row-{i}" for i in ids],
            "flag": [i % 3 == 0 for i in ids],
            "day": [EPOCH_DAY + datetime.timedelta(days=i) for i in ids],
            "ts": [EPOCH_TS + datetime.timedelta(seconds=i) for i in ids],
            "price": [decimal.Decimal(i * 101) / 100 for i in ids],
        },
        schema=SCHEMA,
    )


class BearerAuth(flight.ServerMiddlewareFactory):
    def __init__(self, token):
        super().__init__()
        self.expected = f"Bearer {token}"

    def start_call(self, info, headers):
        values = headers.get("authorization", [])
        if self.expected not in values:
            raise flight.FlightUnauthenticatedError("missing or wrong bearer token")
        return None


class Server(flight.FlightServerBase):
    def __init__(self, token):
        super().__init__("grpc://127.0.0.1:0", middleware={"auth": BearerAuth(token)})
        self.lock = threading.Lock()
        self.configure({"scenario": "none"})

    def configure(self, options):
        with self.lock:
            self.options = {"parts": 2, "rows": 1000, "chunk": 256, "delay": 0.0, **options}
            self.shutdowns = 0
            self.criteria = []
            self.active = 0
            self.max_active = 0
            self.gets = []

    def list_flights(self, context, criteria):
        with self.lock:
            self.criteria.append(criteria.decode("utf-8") if criteria else "")
            options = dict(self.options)
        scenario = options["scenario"]
        if scenario == "no-flights":
            return
        if scenario == "no-endpoints":
            tickets = []
        elif scenario == "empty":
            tickets = [{"compression": "none", "part": 0, "rows": 0}]
        elif scenario == "mixed":
            cycle = ["lz4", "zstd", "none"]
            tickets = [{"compression": cycle[p % 3], "part": p} for p in range(options["parts"])]
        elif scenario == "renamed":
            tickets = [{"compression": "none", "part": p, "renamed": p == 1} for p in range(2)]
        elif scenario == "failing":
            tickets = [{"compression": "none", "part": 0, "fail": True}]
        else:
            tickets = [{"compression": scenario, "part": p} for p in range(options["parts"])]
        endpoints = []
        for ticket in tickets:
            body = {"rows": options["rows"], "chunk": options["chunk"], "delay": options["delay"], **ticket}
            endpoints.append(flight.FlightEndpoint(json.dumps(body).encode(), []))
        descriptor = flight.FlightDescriptor.for_command(b"query")
        yield flight.FlightInfo(SCHEMA, descriptor, endpoints, -1, -1)

    def do_get(self, context, ticket):
        spec = json.loads(ticket.ticket.decode())
        with self.lock:
            self.gets.append(spec["part"])
        if spec.get("fail"):
            raise flight.FlightServerError("the query runner crashed")
        rows = spec["rows"]
        table = make_rows(spec["part"] * rows, rows)
        if spec.get("renamed"):
            table = table.rename_columns(["id", "amount", "label", "flag", "day", "ts", "price"])
        compression = None if spec["compression"] == "none" else spec["compression"]
        options = pa.ipc.IpcWriteOptions(compression=compression)
        return flight.GeneratorStream(table.schema, self.batches(table, spec), options=options)

    def batches(self, table, spec):
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            for batch in table.to_batches(max_chunksize=spec["chunk"]):
                if spec["delay"]:
                    time.sleep(spec["delay"])
                yield batch
        finally:
            with self.lock:
                self.active -= 1

    def do_action(self, context, action):
        kind = action.type
        if kind == "configure":
            self.configure(json.loads(action.body.to_pybytes().decode()))
            return []
        if kind == "shutdown":
            with self.lock:
                self.shutdowns += 1
            return []
        if kind == "state":
            with self.lock:
                state = {
                    "shutdowns": self.shutdowns,
                    "criteria": self.criteria,
                    "max_active": self.max_active,
                    "gets": self.gets,
                }
            return [json.dumps(state).encode()]
        raise flight.FlightServerError(f"unknown action {kind}")


def main():
    token = sys.argv[1]
    server = Server(token)
    stop = threading.Event()

    def watch_stdin():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(server.port, flush=True)
    while not stop.wait(0.2):
        pass
    server.shutdown()


if __name__ == "__main__":
    main()
