import fs from 'node:fs';
import type { Text } from '../i18n/lang.js';

/**
KVM or software emulation (TCG). KVM needs /dev/kvm readable and writable, and a
hypervisor that runs an ordinary kernel: some cloud machines offer /dev/kvm through PVM
(the `kvm_pvm` module, a paravirtual KVM for nested use without VMX/SVM), which boots
only kernels built as PVM guests. Debian's kernel spins there forever, so PVM counts as
no KVM. Whatever is chosen, the screen says which and why.
*/
export type VmAccel = 'kvm' | 'tcg';

export interface AccelFacts {
  kvmPresent: boolean;
  kvmUsable: boolean;
  /** Kernel modules loaded, of kvm_intel, kvm_amd, kvm_pvm. */
  modules: string[];
}

export interface AccelChoice {
  accel: VmAccel;
  reason: Text;
}

export function readAccelFacts(root = '/'): AccelFacts {
  const dev = `${root}dev/kvm`;
  let usable = false;
  try {
    fs.accessSync(dev, fs.constants.R_OK | fs.constants.W_OK);
    usable = true;
  } catch {
    usable = false;
  }
  const modules = ['kvm_intel', 'kvm_amd', 'kvm_pvm'].filter((name) => fs.existsSync(`${root}sys/module/${name}`));
  return { kvmPresent: fs.existsSync(dev), kvmUsable: usable, modules };
}

export function chooseAccel(facts: AccelFacts): AccelChoice {
  if (!facts.kvmPresent) {
    return { accel: 'tcg', reason: { en: 'no /dev/kvm: software emulation (TCG), much slower than KVM', ko: '/dev/kvm 없음: 소프트웨어 에뮬레이션(TCG), KVM보다 훨씬 느립니다' } };
  }
  if (!facts.kvmUsable) {
    return { accel: 'tcg', reason: { en: '/dev/kvm is not readable and writable for this user: software emulation (TCG)', ko: '이 사용자는 /dev/kvm을 읽고 쓸 수 없습니다: 소프트웨어 에뮬레이션(TCG)' } };
  }
  const hardware = facts.modules.includes('kvm_intel') || facts.modules.includes('kvm_amd');
  if (facts.modules.includes('kvm_pvm') && !hardware) {
    return {
      accel: 'tcg',
      reason: {
        en: '/dev/kvm is PVM (kvm_pvm), which boots only PVM guest kernels, not Debian\'s: software emulation (TCG)',
        ko: '/dev/kvm이 PVM(kvm_pvm)이라 PVM 게스트 커널만 부팅합니다(데비안 커널은 안 됨): 소프트웨어 에뮬레이션(TCG)',
      },
    };
  }
  return { accel: 'kvm', reason: { en: 'KVM: the CPU runs the guest directly (hardware virtualization)', ko: 'KVM: CPU가 게스트를 직접 실행합니다(하드웨어 가상화)' } };
}

/** When KVM was chosen but did not boot the kernel: the run falls back to TCG and says so. */
export function kvmFailedReason(detail: string): Text {
  return {
    en: `KVM did not boot the kernel (${detail}): software emulation (TCG)`,
    ko: `KVM으로 커널이 부팅되지 않았습니다(${detail}): 소프트웨어 에뮬레이션(TCG)`,
  };
}

/** qemu's arguments for the accelerator. `-cpu host` passes the real CPU through under KVM. */
export function accelArgs(accel: VmAccel): string[] {
  return accel === 'kvm' ? ['-enable-kvm', '-cpu', 'host'] : ['-accel', 'tcg'];
}
