import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribeContainerSteps, type ContainerStepEvent } from '../container/launch.js';
import { subscribeCalls, type KernelCallEvent } from '../kernel/trace.js';
import type { CallRecord } from './types.js';

/**
The call log of one session. Both channels publish synchronously from the code that made the
call, so the async context of the caller is still current in the subscriber: a step runs inside
`owner.run(token)`, and only events whose context carries this session's token are recorded.
Another lesson (or a test) using the kernel at the same time never shows up in this log.
*/
const owner = new AsyncLocalStorage<object>();

export interface CallRecorder {
  /** Runs `body` with its calls attributed to this recorder, feeding each to `onCall`. */
  record<T>(body: () => Promise<T>, onCall: (call: CallRecord) => void): Promise<T>;
}

export function createCallRecorder(): CallRecorder {
  const token = {};
  let sink: ((call: CallRecord) => void) | null = null;
  let started = 0;
  const mine = (): boolean => owner.getStore() === token && sink !== null;
  const onKernel = (event: KernelCallEvent): void => {
    if (mine()) sink!(kernelRecord(event));
  };
  const onStep = (event: ContainerStepEvent): void => {
    // `next` only announces a step (step mode); its `done` carries the result.
    if (mine() && event.phase === 'done') sink!(stepRecord(event, performance.now() - started));
  };
  return {
    async record(body, onCall) {
      const unsubscribeCalls = subscribeCalls(onKernel);
      const unsubscribeSteps = subscribeContainerSteps(onStep);
      sink = onCall;
      started = performance.now();
      try {
        return await owner.run(token, body);
      } finally {
        sink = null;
        unsubscribeCalls();
        unsubscribeSteps();
      }
    },
  };
}

export function kernelRecord(event: KernelCallEvent): CallRecord {
  const record: CallRecord = { by: 'node', call: event.call, args: Object.entries(event.args).map(([k, v]) => `${k}=${v}`), ms: event.ms };
  if (event.errnoName !== undefined) record.errno = event.errnoName;
  else if (event.result !== undefined) record.result = String(event.result);
  return record;
}

export function stepRecord(event: ContainerStepEvent, ms: number): CallRecord {
  const record: CallRecord = { by: 'helper', call: event.op, args: Object.entries(event.args).map(([k, v]) => `${k}=${v}`), ms };
  if (event.errno !== undefined && event.errno !== null) record.errno = event.errno;
  else record.result = String(event.ret ?? 0);
  return record;
}

/** `mount src=overlay dst=/x`: how a record reads in a transcript. */
export function formatCallRecord(record: CallRecord): string {
  const args = record.args.join(' ');
  const outcome = record.errno !== undefined ? ` = -1 ${record.errno}` : record.result !== undefined ? ` = ${record.result}` : '';
  return `${record.call}${args === '' ? '' : ` ${args}`}${outcome}`;
}

/**
Runs `body` outside any session's log: for the samples a live view takes while a workload runs
(ten reads a second would bury the calls the step is about).
*/
export function runUnrecorded<T>(body: () => T): T {
  return owner.exit(body);
}
