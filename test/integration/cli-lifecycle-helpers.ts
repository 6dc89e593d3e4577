import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const glassbox = path.join(root, 'bin', 'glassbox');

/** What the container tests need built (and /bin/busybox for the demo image); empty when all is there. */
export function missingForContainers(): string[] {
  const missing = ['dist/cli/main.js', 'native/bin/gbx-run', 'native/bin/gbx-load'].filter((file) => !fs.existsSync(path.join(root, file)));
  if (!fs.existsSync('/bin/busybox')) missing.push('/bin/busybox');
  return missing;
}

export interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/**
bin/glassbox for one test file, in the scratch home and with the token the file's current test
reads from `current` (both change per test).
*/
export function containerCli(current: () => { home: string; token: string }) {
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, GLASSBOX_HOME: current().home, LANG: 'C', ...extra });
  const cli = (...args: string[]): Ran => {
    const result = spawnSync(glassbox, args, { env: env(), encoding: 'utf8', timeout: 60_000 });
    return { code: result.status, out: result.stdout, err: result.stderr };
  };
  const ids = (): string[] => {
    const dir = path.join(current().home, 'containers');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => /^[0-9a-f]{64}$/.test(name)) : [];
  };
  return {
    env,
    cli,
    ids,
    /**
    After each test: gc and `rm -f` of every container, then nothing of them may be left (mounts,
    cgroups, processes, state); the home is removed whatever happened.
    */
    cleanUp(): void {
      const { home, token } = current();
      try {
        const gc = cli('gc');
        expect(gc.code, gc.err).toBe(0);
        for (const id of ids()) cli('rm', '-f', id);
        expect(leftovers(home, token)).toEqual([]);
        expect(ids()).toEqual([]);
      } finally {
        removeHome(home);
      }
    },
    start(args: string[], extra: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<Ran>; out: () => string; err: () => string } {
      const child = spawn(glassbox, args, { env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const done = new Promise<Ran>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
      return { child, done, out: () => out, err: () => err };
    },
    /** A shell loop that holds the token in its command line, so a survivor can be found by it. */
    loop(body = ''): string[] {
      return ['sh', '-c', `${body} while :; do sleep 0.1; done; : ${current().token}`];
    },
  };
}

/** Polls `check` every 50 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Our own cgroup directory in each mounted hierarchy (from /proc/self/cgroup). */
function ownCgroupDirs(): string[] {
  const dirs: string[] = [];
  for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean)) {
    const [hid, controllers = '', own = '/'] = line.split(':');
    const mounts = hid === '0' ? ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'] : controllers.split(',').map((name) => `/sys/fs/cgroup/${name.replace(/^name=/, '')}`);
    const mount = mounts.find((dir) => fs.existsSync(path.join(dir, 'cgroup.procs')));
    if (mount !== undefined) dirs.push(path.join(mount, own));
  }
  return [...new Set(dirs)];
}

/** Cgroups named like a CLI container's (`glassbox-<64 hex>`) below our own, a few levels deep. */
export function containerCgroups(): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.filter((e) => e.isDirectory())) {
      const child = path.join(dir, entry.name);
      if (/^glassbox-[0-9a-f]{64}$/.test(entry.name)) found.push(child);
      else if (depth < 3) walk(child, depth + 1);
    }
  };
  for (const dir of ownCgroupDirs()) walk(dir, 0);
  return found;
}

/** Processes whose command line holds `token`. */
export function processesWith(token: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(token)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone
    }
  }
  return found;
}

/**
Everything a test's containers could leave: mounts below the home, any CLI container's cgroup
(only these tests make them), processes with the token.
*/
export function leftovers(home: string, token: string): string[] {
  const real = fs.realpathSync(home);
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(`${real}/`))
    .map((point) => `mount ${point}`);
  const cgroups = containerCgroups().map((dir) => `cgroup ${dir}`);
  return [...mounts, ...cgroups, ...processesWith(token).map((line) => `process ${line}`)];
}

/**
The safety net after a test that already failed its leak check: detaches the mounts below the
home (so that removing it never reaches through an overlay into the layers), removes the
container cgroups (killing what is in them), then the home itself.
*/
export function removeHome(home: string): void {
  const real = fs.existsSync(home) ? fs.realpathSync(home) : home;
  const points = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(`${real}/`))
    .reverse();
  for (const point of points) spawnSync('umount', ['-l', point]);
  for (const dir of containerCgroups().filter((group) => fs.existsSync(path.join(real, 'containers', group.slice(group.lastIndexOf('glassbox-') + 9))))) {
    for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (let i = 0; i < 50; i++) {
      try {
        fs.rmdirSync(dir);
        break;
      } catch {
        spawnSync('sleep', ['0.05']);
      }
    }
  }
  fs.rmSync(home, { recursive: true, force: true });
}
