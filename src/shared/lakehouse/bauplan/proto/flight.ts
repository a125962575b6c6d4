/**
 * The Arrow Flight calls Floodgate makes to read Bauplan query results, written from the Flight
 * protocol's field numbers. FlightData carries one Arrow IPC message: its flatbuffer header in
 * `data_header` and its body in `data_body`.
 */
export const FLIGHT_SERVICE = 'arrow.flight.protocol.FlightService';

export const FLIGHT_PROTO = `
syntax = "proto3";
package arrow.flight.protocol;

message Criteria {
  bytes expression = 1;
}

message FlightDescriptor {
  int32 type = 1;
  bytes cmd = 2;
  repeated string path = 3;
}

message Ticket {
  bytes ticket = 1;
}

message Location {
  string uri = 1;
}

message FlightEndpoint {
  Ticket ticket = 1;
  repeated Location location = 2;
}

message FlightInfo {
  bytes schema = 1;
  FlightDescriptor flight_descriptor = 2;
  repeated FlightEndpoint endpoint = 3;
  int64 total_records = 4;
  int64 total_bytes = 5;
}

message FlightData {
  FlightDescriptor flight_descriptor = 1;
  bytes data_header = 2;
  bytes app_metadata = 3;
  bytes data_body = 1000;
}

message Action {
  string type = 1;
  bytes body = 2;
}

message Result {
  bytes body = 1;
}

service FlightService {
  rpc ListFlights(Criteria) returns (stream FlightInfo);
  rpc DoGet(Ticket) returns (stream FlightData);
  rpc DoAction(Action) returns (stream Result);
}
`;
