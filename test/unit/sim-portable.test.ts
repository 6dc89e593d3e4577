import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
The simulation must load where koffi cannot (macOS, Windows, a machine without the native module).
A child Node imports src/kernel/sim/index.ts with a resolve hook that fails every import of koffi and
of the Linux backend, and uses the simulated kernel a little: if anything on that path needed either,
the import itself would fail.
*/
const HOOKS = `
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export async function resolve(specifier, context, next) {
  if (specifier === 'koffi' || specifier.startsWith('koffi/')) {
    throw Object.assign(new Error('koffi is not available on this machine'), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const ts = new URL(specifier.replace(/\\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(ts))) specifier = ts.href;
  }
  const resolved = await next(specifier, context);
  if (resolved.url.includes('/kernel/linux/')) throw new Error('the Linux backend was loaded: ' + resolved.url);
  return resolved;
}
`;

const MAIN = `
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
const sim = await import(process.argv[2]);
const k = sim.createSimKernel({ cgroupLayout: 'v2' });
const dir = k.mkdtemp('/tmp/glassbox-');
k.mkdir(dir + '/m');
k.mount({ source: 'tmpfs', target: dir + '/m', fstype: 'tmpfs', flags: 0, data: 'size=1m' });
k.writeFile(dir + '/m/f', 'hello');
const child = k.spawn(['sleep', '1000']);
k.kill(child.pid, 'SIGKILL');
const exit = await child.exited;
let koffi = 'loaded';
try { await import('koffi'); } catch (error) { koffi = error.code; }
console.log(JSON.stringify({ label: k.label, read: k.readFile(dir + '/m/f'), exit, koffi }));
`;

function runNode(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: 60_000 }, (_error, stdout, stderr) => resolve({ stdout, stderr }));
  });
}

describe('simulated kernel portability', () => {
  it('loads and runs with koffi and the Linux backend unavailable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-portable-'));
    try {
      writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
      writeFileSync(join(dir, 'main.mjs'), MAIN);
      const index = fileURLToPath(new URL('../../src/kernel/sim/index.ts', import.meta.url));
      const result = await runNode(['--experimental-transform-types', '--no-warnings', join(dir, 'main.mjs'), new URL(`file://${index}`).href]);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({
        label: 'SIMULATED',
        read: 'hello',
        exit: { code: null, signal: 'SIGKILL' },
        koffi: 'ERR_MODULE_NOT_FOUND',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(dir)).toBe(false);
  });
});
