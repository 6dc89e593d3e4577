import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GlassboxError } from '../../src/errors.js';
import { qemuArgs } from '../../src/compare/boot-vm.js';
import { bootWithFallback, comparisonAvailability, requireVmAssets, runComparison } from '../../src/compare/measure.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';
import { accelArgs, chooseAccel, type AccelChoice, type VmAccel } from '../../src/compare/vm-accel.js';
import { findKernelIn, findKernelPackage, lookupVmAssets, rankKernels } from '../../src/compare/vm-assets.js';

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-compare-unit-'));
  scratch.push(dir);
  return dir;
}

function touch(file: string, mode = 0o644): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'x', { mode });
  return file;
}

describe('finding the VM kernel', () => {
  it('prefers the cloud flavour, then the highest version (numerically)', () => {
    expect(rankKernels(['vmlinuz-6.1.0-9-amd64', 'vmlinuz-6.1.0-10-amd64', 'vmlinuz-6.1.0-8-cloud-amd64'])).toEqual([
      'vmlinuz-6.1.0-8-cloud-amd64',
      'vmlinuz-6.1.0-10-amd64',
      'vmlinuz-6.1.0-9-amd64',
    ]);
  });

  it('finds kernels in glassbox home before the system dir and /boot, and image packages but not metapackages', () => {
    const home = tempDir();
    const system = tempDir();
    const boot = tempDir();
    const apt = tempDir();
    touch(path.join(boot, 'vmlinuz-6.1.0-1-amd64'));
    touch(path.join(apt, 'linux-image-amd64_6.1.192-2_amd64.deb'));
    touch(path.join(apt, 'linux-image-6.1.0-56-amd64_6.1.192-2_amd64.deb'));
    const bin = tempDir();
    touch(path.join(bin, 'qemu-system-x86_64'), 0o755);
    touch(path.join(bin, 'busybox'), 0o755);
    const options = { home, systemVmDir: system, bootDir: boot, aptArchives: apt, pathEnv: bin, busybox: path.join(bin, 'busybox'), probe: '/x/gbx-probe', arch: 'x64' };
    const lookup = (): string | undefined => {
      const found = lookupVmAssets(options);
      return found.ok ? found.assets.kernel : undefined;
    };
    expect(lookup()).toBe(path.join(boot, 'vmlinuz-6.1.0-1-amd64'));
    touch(path.join(system, 'vmlinuz-6.1.0-2-amd64'));
    expect(lookup()).toBe(path.join(system, 'vmlinuz-6.1.0-2-amd64'));
    touch(path.join(home, 'vm', 'vmlinuz-6.1.0-3-amd64'));
    expect(lookup()).toBe(path.join(home, 'vm', 'vmlinuz-6.1.0-3-amd64'));
    expect(findKernelPackage([apt])).toBe(path.join(apt, 'linux-image-6.1.0-56-amd64_6.1.192-2_amd64.deb'));
    expect(findKernelIn(path.join(home, 'nothing'))).toBeUndefined();
  });

  it('says what is missing, each with a way to get it', () => {
    const empty = tempDir();
    const found = lookupVmAssets({ home: empty, systemVmDir: empty, bootDir: empty, aptArchives: empty, pathEnv: empty, busybox: path.join(empty, 'busybox'), probe: undefined, arch: 'arm64' });
    expect(found.ok).toBe(false);
    const missing = found.ok ? [] : found.missing;
    expect(missing.map((entry) => entry.what)).toEqual(['arch', 'qemu', 'kernel', 'busybox', 'gbx-probe']);
    expect(missing.find((entry) => entry.what === 'qemu')?.hint).toMatch(/apt-get install qemu-system-x86/);
    expect(missing.find((entry) => entry.what === 'kernel')?.hint).toMatch(/install-system-deps\.sh/);
    let error: unknown;
    try {
      requireVmAssets({ home: empty, systemVmDir: empty, bootDir: empty, aptArchives: empty, pathEnv: empty, busybox: path.join(empty, 'busybox'), arch: 'x64' });
    } catch (caught) {
      error = caught;
    }
    expect(GlassboxError.is(error) && error.code).toBe('COMPARE_VM_MISSING');
    expect((error as GlassboxError).kind).toBe('environment');
    expect((error as GlassboxError).hint).toMatch(/glassbox compare --recorded/);
  });
});

