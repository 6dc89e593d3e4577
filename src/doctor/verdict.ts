import type { Text } from '../i18n/lang.js';
import type { Lesson } from '../lessons/schema.js';
import { REQUIREMENTS, type Requirement } from '../lessons/requirements.js';
import type { DoctorFacts } from './facts.js';

export type Mode = 'real' | 'simulated';

export interface LessonVerdict {
  id: string;
  title: Text;
  mode: Mode;
  /** The requirements this machine lacks (empty when the lesson runs for real). */
  missing: Requirement[];
}

export interface Verdict {
  /** The backend the tour will use: real when the basics for any real lesson are here. */
  mode: Mode;
  reasons: Text[];
  lessons: LessonVerdict[];
}

/** Which requirements this machine meets, derived from the facts alone. */
export function availableRequirements(facts: DoctorFacts): Set<Requirement> {
  const have = new Set<Requirement>();
  const add = (requirement: Requirement, ok: boolean): void => {
    if (ok) have.add(requirement);
  };
  add('root', facts.uid === 0);
  add('cap:sys_admin', facts.capabilities.effective.includes('CAP_SYS_ADMIN'));
  add('overlay', facts.overlay);
  add('ns:mnt', facts.namespaces.mnt);
  add('ns:uts', facts.namespaces.uts);
  add('ns:ipc', facts.namespaces.ipc);
  add('ns:pid', facts.namespaces.pid);
  add('ns:net', facts.namespaces.net);
  add('ns:cgroup', facts.namespaces.cgroup);
  add('ns:user', facts.namespaces.user && facts.userNamespaces.allowed);
  add('cgroup:memory', facts.cgroups.controllers.memory.writable);
  add('cgroup:cpu', facts.cgroups.controllers.cpu.writable);
  add('cgroup:pids', facts.cgroups.controllers.pids.writable);
  add('pivot_root', facts.pivotRoot.possible);
  add('kvm', facts.kvm.usable);
  add('native:gbx-probe', facts.native.some((binary) => binary.name === 'gbx-probe' && binary.built));
  return have;
}

/** Why the real kernel can't be used at all, in plain words; empty when it can. */
function blockers(facts: DoctorFacts): Text[] {
  const reasons: Text[] = [];
  if (facts.platform !== 'linux') {
    reasons.push({
      en: `this is ${facts.platform}, not Linux: containers are a Linux kernel feature`,
      ko: `이 컴퓨터는 Linux가 아닌 ${facts.platform}입니다: 컨테이너는 Linux 커널의 기능입니다`,
    });
    return reasons;
  }
  if (facts.uid !== 0) {
    reasons.push({
      en: `you are not root (uid ${facts.uid}): mounts, namespaces and cgroups need root`,
      ko: `root가 아닙니다(uid ${facts.uid}): 마운트, 네임스페이스, cgroup에는 root 권한이 필요합니다`,
    });
  } else if (!facts.capabilities.effective.includes('CAP_SYS_ADMIN')) {
    reasons.push({
      en: 'root, but without CAP_SYS_ADMIN (inside a restricted container?): mounts and namespaces are refused',
      ko: 'root이지만 CAP_SYS_ADMIN이 없습니다(제한된 컨테이너 안?): 마운트와 네임스페이스가 거부됩니다',
    });
  }
  if (!facts.realBackend.ok) {
    reasons.push({
      en: `the real kernel backend does not load: ${facts.realBackend.reason ?? 'unknown reason'}`,
      ko: `실제 커널 백엔드를 불러올 수 없습니다: ${facts.realBackend.reason ?? '알 수 없는 이유'}`,
    });
  }
  return reasons;
}

/** `forceSim`: the learner chose `--kernel sim`; the facts still say what the machine could do. */
export function decideVerdict(facts: DoctorFacts, lessons: Lesson[], options: { forceSim?: boolean } = {}): Verdict {
  const reasons = options.forceSim
    ? [{ en: 'you chose the simulation (--kernel sim)', ko: '시뮬레이션을 선택했습니다(--kernel sim)' }]
    : blockers(facts);
  const mode: Mode = reasons.length === 0 ? 'real' : 'simulated';
  const have = availableRequirements(facts);
  return {
    mode,
    reasons,
    lessons: lessons.map((lesson) => {
      const missing = lesson.requires.filter((requirement) => !have.has(requirement));
      // A lesson that needs nothing (pull, unpack) still follows the backend: without the
      // real one, its kernel parts are simulated even though the files are real.
      const lessonMode: Mode = mode === 'real' && missing.length === 0 ? 'real' : 'simulated';
      return { id: lesson.id, title: lesson.title, mode: lessonMode, missing };
    }),
  };
}

export function describeRequirement(requirement: Requirement): Text {
  return REQUIREMENTS[requirement];
}
