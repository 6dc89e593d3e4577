import type { ProcessTable, SimProcess } from './processes.js';
import { defaultAction, signalName } from './signals.js';

/**
Delivers a signal with its default action (signal(7)): terminate, stop, continue or ignore. Pid 1
and kernel threads ignore signals they have no handler for, SIGKILL included. Signals to glassbox's
own simulated process are accepted and dropped: the model cannot end the program that runs it.
*/
export function deliverSignal(processes: ProcessTable, target: SimProcess, signal: number, self: SimProcess): void {
  if (signal === 0 || target.state === 'Z' || target === self) return;
  if (target.pid === 1 || target.kernelThread) return;
  switch (defaultAction(signal)) {
    case 'term':
      processes.end(target, { code: null, signal: signalName(signal) });
      break;
    case 'stop':
      target.state = 'T';
      break;
    case 'continue':
      if (target.state === 'T') target.state = 'S';
      break;
    case 'ignore':
      break;
  }
}
