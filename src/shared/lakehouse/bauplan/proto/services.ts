import type { ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { COMMANDER_PROTO, COMMANDER_SERVICE } from './commander.js';
import { FLIGHT_PROTO, FLIGHT_SERVICE } from './flight.js';

/**
 * grpc-js service definitions built from our own proto text with protobufjs. Messages are plain
 * objects with the proto's snake_case field names; int64 fields are strings, bytes are Buffers,
 * and a set oneof member is named in the oneof's own field (e.g. `event: 'job_completion'`).
 */
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, bytes: Buffer, defaults: true, oneofs: true, arrays: true, objects: true };

function definition(protoText: string, serviceName: string): ServiceDefinition {
  const root = protobuf.parse(protoText, { keepCase: true }).root;
  const service = root.lookupService(serviceName);
  const result: Record<string, ServiceDefinition[string]> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const request = method.resolvedRequestType;
    const response = method.resolvedResponseType;
    if (request === null || response === null) throw new Error(`unresolved types in ${serviceName}.${method.name}`);
    result[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: (value: object) => Buffer.from(request.encode(request.fromObject(value)).finish()),
      requestDeserialize: (bytes: Buffer) => request.toObject(request.decode(bytes), TO_OBJECT),
      responseSerialize: (value: object) => Buffer.from(response.encode(response.fromObject(value)).finish()),
      responseDeserialize: (bytes: Buffer) => response.toObject(response.decode(bytes), TO_OBJECT),
      originalName: method.name,
    };
  }
  return result as ServiceDefinition;
}

let commander: ServiceDefinition | undefined;
let flight: ServiceDefinition | undefined;

export function commanderService(): ServiceDefinition {
  commander ??= definition(COMMANDER_PROTO, COMMANDER_SERVICE);
  return commander;
}

export function flightService(): ServiceDefinition {
  flight ??= definition(FLIGHT_PROTO, FLIGHT_SERVICE);
  return flight;
}
