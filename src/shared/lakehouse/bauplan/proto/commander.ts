/**
 * The part of Bauplan's job service (gRPC) that Floodgate calls, written from the field numbers
 * Bauplan's wire format uses. Enums are declared as int32: the wire encoding is the same varint,
 * and unknown values pass through instead of failing to decode.
 */
export const COMMANDER_SERVICE = 'bpln_proto.commander.service.v2.V2CommanderService';

export const COMMANDER_PROTO = `
syntax = "proto3";
package bpln_proto.commander.service.v2;

message JobRequestCommon {
  string module_version = 1;
  string hostname = 2;
  map<string, string> args = 3;
  int32 debug = 4;
  optional int32 priority = 5;
}

message JobResponseCommon {
  string job_id = 1;
  bool debug = 2;
  map<string, string> args = 3;
  string username = 4;
}

message JobInfo {
  string id = 1;
  string human_readable_status = 2;
  string kind = 3;
  string user = 4;
  int32 status = 10;
  int32 kind_type = 11;
  optional string error_message = 13;
}

message GetJobsRequest {
  repeated string job_ids = 1;
  bool all_users = 2;
}
message GetJobsResponse {
  repeated JobInfo jobs = 1;
  string pagination_token = 2;
}

message GetBauplanInfoRequest {
  string api_key = 1;
}
message UserInfo {
  string id = 1;
  string username = 2;
  string first_name = 3;
  string last_name = 4;
}
message GetBauplanInfoResponse {
  string user = 2;
  string client_version = 3;
  string server_version = 4;
  optional UserInfo user_info = 6;
}

message QueryRunRequest {
  JobRequestCommon job_request_common = 1;
  optional string ref = 2;
  string sql_query = 3;
  string cache = 4;
  optional string namespace = 5;
}
message QueryResultArtifact {
  string artifact_id = 1;
  bytes server_public_key = 2;
  string auth_token = 3;
}
message QueryRunResponse {
  JobResponseCommon job_response_common = 1;
  string sql_query = 2;
  string ref = 3;
  string namespace = 4;
  string cache = 5;
  QueryResultArtifact result_artifact = 7;
}

message TableCreatePlanRequest {
  JobRequestCommon job_request_common = 1;
  optional string branch_name = 2;
  string table_name = 3;
  optional string namespace = 4;
  string search_string = 5;
  bool table_replace = 6;
  optional string table_partitioned_by = 7;
}
message TableCreatePlanResponse {
  JobResponseCommon job_response_common = 1;
}

message TableCreatePlanApplyRequest {
  JobRequestCommon job_request_common = 1;
  string plan_yaml = 2;
}
message TableCreatePlanApplyResponse {
  JobResponseCommon job_response_common = 1;
}

message TableDataImportRequest {
  JobRequestCommon job_request_common = 1;
  optional string branch_name = 2;
  string table_name = 3;
  optional string namespace = 4;
  string search_string = 5;
  bool import_duplicate_files = 6;
  bool best_effort = 7;
  bool continue_on_error = 8;
  optional string transformation_query = 9;
  string preview = 10;
}
message TableDataImportResponse {
  JobResponseCommon job_response_common = 1;
}

message JobId {
  string id = 1;
}
message CancelJobRequest {
  JobId job_id = 1;
}
message CancelJobResponse {
  int32 status = 1;
  string message = 2;
}

message SubscribeLogsRequest {
  string job_id = 1;
}
message SubscribeLogsResponse {
  string job_id = 1;
  optional RunnerEvent runner_event = 2;
}

message RunnerEvent {
  oneof event {
    JobCompleteEvent job_completion = 3;
    RuntimeLogEvent runtime_user_log = 4;
    FlightServerStartEvent flight_server_start = 5;
    TableCreatePlanDoneEvent table_create_plan_done_event = 8;
    TableCreatePlanApplyDoneEvent table_create_plan_apply_done_event = 9;
  }
}

message JobCompleteEvent {
  oneof outcome {
    JobSuccess success = 1;
    JobFailure failure = 2;
    JobCancellation cancellation = 3;
    JobTimeout timeout = 4;
    JobRejected rejected = 6;
    JobHeartbeatFailure heartbeat_failure = 7;
  }
  string job_id = 5;
}
message JobSuccess { string msg = 1; }
message JobFailure {
  int32 component = 1;
  string error_message = 2;
  optional string stack_trace = 4;
  int32 error_code = 5;
}
message JobCancellation { string reason = 1; }
message JobTimeout { string msg = 1; }
message JobRejected { string reason = 1; }
message JobHeartbeatFailure {}

message RuntimeLogEvent {
  int32 level = 1;
  int64 emit_timestamp_ns = 4;
  string msg = 5;
  string job_id = 7;
}

message FlightServerStartEvent {
  string endpoint = 1;
  string job_id = 2;
  string task_id = 3;
  int32 num_rows = 4;
  bool use_tls = 5;
  string magic_token = 7;
}

message TableCreatePlanDoneEvent {
  string task_id = 3;
  string plan_as_yaml = 5;
  bool success = 6;
  string error_message = 7;
  repeated string files_to_be_imported = 8;
  bool can_auto_apply = 9;
}

message TableCreatePlanApplyDoneEvent {
  string task_id = 3;
  bool success = 5;
  string error_message = 6;
}

service V2CommanderService {
  rpc GetJobs(GetJobsRequest) returns (GetJobsResponse);
  rpc TableCreatePlan(TableCreatePlanRequest) returns (TableCreatePlanResponse);
  rpc TableCreatePlanApply(TableCreatePlanApplyRequest) returns (TableCreatePlanApplyResponse);
  rpc TableDataImport(TableDataImportRequest) returns (TableDataImportResponse);
  rpc QueryRun(QueryRunRequest) returns (QueryRunResponse);
  rpc CancelJob(CancelJobRequest) returns (CancelJobResponse);
  rpc SubscribeLogs(SubscribeLogsRequest) returns (stream SubscribeLogsResponse);
  rpc GetBauplanInfo(GetBauplanInfoRequest) returns (GetBauplanInfoResponse);
}
`;

/** Job states in JobInfo.status. */
export const JOB_STATE = { unspecified: 0, notStarted: 1, running: 2, complete: 3, abort: 4, fail: 5, other: 6 } as const;

/** JobFailure.error_code values. */
export const JOB_FAILURE_CODE = { unspecified: 0, userError: 1, internalError: 2 } as const;
