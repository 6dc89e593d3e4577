import type { Text } from '../i18n/lang.js';

/**
What a lesson needs from the machine to run on the real kernel. The doctor finds which
of these the machine has; a lesson missing any of them runs on the simulated kernel.
*/
export const REQUIREMENTS = {
  root: { en: 'running as root (uid 0)', ko: 'root(uid 0)로 실행' },
  'cap:sys_admin': { en: 'the CAP_SYS_ADMIN capability (mounts, namespaces)', ko: 'CAP_SYS_ADMIN 권한(마운트, 네임스페이스)' },
  overlay: { en: 'overlayfs in the kernel', ko: '커널의 overlayfs 지원' },
  'ns:mnt': { en: 'mount namespaces', ko: '마운트 네임스페이스' },
  'ns:uts': { en: 'UTS (hostname) namespaces', ko: 'UTS(호스트 이름) 네임스페이스' },
  'ns:ipc': { en: 'IPC namespaces', ko: 'IPC 네임스페이스' },
  'ns:pid': { en: 'PID namespaces', ko: 'PID 네임스페이스' },
  'ns:net': { en: 'network namespaces', ko: '네트워크 네임스페이스' },
  'ns:user': { en: 'user namespaces', ko: '사용자 네임스페이스' },
  'ns:cgroup': { en: 'cgroup namespaces', ko: 'cgroup 네임스페이스' },
  'cgroup:memory': { en: 'a writable memory cgroup controller', ko: '쓰기 가능한 memory cgroup 컨트롤러' },
  'cgroup:cpu': { en: 'a writable cpu cgroup controller', ko: '쓰기 가능한 cpu cgroup 컨트롤러' },
  'cgroup:pids': { en: 'a writable pids cgroup controller', ko: '쓰기 가능한 pids cgroup 컨트롤러' },
  pivot_root: { en: 'a root filesystem that allows pivot_root', ko: 'pivot_root가 가능한 루트 파일시스템' },
  kvm: { en: 'a usable /dev/kvm', ko: '사용 가능한 /dev/kvm' },
  'native:gbx-probe': { en: 'the gbx-probe binary (npm run build)', ko: 'gbx-probe 바이너리(npm run build)' },
} as const satisfies Record<string, Text>;

export type Requirement = keyof typeof REQUIREMENTS;

export function isRequirement(value: unknown): value is Requirement {
  return typeof value === 'string' && Object.hasOwn(REQUIREMENTS, value);
}
