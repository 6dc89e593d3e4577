import { MNT, MS } from '../../kernel/flags.js';
import { readMountInfo } from '../../observe/mountinfo.js';
import { PROBE, buildSpec, containerNeeds, startLive } from './container-live.js';
import { readMountsView } from './container-views.js';
import { defineAction, missingEarlierStep, planned } from './define.js';
import { mountRootfs } from './overlay.js';
import { lstatOrNull } from './overlay-view.js';
import { kernelScratch, peek } from './state.js';

/**
Volumes are mounts made before the container's root is pivoted: a bind mount of a host directory
(`-v /host:/data`) or a tmpfs (`--tmpfs /cache`), placed under the rootfs, which gbx-run binds
with MS_REC so the container gets them. Then a probe container shows them in its mount table.
*/
type VolumeArgs = { kind: 'bind' | 'tmpfs'; target: string; readOnly?: boolean };

export const volumes = defineAction<VolumeArgs>({
  name: 'volumes',
  summary: { en: 'give the container a bind-mounted host directory or a tmpfs', ko: '컨테이너에 호스트 디렉터리(bind) 또는 tmpfs 붙이기' },
  args: { kind: { type: 'string', required: true, values: ['bind', 'tmpfs'] }, target: { type: 'string', required: true }, readOnly: { type: 'boolean' } },
  facts: ['inContainer', 'fstype', 'readOnly', 'inUpper', 'hostFiles'],
  views: ['mounts'],
  requires: () => containerNeeds({ namespaces: ['mnt'] }),
  plan: (args) => [
    planned('node', 'mkdir', [`<rootfs>${args.target}`]),
    args.kind === 'bind'
      ? planned('node', 'mount', ['src=<scratch>/volume', `dst=<rootfs>${args.target}`, 'fstype=none', `flags=MS_BIND${args.readOnly === true ? ' then MS_REMOUNT|MS_BIND|MS_RDONLY' : ''}`])
      : planned('node', 'mount', ['src=tmpfs', `dst=<rootfs>${args.target}`, 'fstype=tmpfs', `flags=MS_NOSUID|MS_NODEV${args.readOnly === true ? '|MS_RDONLY' : ''}`, 'data=size=16m']),
    planned('helper', 'mount', ['<rootfs>', '<rootfs>', 'MS_BIND|MS_REC'], { en: 'MS_REC carries the volume into the container', ko: 'MS_REC가 볼륨을 컨테이너로 함께 가져감' }),
    planned('helper', 'execve', [PROBE]),
  ],
  async run(args, ctx) {
    if (peek(ctx, 'rootfs') === undefined) throw missingEarlierStep('a mounted root filesystem', 'rootfs.prepare');
    const plan = mountRootfs(ctx);
    const target = `${plan.merged}${args.target}`;
    if (lstatOrNull(ctx.kernel, target) === null) ctx.kernel.mkdir(target, 0o755);
    let source = 'tmpfs';
    if (args.kind === 'bind') {
      source = `${kernelScratch(ctx)}/volume-${args.target.replace(/[^a-z0-9]/gi, '')}`;
      if (lstatOrNull(ctx.kernel, source) === null) {
        ctx.kernel.mkdir(source, 0o755);
        ctx.kernel.writeFile(`${source}/from-the-host.txt`, 'written on the host\n');
      }
      ctx.kernel.mount({ source, target, fstype: null, flags: MS.MS_BIND });
      // A bind mount takes MS_RDONLY only on a remount (mount(2)).
      if (args.readOnly === true) ctx.kernel.mount({ source: '', target, fstype: null, flags: MS.MS_REMOUNT | MS.MS_BIND | MS.MS_RDONLY });
    } else {
      ctx.kernel.mount({ source: 'tmpfs', target, fstype: 'tmpfs', flags: MS.MS_NOSUID | MS.MS_NODEV | (args.readOnly === true ? MS.MS_RDONLY : 0), data: 'size=16m' });
    }
    ctx.defer(`unmount ${target}`, () => {
      if (readMountInfo(ctx.kernel).some((entry) => entry.mountPoint === target)) ctx.kernel.umount(target, MNT.MNT_DETACH);
    });
    const live = await startLive(ctx, buildSpec(plan.merged, [PROBE, '--sleep', '600'], { namespaces: ['mnt'] }), { probe: true });
    const view = readMountsView(ctx.kernel, live.started.launched.pid, []);
    const entry = view.mounts.filter((m) => m.mountPoint === args.target).at(-1);
    return {
      view,
      facts: {
        inContainer: entry !== undefined,
        fstype: entry?.fstype ?? 'none',
        readOnly: entry?.options.split(',').includes('ro') ?? false,
        // The mount point itself is made in the upper dir: the volume's content is not.
        inUpper: lstatOrNull(ctx.kernel, `${plan.upper}${args.target}/from-the-host.txt`) !== null,
        hostFiles: args.kind === 'bind' ? ctx.kernel.readdir(source).length : 0,
      },
    };
  },
});
