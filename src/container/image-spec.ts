import fs from 'node:fs';
import path from 'node:path';
import { GlassboxError } from '../errors.js';
import type { ImageConfig } from '../oci/config.js';
import { dockerFlagsToSpec, type DockerRunFlags } from './docker-flags.js';
import type { ContainerSpec } from './spec.js';

/**
`docker run IMAGE [CMD...]` as a spec: the image config gives the defaults (Entrypoint, Cmd,
Env, WorkingDir, User) and the flags override them, with Docker's rules:
- CMD given on the command line replaces the image's Cmd, never its Entrypoint;
- `--entrypoint` replaces the Entrypoint and drops the image's Cmd;
- the image's Env comes first, `-e` wins over it; PATH defaults to Docker's when neither sets it;
- `-w` beats WorkingDir; `--user` beats User. A user given by name is looked up in the
  container's own /etc/passwd once its root is mounted (`resolveUserName`).
*/
export interface CommandLine {
  entrypoint: string[];
  cmd: string[];
  /** What runs: entrypoint + cmd. */
  argv: string[];
}

export function commandFor(image: ImageConfig, args: readonly string[], entrypoint?: string): CommandLine {
  const config = image.config ?? {};
  const ep = entrypoint !== undefined ? (entrypoint === '' ? [] : [entrypoint]) : (config.Entrypoint ?? []);
  const cmd = args.length > 0 ? [...args] : entrypoint !== undefined ? [] : (config.Cmd ?? []);
  const argv = [...ep, ...cmd];
  if (argv.length === 0) {
    throw new GlassboxError('RUN_NO_COMMAND', 'no command specified: the image has no Entrypoint or Cmd', {
      kind: 'user',
      hint: 'give the command after the image: glassbox run IMAGE /bin/sh -c "…"',
    });
  }
  return { entrypoint: ep, cmd, argv };
}

export interface ImageSpec {
  spec: ContainerSpec;
  /** `--user` (or the image's User) by name: resolved after the mount. */
  userName?: string;
}

export function specFromImage(id: string, rootfs: string, image: ImageConfig, argv: string[], flags: DockerRunFlags): ImageSpec {
  const config = image.config ?? {};
  const user = flags.user ?? (config.User === undefined || config.User === '' ? undefined : config.User);
  const numericUser = user === undefined || /^\d+(:\d+)?$/.test(user);
  const merged: DockerRunFlags = {
    ...flags,
    env: [...(config.Env ?? []), ...(flags.env ?? [])],
    ...(flags.workdir === undefined && config.WorkingDir !== undefined && config.WorkingDir !== '' ? { workdir: config.WorkingDir } : {}),
  };
  delete merged.user;
  if (numericUser && user !== undefined) merged.user = user;
  const spec = dockerFlagsToSpec(id, rootfs, argv, merged);
  return numericUser ? { spec } : { spec, userName: user! };
}

/**
`name[:group]` → ids from the container's /etc/passwd and /etc/group. The files are read
through the mounted root without following a symlink at the last step (an image could point
/etc/passwd at a host file).
*/
export function resolveUserName(root: string, user: string): { uid: number; gid: number } {
  const [name = '', group] = user.split(':');
  const passwd = readEtc(root, 'passwd');
  const entry = passwd.find((fields) => fields[0] === name || fields[2] === name);
  if (entry === undefined) {
    throw new GlassboxError('RUN_UNKNOWN_USER', `unable to find user ${name}: no matching entries in passwd file`, { kind: 'user' });
  }
  const uid = Number(entry[2]);
  let gid = Number(entry[3]);
  if (group !== undefined) {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const found = readEtc(root, 'group').find((fields) => fields[0] === group);
      if (found === undefined) throw new GlassboxError('RUN_UNKNOWN_GROUP', `unable to find group ${group}: no matching entries in group file`, { kind: 'user' });
      gid = Number(found[2]);
    }
  }
  if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid)) {
    throw new GlassboxError('RUN_UNKNOWN_USER', `the passwd entry of ${name} has no numeric ids`, { kind: 'user' });
  }
  return { uid, gid };
}

function readEtc(root: string, file: 'passwd' | 'group'): string[][] {
  const full = path.join(root, 'etc', file);
  try {
    if (!fs.lstatSync(full).isFile()) return [];
    return fs
      .readFileSync(full, 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.split(':'));
  } catch {
    return [];
  }
}
