/**
The container lifecycle's pure parts: docker's argv rules for run, names and lookups, the
image config as a spec, user names from the image's passwd, ps's STATUS column, the state
file, and when a container counts as abandoned (its owner gone, pid reuse included).
*/
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCommandArgs, RUN_FLAGS, toDockerFlags } from '../../src/cli/commands/run-args.js';
import { chainId, layerDirs } from '../../src/cli/commands/run-image.js';
import { layerPaths } from '../../src/unpack/index.js';
import { formatStatus } from '../../src/cli/commands/ps.js';
import { parseGlobal } from '../../src/cli/run.js';
import { parseSignal } from '../../src/container/control.js';
import { isOrphan } from '../../src/container/gc.js';
import { commandFor, resolveUserName, specFromImage } from '../../src/container/image-spec.js';
import { checkName, findContainer, newContainerId, pickName } from '../../src/container/names.js';
import { containerPaths, currentBootId, listContainerIds, listStates, readState, writeState, type ContainerState } from '../../src/container/state.js';
import { defaultSpec } from '../../src/container/spec.js';
import type { ImageConfig } from '../../src/oci/config.js';
import { ownIdentity } from '../../src/store/process-alive.js';

const IMAGE: ImageConfig = {
  architecture: 'amd64',
  os: 'linux',
  config: { Entrypoint: ['/entry'], Cmd: ['--serve'], Env: ['PATH=/opt/bin:/bin', 'MODE=image'], WorkingDir: '/srv', User: '' },
  rootfs: { type: 'layers', diff_ids: [] },
};

function stateFor(id: string, change: Partial<ContainerState> = {}): ContainerState {
  return {
    format: 1,
    id,
    name: `n${id.slice(0, 4)}`,
    created: new Date().toISOString(),
    status: 'running',
    config: { image: 'demo', imageId: 'sha256:x', entrypoint: [], cmd: ['true'], tty: false, openStdin: false, autoRemove: false, detach: false, flags: {} },
    layers: [],
    spec: defaultSpec(id, '/nowhere', ['true']),
    processes: { owner: ownIdentity() },
    ...change,
  };
}

describe('run argv', () => {
  const hint = 'glassbox run IMAGE';

  it('reads flags up to the image and leaves the command untouched', () => {
    const parsed = parseCommandArgs(['-dit', '--name=web', '-e', 'A=1', '-eB=2', '--rm', 'demo', 'ls', '-l', '--json', '-e'], RUN_FLAGS, 1, hint);
    expect(parsed.operands).toEqual(['demo', 'ls', '-l', '--json', '-e']);
    expect(parsed.values).toMatchObject({ detach: true, interactive: true, tty: true, name: 'web', env: ['A=1', 'B=2'], rm: true });
  });

  it('maps the values onto the spec flags', () => {
    const { values } = parseCommandArgs(['-m', '32m', '--memory-swap', '64m', '--cpus', '0.5', '--pids-limit=20', '--read-only', '--cap-drop', 'ALL', '--cap-add', 'NET_BIND_SERVICE', '--security-opt', 'no-new-privileges', '-u', '1000:1000', '-w', '/tmp', 'demo'], RUN_FLAGS, 1, hint);
    expect(toDockerFlags(values)).toEqual({
      memory: '32m', memorySwap: '64m', cpus: '0.5', pidsLimit: '20', readOnly: true, capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'],
      securityOpt: ['no-new-privileges'], user: '1000:1000', workdir: '/tmp',
    });
  });

  it('refuses unknown flags and flags without their value', () => {
    expect(() => parseCommandArgs(['--frobnicate', 'demo'], RUN_FLAGS, 1, hint)).toThrow('unknown flag: --frobnicate');
    expect(() => parseCommandArgs(['-dx', 'demo'], RUN_FLAGS, 1, hint)).toThrow("unknown shorthand flag: 'x' in -dx");
    expect(() => parseCommandArgs(['--name'], RUN_FLAGS, 1, hint)).toThrow('flag needs an argument: --name');
    expect(() => parseCommandArgs(['--rm=yes', 'demo'], RUN_FLAGS, 1, hint)).toThrow('flag --rm takes no value');
  });

  it('keeps global options after the image for the container (parseGlobal)', () => {
    const parsed = parseGlobal(['--json', 'run', '--rm', 'demo', 'ls', '--json', '--kernel', 'sim']);
    expect(parsed.options.json).toBe(true);
    expect(parsed.options.kernel).toBe('auto');
    expect(parsed.rest).toEqual(['--rm', 'demo', 'ls', '--json', '--kernel', 'sim']);
    // Other commands still have them taken out anywhere.
    expect(parseGlobal(['images', 'busybox', '--json']).options.json).toBe(true);
  });
});

