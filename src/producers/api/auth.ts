import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { errorBody } from './errors.js';

/** Constant-time: both sides are hashed first, so neither length nor content leaks through timing. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = crypto.createHash('sha256').update(expected).digest();
  const b = crypto.createHash('sha256').update(given).digest();
  return crypto.timingSafeEqual(a, b);
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  return match?.[1];
}

function unauthorized(reply: FastifyReply): FastifyReply {
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer realm="floodgate"')
    .send(errorBody('UNAUTHORIZED', 'missing or wrong bearer token (Authorization: Bearer <FLOODGATE_API_TOKEN>)'));
}

/** Requires `Authorization: Bearer <token>`. */
export function requireBearer(token: string): onRequestAsyncHookHandler {
  return async (request, reply) => {
    if (!tokenMatches(token, bearerOf(request))) return unauthorized(reply);
    return undefined;
  };
}

export const UI_COOKIE = 'floodgate_ui';

/** The queue UI's cookie value: derived from the token, so the cookie is not the API token itself. */
export function uiSession(token: string): string {
  return crypto.createHmac('sha256', token).update('floodgate-ui-session-v1').digest('base64url');
}

function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * For the browser UI: the bearer header, or the session cookie, or `?token=<token>` once, which
 * sets the cookie (HttpOnly, SameSite=Strict, scoped to the UI's path) and redirects to the same
 * page without the token in its address.
 */
export function requireUiSession(token: string, basePath: string): onRequestAsyncHookHandler {
  const session = uiSession(token);
  return async (request, reply) => {
    if (tokenMatches(token, bearerOf(request)) || tokenMatches(session, cookieOf(request, UI_COOKIE))) return undefined;
    const url = new URL(request.url, 'http://floodgate.invalid');
    const given = url.searchParams.get('token');
    if (given === null || !tokenMatches(token, given)) return unauthorized(reply);
    url.searchParams.delete('token');
    const secure = request.protocol === 'https' ? '; Secure' : '';
    return reply
      .header('set-cookie', `${UI_COOKIE}=${session}; Path=${basePath}; HttpOnly; SameSite=Strict${secure}`)
      .header('cache-control', 'no-store')
      .redirect(`${url.pathname}${url.search}`, 303);
  };
}
