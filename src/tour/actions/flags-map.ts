import { planCgroups } from '../../container/cgroup-plan.js';
import { dockerFlagsToSpec, type DockerRunFlags } from '../../container/docker-flags.js';
import { GlassboxError } from '../../errors.js';
import { detectCgroupLayout } from '../../observe/cgroup-layout.js';
import { defineAction, planned } from './define.js';

/**
`docker run` flags, one by one, to the spec field they set and the kernel calls that carry it
out: cgroup files for the limits (with this machine's cgroup layout), capset and prctl for the
privileges, a read-only remount for --read-only, setresuid for --user. Nothing runs: the next
step starts a container with the same flags and reads the result back.
*/
type FlagsArgs = { flags: string[] };

const VALUED: Record<string, keyof DockerRunFlags> = {
  '--memory': 'memory', '--cpus': 'cpus', '--pids-limit': 'pidsLimit', '--user': 'user', '--hostname': 'hostname',
};
const LISTS: Record<string, 'capDrop' | 'capAdd' | 'securityOpt'> = { '--cap-drop': 'capDrop', '--cap-add': 'capAdd', '--security-opt': 'securityOpt' };

export function parseRunFlags(argv: readonly string[]): DockerRunFlags {
  const flags: DockerRunFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (name === '--read-only') {
      flags.readOnly = true;
      continue;
    }
    const key = VALUED[name] ?? LISTS[name];
    if (key === undefined) throw new GlassboxError('TOUR_BAD_FLAG', `flags.map does not know ${name}`, { kind: 'bug' });
    const value = inline ?? argv[++i];
    if (value === undefined) throw new GlassboxError('TOUR_BAD_FLAG', `${name} needs a value`, { kind: 'bug' });
    if (name in LISTS) (flags[LISTS[name]!] ??= []).push(value);
    else (flags as Record<string, string>)[key] = value;
  }
  return flags;
}

export const flagsMap = defineAction<FlagsArgs>({
  name: 'flags.map',
  summary: { en: 'map docker run flags to the spec and to the kernel calls', ko: 'docker run 플래그를 스펙과 커널 호출로 옮기기' },
  args: { flags: { type: 'strings', required: true } },
  facts: ['memoryBytes', 'cpuQuotaUsec', 'pidsMax', 'readOnly', 'caps', 'noNewPrivileges', 'uid', 'cgroupWrites'],
  views: ['text'],
  requires: () => [],
  plan: (args) => [planned('node', 'parse', args.flags)],
  async run(args, ctx) {
    const spec = dockerFlagsToSpec('0123456789ab', '<rootfs>', ['/bin/sh'], parseRunFlags(args.flags));
    const plan = planCgroups(detectCgroupLayout(ctx.kernel), spec.id, spec.limits);
    const writes = plan.groups.flatMap((group) => group.writes.map((write) => `write ${group.dir.replace(/glassbox-[0-9a-f]+$/, 'glassbox-<id>')}/${write.file} ← ${write.value}`));
    const lines = [
      ...args.flags.map((flag) => `flag ${flag}`),
      '',
      ...writes,
      `capset: ${spec.process.caps.length} capabilities kept${spec.process.caps.length === 0 ? ' (none)' : `: ${spec.process.caps.join(' ')}`}`,
      ...(spec.process.noNewPrivileges ? ['prctl PR_SET_NO_NEW_PRIVS 1'] : []),
      ...(spec.readonlyRootfs ? ['mount / MS_BIND|MS_REMOUNT|MS_RDONLY'] : []),
      `setresgid ${spec.process.gid}; setresuid ${spec.process.uid}`,
    ];
    return {
      view: { kind: 'text', lines },
      facts: {
        memoryBytes: spec.limits.memory ?? -1,
        cpuQuotaUsec: spec.limits.cpus === undefined ? -1 : Math.round(spec.limits.cpus * 100_000),
        pidsMax: spec.limits.pidsLimit ?? -1,
        readOnly: spec.readonlyRootfs,
        caps: spec.process.caps.length,
        noNewPrivileges: spec.process.noNewPrivileges,
        uid: spec.process.uid,
        cgroupWrites: writes.length,
      },
    };
  },
});
