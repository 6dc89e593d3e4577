import type { SimProcess } from './processes.js';

/** /proc/<pid>/status and /proc/<pid>/stat of a model process, field for field as proc(5) lists them. */

const STATE_NAMES: Record<SimProcess['state'], string> = {
  R: 'R (running)',
  S: 'S (sleeping)',
  T: 'T (stopped)',
  Z: 'Z (zombie)',
  I: 'I (idle)',
};

function hex(value: bigint): string {
  return value.toString(16).padStart(16, '0');
}

/** `shown`: the pid and parent pid as the reading /proc mount's pid namespace numbers them. */
export function formatStatus(p: SimProcess, cpuCount: number, shown: { pid: number; ppid: number; nested?: number[] } = { pid: p.pid, ppid: p.ppid }): string {
  const nsList = [shown.pid, ...(shown.nested ?? [])].join('\t');
  const kb = (bytes: number): string => `${Math.round(bytes / 1024)} kB`.padStart(11);
  const lines: [string, string][] = [
    ['Name', p.comm],
    ['Umask', p.umask.toString(8).padStart(4, '0')],
    ['State', STATE_NAMES[p.state]],
    ['Tgid', String(shown.pid)],
    ['Ngid', '0'],
    ['Pid', String(shown.pid)],
    ['PPid', String(shown.ppid)],
    ['TracerPid', '0'],
    ['Uid', `${p.uid}\t${p.uid}\t${p.uid}\t${p.uid}`],
    ['Gid', `${p.gid}\t${p.gid}\t${p.gid}\t${p.gid}`],
    ['FDSize', '64'],
    ['Groups', ' '],
    ['NStgid', nsList],
    ['NSpid', nsList],
    ['NSpgid', String(p.pgid)],
    ['NSsid', String(p.sid)],
    ['Kthread', p.kernelThread ? '1' : '0'],
  ];
  if (!p.kernelThread) {
    lines.push(['VmPeak', kb(p.memoryBytes * 8)], ['VmSize', kb(p.memoryBytes * 8)], ['VmRSS', kb(p.memoryBytes)]);
  }
  lines.push(
    ['Threads', '1'],
    ['SigQ', '0/63671'],
    ['SigPnd', hex(0n)],
    ['ShdPnd', hex(0n)],
    ['SigBlk', hex(0n)],
    ['SigIgn', hex(0n)],
    ['SigCgt', hex(0n)],
    ['CapInh', hex(p.caps.inheritable)],
    ['CapPrm', hex(p.caps.permitted)],
    ['CapEff', hex(p.caps.effective)],
    ['CapBnd', hex(p.caps.bounding)],
    ['CapAmb', hex(p.caps.ambient)],
    ['NoNewPrivs', p.noNewPrivs ? '1' : '0'],
    ['Seccomp', '0'],
    ['Seccomp_filters', '0'],
    ['Cpus_allowed', ((1 << cpuCount) - 1).toString(16)],
    ['Cpus_allowed_list', cpuCount > 1 ? `0-${cpuCount - 1}` : '0'],
    ['Mems_allowed_list', '0'],
    ['voluntary_ctxt_switches', '0'],
    ['nonvoluntary_ctxt_switches', '0'],
  );
  return lines.map(([key, value]) => `${key}:\t${value}\n`).join('');
}

/** The 52 fields of /proc/<pid>/stat; the comm is in parentheses and may hold spaces. */
export function formatStat(p: SimProcess, shown = { pid: p.pid, ppid: p.ppid }): string {
  const pageKb = 4096;
  const fields: (string | number)[] = [
    shown.pid,
    `(${p.comm})`,
    p.state,
    shown.ppid,
    p.pgid,
    p.sid,
    0, // tty_nr
    -1, // tpgid
    p.kernelThread ? 0x208040 : 0x400100, // flags
    0, 0, 0, 0, // minflt cminflt majflt cmajflt
    0, 0, 0, 0, // utime stime cutime cstime
    20, // priority
    0, // nice
    1, // num_threads
    0, // itrealvalue
    p.startTicks,
    p.memoryBytes * 8, // vsize
    Math.ceil(p.memoryBytes / pageKb), // rss in pages
    '18446744073709551615', // rsslim
  ];
  while (fields.length < 52) fields.push(0);
  fields[37] = 17; // exit_signal: SIGCHLD
  return `${fields.join(' ')}\n`;
}
