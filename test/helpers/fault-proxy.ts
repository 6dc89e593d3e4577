/**
A node:http proxy in front of the test registry that misbehaves on request: it cuts a
connection mid-blob, answers 429/503 with Retry-After, flips a byte, drops or bends Range,
redirects to another origin, stalls, or serves a document of our choosing. Every request is
logged (with Range and Authorization) so tests can assert what the client really sent.
*/
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultAction =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'cut'; afterBytes: number }
  | { kind: 'corrupt'; at: number }
  | { kind: 'no-range' }
  | { kind: 'wrong-range' }
  | { kind: 'redirect'; to: string; status?: number }
  | { kind: 'stall'; afterBytes: number }
  | { kind: 'respond'; status: number; headers: Record<string, string>; body: string | Buffer };

export interface FaultRule {
  /** Matched against the request path (`/v2/…`). */
  path: RegExp;
  method?: string;
  /** How many matching requests get the fault; default: all. */
  times?: number;
  action: FaultAction;
  hits: number;
}

export interface ProxyRequestLog {
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
  fault: FaultAction['kind'] | undefined;
  status?: number;
}

export interface FaultProxy {
  origin: string;
  host: string;
  requests: ProxyRequestLog[];
  addRule(rule: Omit<FaultRule, 'hits'>): FaultRule;
  clearRules(): void;
  stop(): Promise<void>;
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: FaultRule[] = [];
  const requests: ProxyRequestLog[] = [];

  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const rule = rules.find((r) => r.path.test(path) && (r.method === undefined || r.method === req.method) && (r.times === undefined || r.hits < r.times));
    if (rule) rule.hits++;
    const action = rule?.action;
    const log: ProxyRequestLog = {
      method: req.method ?? 'GET',
      path,
      range: req.headers.range,
      authorization: req.headers.authorization,
      fault: action?.kind,
    };
    requests.push(log);
    if (action?.kind === 'status') {
      log.status = action.status;
      res.writeHead(action.status, { 'content-type': 'application/json', ...(action.retryAfter ? { 'retry-after': action.retryAfter } : {}) });
      res.end(action.body ?? '{"errors":[{"code":"TOOMANYREQUESTS","message":"injected fault"}]}');
      return;
    }
    if (action?.kind === 'respond') {
      log.status = action.status;
      res.writeHead(action.status, action.headers).end(action.body);
      return;
    }
    if (action?.kind === 'redirect') {
      log.status = action.status ?? 307;
      res.writeHead(log.status, { location: `${action.to}${path}` }).end();
      return;
    }
    const headers = { ...req.headers, host: upstream.host };
    if (action?.kind === 'no-range') delete headers.range;
    if (action?.kind === 'wrong-range' && headers.range) headers.range = 'bytes=0-';
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers }, (up) => {
      log.status = up.statusCode;
      res.writeHead(up.statusCode ?? 502, up.headers);
      let sent = 0;
      up.on('data', (chunk: Buffer) => {
        let data = chunk;
        if (action?.kind === 'corrupt' && action.at >= sent && action.at < sent + data.length) {
          data = Buffer.from(data);
          data[action.at - sent] = data[action.at - sent]! ^ 0xff;
        }
        if ((action?.kind === 'cut' || action?.kind === 'stall') && sent + data.length >= action.afterBytes) {
          up.destroy();
          // cut: the client sees the connection close mid-body, once the bytes before the cut are
          // flushed. stall: it sees nothing more, ever.
          res.write(data.subarray(0, action.afterBytes - sent), () => {
            if (action.kind === 'cut') res.destroy();
          });
          sent = action.afterBytes;
          return;
        }
        sent += data.length;
        res.write(data);
      });
      up.on('end', () => res.end());
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  const host = await listen(server);
  return {
    origin: `http://${host}`,
    host,
    requests,
    addRule(rule) {
      const added = { ...rule, hits: 0 };
      rules.push(added);
      return added;
    },
    clearRules() {
      rules.length = 0;
    },
    stop: () => close(server),
  };
}

export interface RedirectTarget {
  origin: string;
  /** The Authorization header each request arrived with (undefined: none, as it must be). */
  requests: { path: string; authorization: string | undefined }[];
  stop(): Promise<void>;
}

/**
Another origin standing in for a CDN behind a registry redirect: it serves what the registry
has, fetching it with its own credentials (as a signed URL would), and records whether the
client sent it any Authorization.
*/
export async function startRedirectTarget(registryOrigin: string, upstreamAuthorization: () => Promise<string | undefined>): Promise<RedirectTarget> {
  const requests: RedirectTarget['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '/', authorization: req.headers.authorization });
    void (async () => {
      const authorization = await upstreamAuthorization();
      const headers: Record<string, string> = authorization ? { authorization } : {};
      if (req.headers.range) headers.range = req.headers.range;
      const response = await fetch(`${registryOrigin}${req.url ?? '/'}`, { headers });
      res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'application/octet-stream' });
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch(() => res.destroy());
  });
  const host = await listen(server);
  return { origin: `http://${host}`, requests, stop: () => close(server) };
}
