import { formatCallArgs } from '../kernel/errors.js';
import { formatMode } from '../kernel/flags.js';
import { mountCall } from '../kernel/call-args.js';
import type { OverlayPlan, RootfsStep } from './overlay-plan.js';

/**
A plan as the calls it will make, printed the way the trace prints them after they ran
(`mount src=overlay dst=… fstype=overlay flags=0 data=lowerdir=…`), so the TUI can show the
plan first and the trace second, line for line.
*/
export function formatStep(step: RootfsStep): string {
  switch (step.op) {
    case 'mkdir':
      return `mkdir ${formatCallArgs({ path: step.path, mode: formatMode(step.mode) })}`;
    case 'lchown':
      return `lchown ${formatCallArgs({ path: step.path, uid: step.uid, gid: step.gid })}`;
    case 'symlink':
      return `symlink ${formatCallArgs({ target: step.target, path: step.path })}`;
    default: {
      const { call, args } = mountCall(step.request);
      const line = `${call} ${formatCallArgs(args)}`;
      return step.cwd === null ? line : `(in ${step.cwd}) ${line}`;
    }
  }
}

export function formatPlan(plan: OverlayPlan): string[] {
  return plan.steps.map(formatStep);
}

/** The same mount as a shell command, for learners who want to type it themselves. */
export function mountCommand(plan: OverlayPlan): string {
  const command = `mount -t overlay overlay -o '${plan.mount.data ?? ''}' ${plan.merged}`;
  return plan.cwd === null ? command : `cd ${plan.cwd} && ${command}`;
}
