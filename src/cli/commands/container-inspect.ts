import { effectiveStatus, isRunning } from '../../container/control.js';
import { containerPaths, type ContainerState } from '../../container/state.js';
import { CPU_PERIOD_US } from '../../container/cgroup-plan.js';

/**
A container as `docker inspect` shows it: Id, Created, Path, Args, State (Status, Running, Pid,
ExitCode, OOMKilled, Error, StartedAt, FinishedAt), Image, Name, LogPath, HostConfig (the
limits and flags), GraphDriver (the overlay's dirs), Mounts and Config (what the image and the
flags made of it), plus glassbox's own: the cgroups and the processes with their start times.
*/
const ZERO_TIME = '0001-01-01T00:00:00Z';

function dockerStatus(state: ContainerState): string {
  const status = effectiveStatus(state);
  // Docker says created until the start has finished (here: until the program's execve).
  return status === 'starting' ? 'created' : status;
}

export function describeContainer(state: ContainerState): Record<string, unknown> {
  const spec = state.spec;
  const limits = spec.limits;
  const flags = state.config.flags;
  const running = isRunning(state);
  const argv = [...state.config.entrypoint, ...state.config.cmd];
  const plan = state.rootfs?.plan;
  return {
    Id: state.id,
    Created: state.created,
    Path: argv[0] ?? '',
    Args: argv.slice(1),
    State: {
      Status: dockerStatus(state),
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: state.oomKilled ?? false,
      Dead: dockerStatus(state) === 'dead',
      Pid: running ? (state.processes.init?.pid ?? 0) : 0,
      ExitCode: state.exitCode ?? 0,
      Error: state.error ?? '',
      StartedAt: state.startedAt ?? ZERO_TIME,
      FinishedAt: state.finishedAt ?? ZERO_TIME,
    },
    Image: state.config.imageId,
    Name: `/${state.name}`,
    LogPath: state.config.detach ? containerPaths(state.id).logFile : '',
    HostConfig: {
      AutoRemove: state.config.autoRemove,
      ReadonlyRootfs: spec.readonlyRootfs,
      Memory: limits.memory ?? 0,
      MemorySwap: limits.memorySwap ?? 0,
      NanoCpus: limits.cpus === undefined ? 0 : Math.round(limits.cpus * 1e9),
      CpuPeriod: limits.cpus === undefined ? 0 : CPU_PERIOD_US,
      CpuShares: limits.cpuShares ?? 0,
      PidsLimit: limits.pidsLimit ?? null,
      CapAdd: flags.capAdd ?? null,
      CapDrop: flags.capDrop ?? null,
      SecurityOpt: flags.securityOpt ?? null,
      Binds: Array.isArray(flags.volume) ? flags.volume : null,
      Tmpfs: Array.isArray(flags.tmpfs) ? Object.fromEntries((flags.tmpfs as string[]).map((entry) => [entry.split(':')[0], entry.split(':').slice(1).join(':')])) : null,
      MaskedPaths: spec.maskedPaths,
      ReadonlyPaths: spec.readonlyPaths,
    },
    GraphDriver: {
      Name: 'overlay',
      Data:
        plan === undefined
          ? null
          : { LowerDir: plan.lowers.join(':'), UpperDir: plan.upper, WorkDir: plan.work, MergedDir: plan.merged },
    },
    Mounts: (spec.mounts ?? []).map((mount) => ({
      Type: mount.type,
      Source: mount.type === 'bind' ? mount.source : '',
      Destination: mount.destination,
      Mode: mount.options.join(','),
      RW: !mount.options.includes('ro'),
    })),
    Config: {
      Hostname: spec.hostname ?? '',
      User: typeof flags.user === 'string' ? flags.user : typeof flags.userName === 'string' ? flags.userName : '',
      Tty: spec.tty === true,
      OpenStdin: state.config.openStdin,
      Env: spec.process.env,
      Cmd: state.config.cmd,
      Entrypoint: state.config.entrypoint.length > 0 ? state.config.entrypoint : null,
      Image: state.config.image,
      WorkingDir: spec.process.cwd,
    },
    Glassbox: {
      Capabilities: spec.process.caps,
      NoNewPrivileges: spec.process.noNewPrivileges,
      Namespaces: spec.namespaces,
      Cgroups: state.cgroups?.groups.map((group) => ({ version: group.version, controllers: group.controllers, dir: group.dir })) ?? [],
      Processes: state.processes,
    },
  };
}
