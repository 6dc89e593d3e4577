import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GlassboxError } from '../../src/errors.js';
import {
  PROBE_NAMESPACES,
  PROBE_RLIMITS,
  parseProbeReport,
  runProbe,
  startProbe,
  type ProbeReport,
} from '../../src/native/probe.js';

/** A report as the probe prints it on a root shell of a typical host. */
function sampleReport(): ProbeReport {
  const full = (): { hex: string; names: string[] } => ({
    hex: '8000000000000003',
    names: ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'cap_63'],
  });
  return {
    probeFormat: 1,
    pid: 4242,
    ppid: 4200,
    hostname: 'box "one"\n',
    domainname: '(none)',
    kernelRelease: '6.1.0-18-amd64',
    machine: 'x86_64',
    uid: { real: 0, effective: 0, saved: 0, fs: 0 },
    gid: { real: 0, effective: 0, saved: 0, fs: 0 },
    groups: [0, 27],
    uidMap: [{ inside: 0, outside: 0, count: 4294967295 }],
    gidMap: [{ inside: 0, outside: 100000, count: 65536 }],
    setgroups: 'allow',
    capabilities: {
      lastCap: 40,
      inheritable: { hex: '0000000000000000', names: [] },
      permitted: full(),
      effective: full(),
      bounding: full(),
      ambient: null,
    },
    noNewPrivs: false,
    seccomp: { mode: 2, name: 'filter', filters: 1, source: 'proc' },
    namespaces: Object.fromEntries(
      PROBE_NAMESPACES.map((name, index) => [name, { type: name.replace(/_for_children$/, ''), inode: 4026531835 + index }]),
    ) as ProbeReport['namespaces'],
    cgroups: [
      { hierarchy: 4, controllers: ['memory'], path: '/a:b/c' },
      { hierarchy: 0, controllers: [], path: '/' },
    ],
    root: '/',
    cwd: '/home/\u00ff',
    mountCount: 31,
    fds: [
      { fd: 0, target: '/dev/null' },
      { fd: 1, target: null },
    ],
    rlimits: Object.fromEntries(
      PROBE_RLIMITS.map((name, index) => [name, index % 2 === 0 ? { soft: 1024, hard: 'unlimited' } : null]),
    ) as ProbeReport['rlimits'],
    errors: [{ field: 'capabilities.ambient', call: 'prctl PR_CAP_AMBIENT_IS_SET 0', errno: 'EINVAL' }],
    errorsDropped: 0,
  };
}

/** Parses `report` after `edit` changed it, and returns the error message. */
function rejectionOf(edit: (report: Record<string, unknown>) => void): GlassboxError {
  const report = sampleReport() as unknown as Record<string, unknown>;
  edit(report);
  try {
    parseProbeReport(JSON.stringify(report));
  } catch (error) {
    expect(GlassboxError.is(error)).toBe(true);
    return error as GlassboxError;
  }
  throw new Error('the report was accepted');
}

describe('parseProbeReport', () => {
  it('returns a well-formed report unchanged', () => {
    const report = sampleReport();
    expect(parseProbeReport(JSON.stringify(report))).toEqual(report);
    expect(parseProbeReport(JSON.stringify(report, null, 2))).toEqual(report);
  });

  it('accepts the report of a process that has no /proc: every proc-based field null', () => {
    const report: ProbeReport = {
      ...sampleReport(),
      uidMap: null,
      gidMap: null,
      setgroups: null,
      seccomp: { mode: 0, name: 'disabled', filters: null, source: 'prctl' },
      namespaces: Object.fromEntries(PROBE_NAMESPACES.map((name) => [name, null])) as ProbeReport['namespaces'],
      cgroups: null,
      root: null,
      mountCount: null,
      fds: null,
    };
    expect(parseProbeReport(JSON.stringify(report))).toEqual(report);
  });

  it('refuses text that is not JSON, with PROBE_BAD_OUTPUT', () => {
    for (const text of ['', '{"pid": 1', 'gbx-probe: unknown argument']) {
      let caught: unknown;
      try {
        parseProbeReport(text);
      } catch (error) {
        caught = error;
      }
      expect(GlassboxError.is(caught)).toBe(true);
      expect((caught as GlassboxError).code).toBe('PROBE_BAD_OUTPUT');
      expect((caught as GlassboxError).message).toMatch(/^gbx-probe output: the report is not JSON/);
    }
  });

  it('refuses JSON that is not an object', () => {
    expect(() => parseProbeReport('[1, 2]')).toThrow('gbx-probe output: the report is an array, expected an object');
    expect(() => parseProbeReport('null')).toThrow('the report is null, expected an object');
  });

  it('names a missing top-level field', () => {
    const error = rejectionOf((report) => delete report.uidMap);
    expect(error.code).toBe('PROBE_BAD_OUTPUT');
    expect(error.kind).toBe('bug');
    expect(error.message).toBe('gbx-probe output: uidMap is missing, expected an array');
  });

  it('names a wrong type deep inside, with its path', () => {
    expect(
      rejectionOf((report) => {
        (report.capabilities as { effective: { hex: string } }).effective.hex = 'ffff';
      }).message,
    ).toBe('gbx-probe output: capabilities.effective.hex is string "ffff", expected 16 lowercase hex digits');
    expect(
      rejectionOf((report) => {
        (report.cgroups as { controllers: unknown[] }[])[1]!.controllers = [7];
      }).message,
    ).toContain('cgroups[1].controllers[0] is number 7, expected a string');
    expect(
      rejectionOf((report) => {
        (report.uid as { fs: unknown }).fs = -1;
      }).message,
    ).toContain('uid.fs is number -1, expected an integer >= 0');
  });

  it('requires every namespace and every rlimit key', () => {
    expect(
      rejectionOf((report) => delete (report.namespaces as Record<string, unknown>).time_for_children).message,
    ).toContain('namespaces.time_for_children is missing');
    expect(rejectionOf((report) => delete (report.rlimits as Record<string, unknown>).rttime).message).toContain(
      'rlimits.rttime is missing',
    );
  });

  it('accepts "unlimited" but no other word as a limit', () => {
    expect(
      rejectionOf((report) => {
        (report.rlimits as Record<string, unknown>).nofile = { soft: 'infinity', hard: 'unlimited' };
      }).message,
    ).toContain('rlimits.nofile.soft is string "infinity", expected an integer >= 0 or "unlimited"');
  });

  it('refuses fields it does not know, and another probe format', () => {
    expect(rejectionOf((report) => (report.extra = 1)).message).toBe(
      'gbx-probe output: extra is not a field this glassbox knows',
    );
    expect(
      rejectionOf((report) => ((report.namespaces as Record<string, unknown>).mystery = null)).message,
    ).toContain('namespaces.mystery is not a field');
    expect(rejectionOf((report) => (report.probeFormat = 2)).message).toContain('probeFormat is number 2, expected 1');
  });

  it('checks the errors list', () => {
    expect(
      rejectionOf((report) => (report.errors = [{ field: 'root', call: 'readlink /proc/self/root', errno: 2 }])).message,
    ).toContain('errors[0].errno is number 2, expected an errno name');
    expect(rejectionOf((report) => (report.errors = [{ field: 'root', call: 'x' }])).message).toContain(
      'errors[0].errno is missing',
    );
  });
});

