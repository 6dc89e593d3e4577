/**
Linux signal numbers (x86_64) and default actions from signal(7). The table is the model's own: the
host's os.constants.signals differ on macOS (SIGUSR1 is 30 there) and the simulation must not.
*/
export const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGIOT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPOLL: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/** _NSIG - 1: real-time signals run up to 64. */
export const SIGRTMAX = 64;

export type SignalAction = 'term' | 'ignore' | 'stop' | 'continue';

const IGNORED = new Set([SIGNALS.SIGCHLD, SIGNALS.SIGURG, SIGNALS.SIGWINCH]);
const STOPPING = new Set([SIGNALS.SIGSTOP, SIGNALS.SIGTSTP, SIGNALS.SIGTTIN, SIGNALS.SIGTTOU]);

/** signal(7): what a process without handlers does (core dumps count as terminating). */
export function defaultAction(signal: number): SignalAction {
  if (IGNORED.has(signal)) return 'ignore';
  if (STOPPING.has(signal)) return 'stop';
  if (signal === SIGNALS.SIGCONT) return 'continue';
  return 'term';
}

/** The name Node reports in an 'exit' event; real-time signals have none there. */
export function signalName(signal: number): NodeJS.Signals | null {
  const entry = Object.entries(SIGNALS).find(([name, value]) => value === signal && name !== 'SIGIOT' && name !== 'SIGPOLL');
  return entry === undefined ? null : (entry[0] as NodeJS.Signals);
}

/** A signal name or number to its number; undefined for an unknown name or a number out of range. */
export function signalNumber(signal: string | number): number | undefined {
  if (typeof signal === 'number') return Number.isInteger(signal) && signal >= 0 && signal <= SIGRTMAX ? signal : undefined;
  return SIGNALS[signal];
}
