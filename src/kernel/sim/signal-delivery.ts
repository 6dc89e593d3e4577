import { isNamespaceInit, type ProcessTable, type SimProcess } from './processes.js';
import { SIGNALS, defaultAction, signalName } from './signals.js';

const SIGKILL = SIGNALS.SIGKILL!;

/**
Delivers a signal with its default action (signal(7)): terminate, stop, continue or ignore. Pid 1
and kernel threads ignore signals they have no handler for, SIGKILL included; the init of a pid
namespace only SIGKILL and SIGSTOP (everything here comes from outside it: glassbox, the OOM killer). Signals to glassbox's
own simulated process are accepted and dropped: the model cannot end the program that runs it. A
stopped process keeps other signals pending until SIGCONT; SIGKILL ends it at once.
*/
export function deliverSignal(processes: ProcessTable, target: SimProcess, signal: number, self: SimProcess): void {
  if (signal === 0 || target.state === 'Z' || target === self) return;
  if (target.pid === 1 || target.kernelThread) return;
  const action = defaultAction(signal);
  // pid_namespaces(7): the init of a pid namespace gets, from outside it, only the signals it has a
  // handler for, and SIGKILL and SIGSTOP, which are forced. The model's programs have no handlers.
  if (isNamespaceInit(target) && signal !== SIGKILL && signal !== SIGNALS.SIGSTOP && action !== 'continue') return;
  if (target.state === 'T' && action === 'term' && signal !== SIGKILL) {
    (target.pending ??= []).push(signal);
    return;
  }
  switch (action) {
    case 'term':
      processes.end(target, { code: null, signal: signalName(signal) });
      break;
    case 'stop':
      target.state = 'T';
      break;
    case 'continue': {
      if (target.state === 'T') target.state = 'S';
      const pending = target.pending ?? [];
      target.pending = [];
      for (const next of pending) deliverSignal(processes, target, next, self);
      break;
    }
    case 'ignore':
      break;
  }
}