describe('runProbe and startProbe with a stand-in probe', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-probe-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    expect(fs.existsSync(dir)).toBe(false);
  });

  /** A shell script standing in for gbx-probe: it prints `stdout`, then runs `then`. */
  function fakeProbe(stdout: string, then = 'exit 0'): string {
    const file = path.join(dir, 'probe');
    fs.writeFileSync(path.join(dir, 'out'), stdout);
    fs.writeFileSync(file, `#!/bin/sh\necho "$@" > "${dir}/args"\ncat "${dir}/out"\n${then}\n`, { mode: 0o755 });
    return file;
  }

  it('runs the binary and parses what it printed', () => {
    const report = sampleReport();
    const binary = fakeProbe(`${JSON.stringify(report)}\n`);
    expect(runProbe({ binary })).toEqual(report);
  });

  it('runs it through a `via` command', () => {
    const binary = fakeProbe(`${JSON.stringify(sampleReport())}\n`);
    expect(runProbe({ binary, via: ['env', 'GLASSBOX_X=1'] }).pid).toBe(4242);
  });

  it('reports a failed run with its status and first stderr line', () => {
    const binary = fakeProbe('', 'echo "gbx-probe: boom" >&2; echo more >&2; exit 3');
    expect(() => runProbe({ binary })).toThrow(`running ${binary}: exited with status 3: gbx-probe: boom`);
    try {
      runProbe({ binary });
    } catch (error) {
      expect((error as GlassboxError).code).toBe('PROBE_FAILED');
    }
  });

  it('reports a missing binary and a timeout', () => {
    expect(() => runProbe({ binary: path.join(dir, 'absent') })).toThrow(/: ENOENT$/);
    const binary = fakeProbe('', 'exec sleep 5');
    expect(() => runProbe({ binary, timeoutMs: 200 })).toThrow(/: timed out$/);
  });

  it('reports bad output as PROBE_BAD_OUTPUT', () => {
    const binary = fakeProbe('{"pid": "one"}\n');
    expect(() => runProbe({ binary })).toThrow('gbx-probe output: probeFormat is missing');
  });

  it('startProbe passes --sleep, returns the first line parsed, and stop() ends the process', async () => {
    const report = sampleReport();
    const binary = fakeProbe(`${JSON.stringify(report)}\n`, 'exec sleep 30');
    const live = await startProbe({ binary, sleepSeconds: 12.5 });
    try {
      expect(live.report).toEqual(report);
      expect(fs.readFileSync(path.join(dir, 'args'), 'utf8').trim()).toBe('--sleep 12.5');
      expect(fs.existsSync(`/proc/${live.pid}`)).toBe(true);
    } finally {
      await live.stop();
    }
    expect(fs.existsSync(`/proc/${live.pid}`)).toBe(false);
  });

  it('startProbe rejects when the probe exits before reporting', async () => {
    const binary = fakeProbe('', 'echo "gbx-probe: --sleep needs a number" >&2; exit 2');
    await expect(startProbe({ binary })).rejects.toThrow(/exited with status 2 before reporting: gbx-probe: --sleep/);
  });
});
