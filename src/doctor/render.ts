import { pick, type Lang, type Text } from '../i18n/lang.js';
import type { DoctorFacts } from './facts.js';
import { describeRequirement, type Verdict } from './verdict.js';

const L = {
  title: { en: 'glassbox doctor: what this machine can do', ko: 'glassbox doctor: 이 컴퓨터가 할 수 있는 것' },
  user: { en: 'user', ko: '사용자' },
  caps: { en: 'capabilities', ko: '권한(capability)' },
  kernel: { en: 'kernel', ko: '커널' },
  overlay: { en: 'overlayfs', ko: 'overlayfs' },
  namespaces: { en: 'namespaces', ko: '네임스페이스' },
  userns: { en: 'user namespaces', ko: '사용자 네임스페이스' },
  cgroups: { en: 'cgroups', ko: 'cgroup' },
  pivot: { en: 'pivot_root', ko: 'pivot_root' },
  kvm: { en: '/dev/kvm', ko: '/dev/kvm' },
  native: { en: 'native binaries', ko: '네이티브 바이너리' },
  yes: { en: 'yes', ko: '있음' },
  no: { en: 'no', ko: '없음' },
  meaning: { en: 'What this means for you', ko: '이것이 뜻하는 것' },
  real: { en: 'REAL', ko: '실제' },
  simulated: { en: 'SIMULATED', ko: '시뮬레이션' },
  needs: { en: 'needs', ko: '필요' },
  allCaps: { en: 'all the kernel knows', ko: '커널이 아는 모든 권한' },
  missing: { en: 'missing', ko: '빠짐' },
  notBuilt: { en: 'not built (run: npm run build)', ko: '빌드되지 않음 (npm run build 실행)' },
  built: { en: 'built', ko: '빌드됨' },
  writable: { en: 'writable', ko: '쓰기 가능' },
  readOnly: { en: 'not writable', ko: '쓰기 불가' },
  filesReal: {
    en: 'downloads and files are real; only the kernel calls are simulated',
    ko: '다운로드와 파일은 실제이고, 커널 호출만 시뮬레이션입니다',
  },
  unusable: { en: 'present but not usable (permissions)', ko: '있지만 사용할 수 없음(권한)' },
} satisfies Record<string, Text>;

function row(label: string, value: string): string {
  // Pad by display width: Korean characters take two columns.
  const width = [...label].reduce((sum, ch) => sum + (/[\u1100-\u11ff\u3000-\u9fff\uac00-\ud7af]/.test(ch) ? 2 : 1), 0);
  return `  ${label}${' '.repeat(Math.max(1, 18 - width))}${value}`;
}

export function renderFacts(facts: DoctorFacts, lang: Lang): string[] {
  const t = (text: Text): string => pick(text, lang);
  const yesNo = (ok: boolean): string => t(ok ? L.yes : L.no);
  const lines = [t(L.title), ''];
  lines.push(row(t(L.user), facts.uid === null ? '-' : facts.uid === 0 ? 'root (uid 0)' : `uid ${facts.uid}`));
  if (facts.capabilities.known) {
    const missing = facts.capabilities.missing;
    const caps =
      missing.length === 0
        ? t(L.allCaps)
        : `${facts.capabilities.effective.length}/${facts.capabilities.effective.length + missing.length}; ${t(L.missing)}: ${missing.join(', ')}`;
    lines.push(row(t(L.caps), caps));
  }
  lines.push(row(t(L.kernel), `${facts.platform} ${facts.kernelRelease} ${facts.arch}`));
  lines.push(row(t(L.overlay), yesNo(facts.overlay)));
  const ns = Object.entries(facts.namespaces).map(([kind, ok]) => (ok ? kind : `${kind}(${t(L.no)})`));
  lines.push(row(t(L.namespaces), ns.join(' ')));
  lines.push(row(t(L.userns), `${yesNo(facts.userNamespaces.allowed)} (${facts.userNamespaces.detail})`));
  lines.push(row(t(L.cgroups), facts.cgroups.layout));
  for (const h of facts.cgroups.hierarchies) {
    lines.push(row('', `v${h.version} ${h.mountPoint}: ${h.controllers.join(',') || '-'}`));
  }
  for (const [name, c] of Object.entries(facts.cgroups.controllers)) {
    const where = c.dir === null ? t(L.no) : `v${c.version} ${c.dir} (${t(c.writable ? L.writable : L.readOnly)})`;
    lines.push(row('', `${name}: ${where}`));
  }
  lines.push(row(t(L.pivot), `${yesNo(facts.pivotRoot.possible)} (${facts.pivotRoot.detail})`));
  lines.push(row(t(L.kvm), facts.kvm.usable ? t(L.yes) : facts.kvm.present ? t(L.unusable) : t(L.no)));
  for (const binary of facts.native) {
    lines.push(row(t(L.native), `${binary.name}: ${t(binary.built ? L.built : L.notBuilt)}`));
  }
  return lines;
}

