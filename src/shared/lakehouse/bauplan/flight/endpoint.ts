import { InvalidInputError } from '../../errors.js';

/** Where to dial a Flight server: a grpc-js target (`host:port`) and whether to use TLS. */
export interface FlightTarget {
  address: string;
  tls: boolean;
}

const TLS_SCHEMES = new Set(['grpc+tls', 'https']);
const PLAIN_SCHEMES = new Set(['grpc', 'grpc+tcp', 'http']);

/**
 * Reads an endpoint as Bauplan announces it: `host:port`, or the same behind `grpc://`,
 * `grpc+tcp://`, `grpc+tls://`, `http://` or `https://`. The TLS schemes force TLS; otherwise
 * `useTls` decides. A TLS endpoint without a port gets 443.
 */
export function parseFlightEndpoint(endpoint: string, useTls: boolean): FlightTarget {
  const trimmed = endpoint.trim();
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(trimmed);
  const scheme = match?.[1]?.toLowerCase();
  const rest = match === null ? trimmed : (match[2] ?? '');
  if (scheme !== undefined && !TLS_SCHEMES.has(scheme) && !PLAIN_SCHEMES.has(scheme)) {
    throw new InvalidInputError(`unsupported Flight endpoint scheme ${JSON.stringify(scheme)}`, { endpoint });
  }
  const tls = useTls || (scheme !== undefined && TLS_SCHEMES.has(scheme));
  const address = rest.replace(/\/+$/, '');
  if (address === '' || address.includes('/')) {
    throw new InvalidInputError(`Flight endpoint ${JSON.stringify(endpoint)} is not host:port`, { endpoint });
  }
  if (hasPort(address)) return { address, tls };
  if (tls) return { address: `${address}:443`, tls };
  throw new InvalidInputError(`Flight endpoint ${JSON.stringify(endpoint)} has no port`, { endpoint });
}

function hasPort(address: string): boolean {
  // `[::1]:8815` and `host:8815` have one; a bare IPv6 literal `[::1]` does not.
  return /:\d+$/.test(address) && !/^\[[^\]]*\]$/.test(address);
}
