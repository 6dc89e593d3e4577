import { execFileSync, spawn } from 'node:child_process';
import { GlassboxError } from '../errors.js';
import { nativeBinary } from './paths.js';
import { parseProbeReport } from './probe-parse.js';
import type { ProbeReport } from './probe-report.js';

export { parseProbeReport } from './probe-parse.js';
export * from './probe-report.js';

/**
Runs gbx-probe and returns its report, typed and checked. Lessons and tests ask the
probe what a process sees instead of trusting glassbox's own account of what it did.
*/
export interface ProbeRunOptions {
  /** A command that starts the probe: `['setpriv', '--reuid=65534', …]`, `['chroot', dir]`. */
  via?: readonly string[];
  /** The probe as `via` will find it (`/gbx-probe` inside a chroot). Default: native/bin/gbx-probe. */
  binary?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Default 10 s. */
  timeoutMs?: number;
}

export interface LiveProbeOptions extends ProbeRunOptions {
  /** How long the probe stays alive after reporting, unless stopped first. Default 300 s. */
  sleepSeconds?: number;
}

/** A probe that reported and now sleeps, so that it can be inspected from outside. */
export interface LiveProbe {
  /** The pid Node started: the probe itself, unless `via` forks (unshare --fork). */
  pid: number;
  report: ProbeReport;
  /** Kills the process (SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function runProbe(options: ProbeRunOptions = {}): ProbeReport {
  const [command, args] = probeCommand(options, []);
  let output: string;
  try {
    output = execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: options.cwd,
      env: options.env,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    throw probeFailed(command, args, describeExecFailure(error), error);
  }
  return parseProbeReport(output);
}

export function startProbe(options: LiveProbeOptions = {}): Promise<LiveProbe> {
  const [command, args] = probeCommand(options, ['--sleep', String(options.sleepSeconds ?? 300)]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd, env: options.env });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise<LiveProbe>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      void stop();
      reject(probeFailed(command, args, `no report within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`));
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const settle = (outcome: () => void): void => {
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      outcome();
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const end = stdout.indexOf('\n');
      if (end < 0) return;
      settle(() => {
        try {
          resolve({ pid: child.pid!, report: parseProbeReport(stdout.slice(0, end)), stop });
        } catch (error) {
          void stop();
          reject(error);
        }
      });
    });
    child.once('error', (error) => settle(() => reject(probeFailed(command, args, error.message, error))));
    child.once('exit', (code, signal) =>
      settle(() => reject(probeFailed(command, args, `${exitText(code, signal)} before reporting${stderrText(stderr)}`))),
    );
  });
}

function probeCommand(options: ProbeRunOptions, extraArgs: string[]): [string, string[]] {
  const binary = options.binary ?? requireProbeBinary();
  const [first, ...rest] = [...(options.via ?? []), binary, ...extraArgs];
  return [first!, rest];
}

function requireProbeBinary(): string {
  const binary = nativeBinary('gbx-probe');
  if (binary === undefined) {
    throw new GlassboxError('NATIVE_NOT_BUILT', 'gbx-probe is not built', {
      kind: 'environment',
      hint: 'run npm run build (it needs a C compiler and a static libc: apt-get install build-essential libc6-dev)',
    });
  }
  return binary;
}

function probeFailed(command: string, args: string[], problem: string, cause?: unknown): GlassboxError {
  return new GlassboxError('PROBE_FAILED', `running ${[command, ...args].join(' ')}: ${problem}`, {
    kind: 'environment',
    ...(cause === undefined ? {} : { cause }),
  });
}

function describeExecFailure(error: unknown): string {
  const failure = error as { code?: string; status?: number | null; signal?: NodeJS.Signals | null; stderr?: string };
  if (failure.code === 'ETIMEDOUT') return 'timed out';
  if (typeof failure.code === 'string') return failure.code;
  return `${exitText(failure.status ?? null, failure.signal ?? null)}${stderrText(failure.stderr ?? '')}`;
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `killed by ${signal}` : `exited with status ${code}`;
}

function stderrText(stderr: string): string {
  const line = stderr.trim().split('\n')[0];
  return line === undefined || line === '' ? '' : `: ${line}`;
}