describe('choosing KVM or TCG', () => {
  it('uses KVM only when /dev/kvm is usable and not PVM', () => {
    expect(chooseAccel({ kvmPresent: true, kvmUsable: true, modules: ['kvm_intel'] }).accel).toBe('kvm');
    expect(chooseAccel({ kvmPresent: true, kvmUsable: true, modules: ['kvm_amd', 'kvm_pvm'] }).accel).toBe('kvm');
    const pvm = chooseAccel({ kvmPresent: true, kvmUsable: true, modules: ['kvm_pvm'] });
    expect(pvm.accel).toBe('tcg');
    expect(pvm.reason.en).toMatch(/PVM/);
    expect(chooseAccel({ kvmPresent: true, kvmUsable: false, modules: ['kvm_intel'] }).reason.en).toMatch(/not readable and writable/);
    expect(chooseAccel({ kvmPresent: false, kvmUsable: false, modules: [] }).reason.ko).toMatch(/TCG/);
  });

  it('builds qemu arguments with the serial console on stdio, no devices, no reboot', () => {
    const args = qemuArgs({ qemu: 'q', kernel: '/k', initramfs: '/i', accel: 'tcg' });
    const after = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
    expect(args).toEqual(expect.arrayContaining(['-nodefaults', '-nographic', '-no-reboot']));
    expect(after('-serial')).toBe('stdio');
    expect(after('-monitor')).toBe('none');
    expect(after('-m')).toBe('256');
    expect(after('-kernel')).toBe('/k');
    expect(after('-initrd')).toBe('/i');
    expect(after('-append')).toMatch(/^console=ttyS0 quiet/);
    expect(accelArgs('kvm')).toEqual(['-enable-kvm', '-cpu', 'host']);
    expect(after('-accel')).toBe('tcg');
  });

  it('falls back from KVM to TCG on the first run only, and never after Ctrl-C', async () => {
    const kvm: AccelChoice = { accel: 'kvm', reason: { en: 'kvm', ko: 'kvm' } };
    const tried: VmAccel[] = [];
    const boot = async (accel: VmAccel): Promise<string> => {
      tried.push(accel);
      if (accel === 'kvm') throw new GlassboxError('COMPARE_VM_TIMEOUT', 'the VM (kvm) did not run the probe within 20 s', { kind: 'environment' });
      return 'booted';
    };
    const first = await bootWithFallback(boot, kvm, true);
    expect(first.run).toBe('booted');
    expect(first.choice.accel).toBe('tcg');
    expect(first.choice.reason.en).toMatch(/^KVM did not boot the kernel \(the VM \(kvm\) did not run the probe within 20 s\)/);
    expect(tried).toEqual(['kvm', 'tcg']);
    await expect(bootWithFallback(boot, kvm, false)).rejects.toThrow(/within 20 s/);
    const interrupted = async (): Promise<string> => {
      throw new GlassboxError('COMPARE_INTERRUPTED', 'comparison interrupted', { kind: 'user' });
    };
    await expect(bootWithFallback(interrupted, kvm, true)).rejects.toMatchObject({ code: 'COMPARE_INTERRUPTED' });
  });
});

describe('what can be measured', () => {
  it('refuses the simulated kernel before anything starts, saying so', async () => {
    const sim = createSimKernel();
    expect(comparisonAvailability(sim)).toEqual({ ok: false, reason: 'the simulated kernel has no containers to time' });
    await expect(runComparison({ kernel: sim })).rejects.toMatchObject({ code: 'COMPARE_NEEDS_REAL', kind: 'environment' });
    await expect(runComparison({ kernel: sim, runs: 0 })).rejects.toMatchObject({ code: 'COMPARE_BAD_RUNS' });
  });
});