describe('names and ids', () => {
  const a = { id: 'ab'.repeat(32), state: stateFor('ab'.repeat(32), { name: 'web' }) };
  const b = { id: 'ac'.repeat(32), state: stateFor('ac'.repeat(32), { name: 'db' }) };

  it('makes 64-hex ids and Docker-like names', () => {
    expect(newContainerId()).toMatch(/^[0-9a-f]{64}$/);
    expect(newContainerId()).not.toBe(newContainerId());
    expect(pickName(undefined, [])).toMatch(/^[a-z]+_[a-z]+$/);
  });

  it('refuses a bad or taken name, naming who has it', () => {
    expect(() => checkName('-bad')).toThrow('invalid container name');
    expect(() => checkName('x')).toThrow('invalid container name');
    expect(checkName('/ok.name_1')).toBe('ok.name_1');
    expect(() => pickName('web', [a, b])).toThrow(`the container name "/web" is already in use by container ${a.id.slice(0, 12)}`);
    expect(pickName('api', [a, b])).toBe('api');
  });

  it('finds by id, name or a unique id prefix', () => {
    expect(findContainer(a.id, [a, b])).toBe(a);
    expect(findContainer('db', [a, b])).toBe(b);
    expect(findContainer('/db', [a, b])).toBe(b);
    expect(findContainer('ab', [a, b])).toBe(a);
    expect(() => findContainer('a', [a, b])).toThrow('"a" matches 2 containers');
    expect(() => findContainer('zz', [a, b])).toThrow('no such container: zz');
  });
});

