import { describe, expect, it } from 'vitest';
import { PROBE_BEGIN, PROBE_END, WorkloadWatcher } from '../../src/compare/workload.js';
import { sampleProcessTree, statusKilobytes, statusNumber, countLines } from '../../src/compare/host-sample.js';

describe('workload watcher', () => {
  it('times the first byte after the begin line, not the marker itself', () => {
    const watcher = new WorkloadWatcher();
    watcher.push('SeaBIOS\r\nBooting from ROM...\r\n', 10);
    watcher.push(`${PROBE_BEGIN}\r\n`, 20);
    expect(watcher.output.firstOutputMs).toBeNull();
    watcher.push('{"probeFormat":', 35);
    watcher.push('1}\r\n', 36);
    expect(watcher.output.firstOutputMs).toBe(35);
    expect(watcher.output.endMs).toBeNull();
    watcher.push(`${PROBE_END}\r\n`, 40);
    expect(watcher.output).toMatchObject({ firstOutputMs: 35, endMs: 40, probeText: '{"probeFormat":1}\n' });
    expect(watcher.output.text).not.toContain('\r');
  });

  it('finds markers split across chunks, and output in the same chunk as the marker', () => {
    const watcher = new WorkloadWatcher();
    const all = `${PROBE_BEGIN}\n{"a":1}\n${PROBE_END}\n`;
    watcher.push(all.slice(0, 5), 1);
    watcher.push(all.slice(5, PROBE_BEGIN.length + 3), 2);
    expect(watcher.output.firstOutputMs).toBe(2);
    watcher.push(all.slice(PROBE_BEGIN.length + 3, all.length - 6), 3);
    expect(watcher.output.endMs).toBeNull();
    watcher.push(all.slice(all.length - 6), 4);
    expect(watcher.output).toMatchObject({ firstOutputMs: 2, endMs: 4, probeText: '{"a":1}\n' });
  });

  it('sees nothing without the begin marker (a kernel that never reached /init)', () => {
    const watcher = new WorkloadWatcher();
    watcher.push('Kernel panic - not syncing: No working init found.\n', 5);
    watcher.push(`${PROBE_END}\n`, 6);
    expect(watcher.output).toMatchObject({ firstOutputMs: null, endMs: null, probeText: null });
  });
});

describe('host samples', () => {
  const status = (hwm: string | null, threads: number): string =>
    ['Name:\tqemu-system-x86', 'State:\tS (sleeping)', ...(hwm === null ? [] : [`VmHWM:\t  ${hwm} kB`]), `Threads:\t${threads}`, ''].join('\n');

  it('reads kB fields as bytes and plain numbers', () => {
    expect(statusKilobytes(status('227432', 3), 'VmHWM')).toBe(227432 * 1024);
    expect(statusNumber(status('1', 3), 'Threads')).toBe(3);
    expect(statusKilobytes(status(null, 1), 'VmHWM')).toBeNull();
    expect(countLines('12\n13\n\n')).toBe(2);
  });

  it('counts a process tree with its threads, and says null for a zombie or a gone process', () => {
    const files: Record<string, string> = {
      '/proc/10/status': status('2048', 3),
      '/proc/10/task/10/children': '11 ',
      '/proc/10/task/12/children': '',
      '/proc/10/task/13/children': '14',
      '/proc/11/status': status('100', 1),
      '/proc/11/task/11/children': '',
      '/proc/14/status': status('100', 2),
      '/proc/14/task/14/children': '',
      '/proc/20/status': status(null, 1),
    };
    const tasks: Record<string, string[]> = { '/proc/10/task': ['10', '12', '13'], '/proc/11/task': ['11'], '/proc/14/task': ['14'] };
    const read = (file: string): string => {
      const text = files[file];
      if (text === undefined) throw new Error(`ENOENT ${file}`);
      return text;
    };
    const list = (dir: string): string[] => tasks[dir] ?? [];
    expect(sampleProcessTree(10, read, list)).toEqual({ peakRssBytes: 2048 * 1024, processes: 3, threads: 6 });
    expect(sampleProcessTree(20, read, list)).toBeNull();
    expect(sampleProcessTree(99, read, list)).toBeNull();
  });
});
