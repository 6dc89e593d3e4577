import { afterEach, describe, expect, it } from 'vitest';
import { createBackend, SIM_CGROUPS_ENV } from '../../src/cli/backend.js';
import { detectCgroupLayout } from '../../src/observe/cgroup-layout.js';

/** The simulation's cgroup layout: the host's by default, another one when a teacher asks for it. */
describe('the simulated backend’s cgroup layout', () => {
  const saved = process.env[SIM_CGROUPS_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[SIM_CGROUPS_ENV];
    else process.env[SIM_CGROUPS_ENV] = saved;
  });

  for (const layout of ['v1', 'v2', 'hybrid'] as const) {
    it(`is ${layout} with ${SIM_CGROUPS_ENV}=${layout}`, async () => {
      process.env[SIM_CGROUPS_ENV] = layout;
      const backend = await createBackend('sim');
      expect(backend.mode).toBe('SIMULATED');
      expect(detectCgroupLayout(backend.kernel).kind).toBe(layout);
    });
  }

  it('prefers the caller’s layout to the environment', async () => {
    process.env[SIM_CGROUPS_ENV] = 'v1';
    const backend = await createBackend('sim', { cgroupLayout: 'v2' });
    expect(detectCgroupLayout(backend.kernel).kind).toBe('v2');
  });

  it('refuses a value that is not a layout, naming the variable', async () => {
    process.env[SIM_CGROUPS_ENV] = 'v3';
    await expect(createBackend('sim')).rejects.toMatchObject({ code: 'SIM_CGROUPS_INVALID', message: expect.stringContaining('GLASSBOX_SIM_CGROUPS=v3') });
  });
});