describe('the image config as a spec', () => {
  it('follows docker: CMD replaces Cmd, --entrypoint replaces Entrypoint and drops Cmd', () => {
    expect(commandFor(IMAGE, []).argv).toEqual(['/entry', '--serve']);
    expect(commandFor(IMAGE, ['--debug']).argv).toEqual(['/entry', '--debug']);
    expect(commandFor(IMAGE, [], '/bin/sh')).toEqual({ entrypoint: ['/bin/sh'], cmd: [], argv: ['/bin/sh'] });
    expect(() => commandFor({ ...IMAGE, config: {} }, [])).toThrow('no command specified');
  });

  it('puts -e over the image Env and -w over WorkingDir; a user name waits for the root', () => {
    const { spec, userName } = specFromImage('c'.repeat(64), '/root', IMAGE, ['/entry'], { env: ['MODE=flag'], user: 'nobody:nogroup' });
    expect(spec.process.env).toEqual(expect.arrayContaining(['PATH=/opt/bin:/bin', 'MODE=flag']));
    expect(spec.process.env.filter((entry) => entry.startsWith('MODE='))).toEqual(['MODE=flag']);
    expect(spec.process.cwd).toBe('/srv');
    expect(userName).toBe('nobody:nogroup');
    const numeric = specFromImage('c'.repeat(64), '/root', IMAGE, ['/entry'], { user: '1000:2000', workdir: '/tmp' });
    expect(numeric.userName).toBeUndefined();
    expect(numeric.spec.process).toMatchObject({ uid: 1000, gid: 2000, cwd: '/tmp' });
  });

  it('looks names up in the root\'s passwd and group, never through a symlink', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-passwd-'));
    try {
      fs.mkdirSync(path.join(root, 'etc'));
      fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nweb:x:33:34::/srv:/bin/false\n');
      fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nstaff:x:50:\n');
      expect(resolveUserName(root, 'web')).toEqual({ uid: 33, gid: 34 });
      expect(resolveUserName(root, 'web:staff')).toEqual({ uid: 33, gid: 50 });
      expect(resolveUserName(root, 'web:7')).toEqual({ uid: 33, gid: 7 });
      expect(() => resolveUserName(root, 'ghost')).toThrow('unable to find user ghost');
      fs.rmSync(path.join(root, 'etc/passwd'));
      fs.symlinkSync('/etc/passwd', path.join(root, 'etc/passwd'));
      expect(() => resolveUserName(root, 'root')).toThrow('unable to find user root');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('state on disk', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-state-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('writes and reads back; a damaged file is reported, not thrown at ps', () => {
    const good = stateFor('1'.repeat(64));
    fs.mkdirSync(containerPaths(good.id, root).dir);
    writeState(good, root);
    expect(readState(good.id, root)).toEqual(good);
    const bad = '2'.repeat(64);
    fs.mkdirSync(containerPaths(bad, root).dir);
    fs.writeFileSync(containerPaths(bad, root).stateFile, '{"format": 1, "id": "tru');
    fs.mkdirSync(path.join(root, 'not-a-container'));
    expect(listContainerIds(root).sort()).toEqual([good.id, bad]);
    const listed = listStates(root);
    expect(listed.find((entry) => entry.id === bad)?.error?.code).toBe('CONTAINER_STATE_INVALID');
    expect(readState('3'.repeat(64), root)).toBeUndefined();
    // No temp file is left beside the state.
    expect(fs.readdirSync(containerPaths(good.id, root).dir)).toEqual(['state.json']);
  });

  it('counts a container as abandoned when its owner is gone or its pid was reused', () => {
    const dead = spawnSync('true').pid!;
    expect(isOrphan(stateFor('4'.repeat(64)))).toBe(false);
    expect(isOrphan(stateFor('4'.repeat(64), { processes: { owner: { pid: dead, startTime: '1' } } }))).toBe(true);
    expect(isOrphan(stateFor('4'.repeat(64), { processes: { owner: { pid: process.pid, startTime: '1' } } }))).toBe(true);
    expect(isOrphan(stateFor('4'.repeat(64), { processes: {} }))).toBe(true);
    expect(isOrphan(stateFor('4'.repeat(64), { status: 'exited', processes: {} }))).toBe(false);
    // Written in another boot: whatever its pids are now, they are not its processes.
    expect(isOrphan(stateFor('4'.repeat(64), { bootId: currentBootId()! }))).toBe(false);
    expect(isOrphan(stateFor('4'.repeat(64), { bootId: '00000000-0000-0000-0000-000000000000' }))).toBe(true);
  });
});

describe('ps STATUS and signals', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  it('says Up, Exited (code) ago, Created or Dead as docker does', () => {
    const started = new Date(now.getTime() - 3500).toISOString();
    expect(formatStatus(stateFor('5'.repeat(64), { startedAt: started, processes: { owner: ownIdentity(), init: ownIdentity() } }), now)).toBe('Up 3 seconds');
    expect(formatStatus(stateFor('5'.repeat(64), { status: 'exited', exitCode: 137, finishedAt: new Date(now.getTime() - 150_000).toISOString() }), now)).toBe('Exited (137) 2 minutes ago');
    expect(formatStatus(stateFor('5'.repeat(64), { status: 'created' }), now)).toBe('Created');
    // Says running, but its owner is gone: nobody will record its exit.
    expect(formatStatus(stateFor('5'.repeat(64), { processes: {} }), now)).toBe('Dead');
  });

  it('reads signals as names with or without SIG, or numbers', () => {
    expect(parseSignal('term')).toBe('SIGTERM');
    expect(parseSignal('SIGKILL')).toBe('SIGKILL');
    expect(parseSignal('9')).toBe('SIGKILL');
    expect(() => parseSignal('NOPE')).toThrow('invalid signal: NOPE');
  });
});

describe('the short road to unpacked layers', () => {
  const a = `sha256:${'a'.repeat(64)}`;
  const b = `sha256:${'b'.repeat(64)}`;

  it('finds layers where unpack puts them', () => {
    const { diff, info } = layerPaths('/x/layers', a);
    expect(layerDirs('/x/layers', a)).toEqual({ diff, info });
  });

  it('names a stack by Docker\'s ChainID: order matters, one layer is its own diff_id', () => {
    expect(chainId([a])).toBe(a);
    // sha256("sha256:aaa… sha256:bbb…"), as Docker computes it; checked with coreutils.
    const sum = spawnSync('sha256sum', { input: `${a} ${b}`, encoding: 'utf8' }).stdout.split(' ')[0];
    expect(chainId([a, b])).toBe(`sha256:${sum}`);
    expect(chainId([a, b, a])).not.toBe(chainId([a, b]));
    expect(chainId([a, b])).not.toBe(chainId([b, a]));
  });
});
