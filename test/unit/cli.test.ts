import { describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli-in-process.js';

const cli = cliInProcess;

describe('cli', () => {
  it('refuses an unknown command with a hint and no stack', async () => {
    const { code, err } = await cli('frobnicate');
    expect(code).toBe(2);
    expect(err).toBe('glassbox: unknown command "frobnicate"\n  hint: run: glassbox help\n');
  });

  it('refuses a bad --lang and an unknown flag', async () => {
    expect((await cli('doctor', '--lang', 'fr')).err).toMatch(/--lang must be ko or en, not "fr"/);
    const unknown = await cli('doctor', '--frob');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown option '--frob'/);
    expect(unknown.err).not.toMatch(/at .*\.js/);
  });

  it('reports errors as JSON with --json', async () => {
    const { out } = await cli('frobnicate', '--json');
    expect(JSON.parse(out)).toMatchObject({ error: { code: 'CLI_USAGE', kind: 'user' } });
  });

  it('prints help and the version', async () => {
    expect((await cli('help')).out).toMatch(/usage: glassbox <command>/);
    expect((await cli('--version')).out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('prints the tour as plain text without a terminal, in Korean too', async () => {
    const { code, out } = await cli('learn', '--plain', '--kernel', 'sim', '--lang', 'ko');
    expect(code).toBe(0);
    expect(out).toMatch(/시뮬레이션 커널에서 실행됩니다/);
    expect(out).toMatch(/1\. 컨테이너와 가상 머신/);
  });

  it('refuses an unknown lesson', async () => {
    const { code, err } = await cli('learn', 'nope', '--plain');
    expect(code).toBe(2);
    expect(err).toMatch(/no lesson "nope"/);
  });
});

describe('cli option placement', () => {
  it('takes global options anywhere and leaves command options to the command', async () => {
    const { parseGlobal } = await import('../../src/cli/run.js');
    const parsed = parseGlobal(['--json', 'pull', '--platform', 'linux/arm64', '-q', 'busybox', '--lang=ko']);
    expect(parsed.command).toBe('pull');
    expect(parsed.options).toMatchObject({ json: true, lang: 'ko', kernel: 'auto' });
    expect(parsed.rest).toEqual(['--platform', 'linux/arm64', '-q', 'busybox']);
  });

  it('refuses an option before the command and a missing value', async () => {
    expect((await cli('--frob', 'doctor')).err).toMatch(/unknown option '--frob' before the command/);
    expect((await cli('doctor', '--kernel')).err).toMatch(/option --kernel needs a value/);
  });

  it('refuses stray operands where a command takes none', async () => {
    const { code, err } = await cli('doctor', 'extra');
    expect(code).toBe(2);
    expect(err).toMatch(/unexpected argument 'extra'/);
  });
});
