import { Client, Metadata, credentials, type ClientReadableStream } from '@grpc/grpc-js';
import { flightService } from '../proto/services.js';
import type { FlightTarget } from './endpoint.js';
import { flightCallError } from './grpc-errors.js';

/** The Flight RPCs Floodgate calls; all three answer with a stream. */
export type FlightMethod = 'ListFlights' | 'DoGet' | 'DoAction';

/** Per-call limits: an absolute deadline and a signal that cancels the call. */
export interface FlightCallOptions {
  deadline: Date;
  signal: AbortSignal;
}

/**
 * The subset of a Flight client that reading results needs, so a test can pass a fake.
 * `call` resolves with every message of the response stream (plain objects with the proto's
 * snake_case names). It rejects with a FloodgateError, or with the signal's reason once the
 * signal aborts.
 */
export interface FlightTransport {
  call(method: FlightMethod, request: object, options: FlightCallOptions): Promise<unknown[]>;
  close(): void;
}

/** A FlightTransport over grpc-js that sends `authorization: Bearer <token>` on every call. */
export function grpcFlightTransport(target: FlightTarget, token: string): FlightTransport {
  const channelCredentials = target.tls ? credentials.createSsl() : credentials.createInsecure();
  // Flight batches routinely exceed grpc-js's default 4 MiB receive limit.
  const client = new Client(target.address, channelCredentials, { 'grpc.max_receive_message_length': -1 });
  const service = flightService();
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return {
    call(method, request, options) {
      const definition = service[method];
      if (definition === undefined) return Promise.reject(new Error(`Flight method ${method} is not defined`));
      if (options.signal.aborted) return Promise.reject(options.signal.reason);
      const stream = client.makeServerStreamRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize,
        request,
        metadata.clone(),
        { deadline: options.deadline },
      );
      return collect(stream, options.signal, (error) => flightCallError(error, method, token));
    },
    close: () => client.close(),
  };
}

function collect(stream: ClientReadableStream<unknown>, signal: AbortSignal, toError: (error: unknown) => Error): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const messages: unknown[] = [];
    let ended = false;
    let ok = false;
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      finish();
    };
    const onAbort = (): void => {
      settle(() => reject(signal.reason));
      stream.cancel();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (message: unknown) => messages.push(message));
    // grpc-js ends the stream, then reports a failed status as 'error', then emits 'status'.
    stream.on('error', (error: unknown) => settle(() => reject(toError(error))));
    stream.on('end', () => {
      ended = true;
      if (ok) settle(() => resolve(messages));
    });
    stream.on('status', (status: { code: number }) => {
      ok = status.code === 0;
      if (ok && ended) settle(() => resolve(messages));
    });
  });
}
