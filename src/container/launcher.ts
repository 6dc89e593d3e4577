import { launchContainer, type LaunchedContainer, type LaunchOptions } from './launch.js';
import type { ContainerSpec } from './spec.js';

/**
What starts a container's first process: gbx-run on the real kernel, or the simulated
kernel's model of it. Both report the same steps (`op`, args, ret, errno) on
`glassbox:container:step`, so the tour and the trace comparison cannot tell them apart
except by the label.
*/
export interface ContainerLauncher {
  readonly label: 'REAL' | 'SIMULATED';
  launch(spec: ContainerSpec, options?: LaunchOptions): Promise<LaunchedContainer>;
}

export const realLauncher: ContainerLauncher = {
  label: 'REAL',
  launch: (spec, options) => launchContainer(spec, options),
};
