import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { defaultReportDir } from '../../src/report/write-reports.js';
import { progressPath, saveProgress } from '../../src/tour/progress.js';
import { cgroupsProgress, namespacesProgress, overlayfsProgress } from '../fixtures/report/progress.js';

/**
`glassbox report` through the CLI on progress files in a scratch GLASSBOX_HOME: which lessons it
picks, where the files go, what it refuses. No browser here (--no-render, or a missing one): the
rendering itself is test/integration/report.test.ts.
*/
let home: string;
let out: string;
const saved = { home: process.env.GLASSBOX_HOME, chromium: process.env.GLASSBOX_CHROMIUM };

beforeEach(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-report-home-'));
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-report-out-'));
  process.env.GLASSBOX_HOME = home;
  for (const progress of [overlayfsProgress(), namespacesProgress(), cgroupsProgress()]) await saveProgress(progress, home);
});

afterEach(() => {
  for (const [key, value] of [['GLASSBOX_HOME', saved.home], ['GLASSBOX_CHROMIUM', saved.chromium]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(out, { recursive: true, force: true });
  expect(fs.existsSync(home) || fs.existsSync(out)).toBe(false);
});

async function report(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, out, err } = await cliInProcess('report', '--lang', 'en', ...args);
  return { code, stdout: out, stderr: err };
}

describe('glassbox report', () => {
  it('writes a report for every finished lesson, and leaves out the one only started', async () => {
    const result = await report('-o', out, '--no-render');
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['04-overlayfs.md', '07-cgroups.md']);
    expect(result.stdout.trim().split('\n')).toEqual([path.join(out, '04-overlayfs.md'), path.join(out, '07-cgroups.md')]);
    expect(result.stderr).toBe('');
    expect(fs.readFileSync(path.join(out, '07-cgroups.md'), 'utf8')).toContain('```mermaid\nflowchart LR');
  });

  it('with --all also the lessons only started, marked so', async () => {
    const result = await report('-o', out, '--no-render', '--all');
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['04-overlayfs.md', '06-namespaces.md', '07-cgroups.md']);
    expect(result.stdout).toContain(`${path.join(out, '06-namespaces.md')} (not finished)`);
    expect(fs.readFileSync(path.join(out, '06-namespaces.md'), 'utf8')).toContain('| finished | no |');
  });

  it('takes lessons by id or order number', async () => {
    const result = await report('4', 'cgroups', '-o', out, '--no-render', '--json');
    expect(result.code, result.stdout).toBe(0);
    const json = JSON.parse(result.stdout) as { outDir: string; reports: Array<{ lesson: string; file: string; finished: boolean; diagrams: Array<{ kind: string; file: string | null }> }>; rendered: boolean; failed: unknown[] };
    expect(json.outDir).toBe(out);
    expect(json.rendered).toBe(false);
    expect(json.failed).toEqual([]);
    expect(json.reports).toEqual([
      { lesson: 'overlayfs', file: path.join(out, '04-overlayfs.md'), finished: true, diagrams: [{ kind: 'layers', file: null }, { kind: 'overlay', file: null }] },
      { lesson: 'cgroups', file: path.join(out, '07-cgroups.md'), finished: true, diagrams: [{ kind: 'cgroups', file: null }] },
    ]);
  });

  it('refuses a lesson named but not finished, pointing to --all, and writes none', async () => {
    const result = await report('overlayfs', 'namespaces', '-o', out, '--no-render');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('glassbox: lesson namespaces is not finished (2 steps run)');
    expect(result.stderr).toContain('hint: finish it with glassbox learn namespaces, or add --all');
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('refuses an unknown lesson and a lesson never started (bad input: exit 2)', async () => {
    const unknown = await report('nosuch', '-o', out);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('glassbox: no lesson "nosuch"');
    fs.rmSync(progressPath('cgroups', home));
    const never = await report('cgroups', '-o', out, '--json');
    expect(JSON.parse(never.stdout)).toEqual({
      error: { code: 'REPORT_NO_PROGRESS', kind: 'user', message: `lesson cgroups has no progress in ${path.join(home, 'progress')}`, hint: 'run it first: glassbox learn cgroups' },
    });
    expect(never.code).toBe(2);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('says there is nothing to report when no lesson is finished', async () => {
    fs.rmSync(path.join(home, 'progress'), { recursive: true });
    const result = await report('-o', out, '--json');
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'REPORT_NOTHING', kind: 'user' });
  });

  it('writes the others when one progress file is broken, names it, and exits 1', async () => {
    fs.writeFileSync(progressPath('cgroups', home), JSON.stringify({ ...cgroupsProgress(), steps: [{ id: 'oom' }] }));
    const result = await report('-o', out, '--no-render');
    expect(result.code).toBe(1);
    expect(fs.readdirSync(out)).toEqual(['04-overlayfs.md']);
    expect(result.stderr).toContain(`glassbox: progress file ${progressPath('cgroups', home)}: at steps[0].ranAt: must be a string`);
    // Only broken files: the error, and no folder made for nothing.
    fs.writeFileSync(progressPath('overlayfs', home), '{"format_version": 1, "lesson": "overlayfs", "current": 0, "steps": "x"}');
    const empty = path.join(out, 'empty');
    const only = await report('overlayfs', 'cgroups', '-o', empty, '--no-render');
    expect(only.code).toBe(1);
    expect(only.stderr).toContain(`progress file ${progressPath('overlayfs', home)}: has no steps list`);
    expect(fs.existsSync(empty)).toBe(false);
  });

  it('without a browser keeps the sources, says why on stderr, and removes SVGs an earlier run left', async () => {
    fs.writeFileSync(path.join(out, '04-overlayfs-overlay.svg'), '<svg/>');
    process.env.GLASSBOX_CHROMIUM = path.join(out, 'no-chromium');
    const result = await report('overlayfs', '-o', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(`glassbox: diagrams kept as mermaid sources: no browser at ${path.join(out, 'no-chromium')}\n`);
    expect(fs.readdirSync(out)).toEqual(['04-overlayfs.md']);
    expect(fs.readFileSync(path.join(out, '04-overlayfs.md'), 'utf8')).toContain(`(no browser at ${path.join(out, 'no-chromium')})`);
  });

  it('puts --learner on the reports and names the default folder after the learner', async () => {
    const result = await report('overlayfs', '-o', out, '--no-render', '--learner', 'Lee Seojun');
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(out, '04-overlayfs.md'), 'utf8')).toContain('| learner | Lee Seojun |');
    expect(defaultReportDir('Lee Seojun')).toBe('glassbox-report-lee-seojun');
    expect(defaultReportDir('김민지 (3반)')).toBe('glassbox-report-김민지-3반');
    expect(defaultReportDir('../../etc')).toBe('glassbox-report-etc');
    expect(defaultReportDir('///')).toBe('glassbox-report-learner');
  });

  it('refuses an unknown option', async () => {
    const result = await report('--frobnicate');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--frobnicate'");
  });
});
