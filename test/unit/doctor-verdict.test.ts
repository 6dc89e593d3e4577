import { describe, expect, it } from 'vitest';
import type { DoctorFacts } from '../../src/doctor/facts.js';
import { availableRequirements, decideVerdict } from '../../src/doctor/verdict.js';
import { renderFacts, renderVerdict } from '../../src/doctor/render.js';
import { loadLessons } from '../../src/lessons/load.js';

/** Facts of a machine like the project's: root, hybrid cgroups, everything but CAP_SYS_RESOURCE. */
function rootHybrid(): DoctorFacts {
  const writable = (dir: string) => ({ dir, version: 1 as const, writable: true });
  return {
    platform: 'linux',
    arch: 'x64',
    kernelRelease: '6.18.0',
    uid: 0,
    capabilities: { known: true, effective: ['CAP_CHOWN', 'CAP_SYS_ADMIN'], missing: ['CAP_SYS_RESOURCE'] },
    overlay: true,
    namespaces: { mnt: true, uts: true, ipc: true, pid: true, net: true, user: true, cgroup: true, time: true },
    userNamespaces: { allowed: true, detail: 'max_user_namespaces=1000' },
    cgroups: {
      layout: 'hybrid',
      hierarchies: [],
      controllers: {
        memory: writable('/sys/fs/cgroup/memory/x'),
        cpu: writable('/sys/fs/cgroup/cpu'),
        pids: writable('/sys/fs/cgroup/pids'),
      },
    },
    pivotRoot: { possible: true, rootFsType: 'ext4', detail: 'root filesystem is ext4' },
    kvm: { present: true, usable: true },
    native: [{ name: 'gbx-probe', built: true, path: '/x/gbx-probe' }],
    realBackend: { ok: true },
  };
}

const lessons = loadLessons();

describe('doctor verdict', () => {
  it('runs every lesson for real on a root machine that has everything', () => {
    const verdict = decideVerdict(rootHybrid(), lessons);
    expect(verdict.mode).toBe('real');
    expect(verdict.reasons).toEqual([]);
    expect(verdict.lessons.map((l) => l.mode)).toEqual(lessons.map(() => 'real'));
  });

  it('simulates everything for an unprivileged user, and says why', () => {
    const facts = { ...rootHybrid(), uid: 65534, capabilities: { known: true, effective: [], missing: ['CAP_SYS_ADMIN'] } };
    const verdict = decideVerdict(facts, lessons);
    expect(verdict.mode).toBe('simulated');
    expect(verdict.reasons[0]?.en).toMatch(/not root \(uid 65534\)/);
    expect(verdict.reasons[0]?.ko).toMatch(/root가 아닙니다/);
    expect(verdict.lessons.every((l) => l.mode === 'simulated')).toBe(true);
    const overlay = verdict.lessons.find((l) => l.id === 'overlayfs');
    expect(overlay?.missing).toEqual(['root', 'cap:sys_admin']);
  });

  it('simulates only the lessons whose parts are missing', () => {
    const facts = rootHybrid();
    facts.kvm = { present: false, usable: false };
    facts.cgroups.controllers.memory = { dir: null, version: null, writable: false };
    const verdict = decideVerdict(facts, lessons);
    const mode = (id: string) => verdict.lessons.find((l) => l.id === id);
    expect(verdict.mode).toBe('real');
    // Without KVM the VM side falls back to emulation or recorded figures: the container side stays real.
    expect(mode('container-vs-vm')).toMatchObject({ mode: 'real', missing: [] });
    expect(mode('cgroups')).toMatchObject({ mode: 'simulated', missing: ['cgroup:memory'] });
    expect(mode('docker-run-flags')).toMatchObject({ mode: 'simulated', missing: ['cgroup:memory'] });
    expect(mode('namespaces')?.mode).toBe('real');
  });

  it('names the platform off Linux', () => {
    const facts = { ...rootHybrid(), platform: 'darwin', uid: 501 };
    const verdict = decideVerdict(facts, lessons);
    expect(verdict.reasons).toHaveLength(1);
    expect(verdict.reasons[0]?.en).toMatch(/darwin, not Linux/);
  });

  it('counts user namespaces only when they are allowed', () => {
    const facts = rootHybrid();
    facts.userNamespaces = { allowed: false, detail: 'user.max_user_namespaces is 0' };
    expect(availableRequirements(facts).has('ns:user')).toBe(false);
    expect(availableRequirements(rootHybrid()).has('ns:user')).toBe(true);
  });

  it('renders both languages with the missing capability named', () => {
    const facts = rootHybrid();
    const en = renderFacts(facts, 'en').join('\n');
    const ko = renderFacts(facts, 'ko').join('\n');
    expect(en).toMatch(/missing: CAP_SYS_RESOURCE/);
    expect(ko).toMatch(/권한\(capability\).*CAP_SYS_RESOURCE/);
    const verdictKo = renderVerdict(decideVerdict({ ...facts, uid: 1000 }, lessons), 'ko').join('\n');
    expect(verdictKo).toMatch(/시뮬레이션 커널에서 실행됩니다/);
    expect(verdictKo).toMatch(/오버레이|overlayfs/);
  });
});

describe('doctor verdict with --kernel sim', () => {
  it('simulates on a capable machine and gives the choice as the reason', () => {
    const verdict = decideVerdict(rootHybrid(), lessons, { forceSim: true });
    expect(verdict.mode).toBe('simulated');
    expect(verdict.reasons).toEqual([{ en: 'you chose the simulation (--kernel sim)', ko: '시뮬레이션을 선택했습니다(--kernel sim)' }]);
    expect(verdict.lessons.every((l) => l.mode === 'simulated' && l.missing.length === 0)).toBe(true);
  });
});
