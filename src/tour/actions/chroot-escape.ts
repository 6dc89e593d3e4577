import { LOAD, buildSpec, containerNeeds, startLive } from './container-live.js';
import { defineAction, missingEarlierStep, planned } from './define.js';
import { mountRootfs } from './overlay.js';
import { peek } from './state.js';

/**
The classic escape, for real: gbx-load makes a directory, chroots into it, climbs `..` far past it
and chroots to where it ended up. After a bare chroot (no mount namespace) that is the host's own
root; after pivot_root in a new mount namespace, with the old root detached, it is the container's
root again. The escape runs with CAP_SYS_CHROOT, which Docker keeps by default.
*/
type EscapeArgs = { root: 'chroot' | 'pivot_root' };

export const chrootEscape = defineAction<EscapeArgs>({
  name: 'rootfs.chroot-escape',
  summary: { en: 'try the chroot escape inside a container rooted by chroot or by pivot_root', ko: 'chroot 또는 pivot_root로 루트를 바꾼 컨테이너 안에서 chroot 탈출 시도' },
  args: { root: { type: 'string', required: true, values: ['chroot', 'pivot_root'] } },
  facts: ['escaped', 'rootCall', 'exitStatus'],
  views: ['text'],
  requires: (args) => containerNeeds({ namespaces: args.root === 'chroot' ? [] : ['mnt'] }),
  plan: (args) => [
    planned('helper', args.root === 'chroot' ? 'chroot' : 'pivot_root', args.root === 'chroot' ? ['<rootfs>'] : ['.', '.']),
    planned('helper', 'execve', [LOAD, 'chroot-escape']),
    planned('helper', 'mkdir + chroot', ['/tmp/gbx-escape.XXXXXX'], { en: 'inside: chroot into a subdirectory, keeping the cwd outside it', ko: '안에서: 하위 디렉터리로 chroot 하되 cwd는 그 밖에 둠' }),
    planned('helper', 'chdir', ['..', '× 256']),
    planned('helper', 'chroot', ['.'], { en: 'is / now another directory?', ko: '이제 /가 다른 디렉터리인가?' }),
  ],
  async run(args, ctx) {
    if (peek(ctx, 'rootfs') === undefined) throw missingEarlierStep('a mounted root filesystem', 'rootfs.prepare');
    const spec = buildSpec(mountRootfs(ctx).merged, [LOAD, 'chroot-escape'], { namespaces: args.root === 'chroot' ? [] : ['mnt'] });
    const live = await startLive(ctx, spec, { probe: false });
    const result = await live.finished;
    const escaped = live.output.map((line) => /^escaped=(yes|no)$/.exec(line)?.[1]).find((v) => v !== undefined);
    const rootCall = result.steps.find((step) => step.op === 'chroot' || step.op === 'pivot_root')?.op ?? 'none';
    return {
      view: { kind: 'text', lines: [`${rootCall} → gbx-load chroot-escape`, ...live.output.filter((line) => line !== '').map((line) => line.replace(/=\d+:\d+:\d+/, '=<dev:ino>'))] },
      facts: { escaped: escaped === 'yes', rootCall, exitStatus: result.status },
    };
  },
});
