import { GlassboxError } from '../errors.js';
import { discardBody, headerValue, type HttpRequest, type HttpResponse, type HttpTransport } from './http.js';

/**
Sends a request and follows redirects, sending `authorization` only to `authOrigin`. Registries
answer blob requests with a redirect to storage elsewhere (S3, a CDN) behind a signed URL:
the registry's credentials must not travel there. Docker and containerd drop them the same way.
*/
const MAX_REDIRECTS = 5;

export interface FollowOptions extends HttpRequest {
  authOrigin: string;
  authorization?: string;
}

export interface FollowedResponse {
  response: HttpResponse;
  /** Where the response came from after redirects. */
  url: URL;
}

export async function sendFollowing(transport: HttpTransport, url: URL, options: FollowOptions): Promise<FollowedResponse> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.authorization !== undefined && current.origin === options.authOrigin) headers.authorization = options.authorization;
    const request: HttpRequest = { method: options.method ?? 'GET', headers };
    if (options.body !== undefined) request.body = options.body;
    if (options.signal !== undefined) request.signal = options.signal;
    const response = await transport.request(current, request);
    const location = headerValue(response, 'location');
    if (![301, 302, 303, 307, 308].includes(response.status) || location === undefined) return { response, url: current };
    await discardBody(response);
    if (hop >= MAX_REDIRECTS) {
      throw new GlassboxError('PULL_REDIRECTS', `${url.href}: more than ${MAX_REDIRECTS} redirects`, { kind: 'environment' });
    }
    const next = new URL(location, current);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new GlassboxError('PULL_REDIRECTS', `${url.href}: redirect to ${next.protocol} is not followed`, { kind: 'environment' });
    }
    // Never downgrade from https to http: a signed URL could be read on the wire.
    if (current.protocol === 'https:' && next.protocol === 'http:') {
      throw new GlassboxError('PULL_REDIRECTS', `${url.href}: redirect from https to plain http refused`, { kind: 'environment' });
    }
    current = next;
  }
}