export function renderVerdict(verdict: Verdict, lang: Lang): string[] {
  const t = (text: Text): string => pick(text, lang);
  const lines = [t(L.meaning), ''];
  if (verdict.mode === 'real') {
    lines.push(
      t({
        en: '  The tour runs on the REAL kernel: each step makes real system calls, and the screen shows what they changed.',
        ko: '  투어는 실제 커널에서 실행됩니다: 각 단계가 진짜 시스템 호출을 하고, 화면은 그 결과로 바뀐 커널 상태를 보여 줍니다.',
      }),
    );
  } else {
    lines.push(
      t({
        en: '  The tour runs on the SIMULATED kernel: the same lessons, on a model that answers as Linux would, because:',
        ko: '  투어는 시뮬레이션 커널에서 실행됩니다: 같은 수업을 Linux처럼 답하는 모델 위에서 진행합니다. 이유:',
      }),
    );
    for (const reason of verdict.reasons) lines.push(`    - ${t(reason)}`);
  }
  lines.push('');
  verdict.lessons.forEach((lesson, index) => {
    const badge = t(lesson.mode === 'real' ? L.real : L.simulated);
    const why =
      lesson.missing.length > 0
        ? `  (${t(L.needs)}: ${lesson.missing.map((r) => t(describeRequirement(r))).join(', ')})`
        : lesson.mode === 'simulated'
          ? `  (${t(L.filesReal)})`
          : '';
    lines.push(`  ${String(index + 1).padStart(2)}. ${t(lesson.title)} — ${badge}${why}`);
  });
  return lines;
}

/** The few facts that decide real or simulated, for the tour's side pane. */
export function renderFactsShort(facts: DoctorFacts, lang: Lang): string[] {
  const t = (text: Text): string => pick(text, lang);
  const yesNo = (ok: boolean): string => t(ok ? L.yes : L.no);
  const limits = Object.entries(facts.cgroups.controllers)
    .map(([name, c]) => `${name}${c.version === null ? `(${t(L.no)})` : ` v${c.version}`}`)
    .join(', ');
  const lines = [
    row(t(L.user), facts.uid === null ? '-' : facts.uid === 0 ? 'root' : `uid ${facts.uid}`),
    row(t(L.kernel), `${facts.platform} ${facts.kernelRelease}`),
  ];
  if (facts.capabilities.missing.length > 0 && facts.capabilities.missing.length <= 3) {
    lines.push(row(t(L.caps), `${t(L.missing)}: ${facts.capabilities.missing.join(', ')}`));
  }
  lines.push(
    row(t(L.cgroups), `${facts.cgroups.layout}: ${limits}`),
    row(t(L.overlay), yesNo(facts.overlay)),
    row(t(L.pivot), yesNo(facts.pivotRoot.possible)),
    row(t(L.kvm), yesNo(facts.kvm.usable)),
  );
  return lines;
}
