import { describe, expect, it } from 'vitest';
import { loadRecorded } from '../../src/compare/recorded.js';
import { cliInProcess } from '../helpers/cli-in-process.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, out, err } = await cliInProcess(...args);
  return { code, stdout: out, stderr: err };
}

describe('glassbox compare (no measuring)', () => {
  it('shows the recorded figures with where they come from, in both languages', async () => {
    const recorded = loadRecorded();
    const en = await cli(['compare', '--recorded', '--lang', 'en']);
    expect(en.code).toBe(0);
    expect(en.stdout.split('\n')[0]).toBe(`container vs VM, recorded on ${recorded.source}: ${recorded.result.runs.length} runs, medians`);
    expect(en.stdout).toContain(recorded.result.vm.kernelRelease);
    const ko = await cli(['compare', '--recorded', '--lang', 'ko']);
    expect(ko.stdout).toContain('첫 출력까지 시간');
  });

  it('prints the recorded view as JSON for the tour', async () => {
    const { code, stdout } = await cli(['compare', '--recorded', '--json']);
    expect(code).toBe(0);
    const body = JSON.parse(stdout) as { origin: string; view: { origin: string; source: string; rows: unknown[] } };
    expect(body.origin).toBe('recorded');
    expect(body.view.origin).toBe('recorded');
    expect(body.view.source).toBe(loadRecorded().source);
    expect(body.view.rows).toHaveLength(6);
  });

  it('refuses bad --runs, operands and the simulated kernel, as usage errors', async () => {
    for (const runs of ['0', '51', 'x', '2.5']) {
      const result = await cli(['compare', '--runs', runs]);
      expect(result.code, runs).toBe(2);
      expect(result.stderr).toMatch(/--runs must be a whole number from 1 to 50/);
    }
    expect((await cli(['compare', 'extra'])).code).toBe(2);
    const sim = await cli(['compare', '--kernel', 'sim', '--json']);
    expect(sim.code).toBe(2);
    expect(JSON.parse(sim.stdout)).toMatchObject({ error: { code: 'COMPARE_NEEDS_REAL', hint: 'see recorded figures: glassbox compare --recorded' } });
  });

  it('is listed in glassbox help', async () => {
    expect((await cli(['help'])).stdout).toMatch(/^ {2}compare +container vs VM/m);
  });
});
