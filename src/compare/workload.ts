/**
The workload both sides run, and how its output is read. The container and the VM run
the same steps: print a start marker, run gbx-probe, print an end marker, then hold
until the host has sampled memory and processes (a line on standard input), so that
the figures describe the workload while it is still there, not the teardown.
*/
export const PROBE_BEGIN = 'GBX-PROBE-BEGIN';
export const PROBE_END = 'GBX-PROBE-END';

/** The container's command: busybox sh as PID 1 of the container. */
export const CONTAINER_SCRIPT = `echo ${PROBE_BEGIN}; /gbx-probe; echo ${PROBE_END}; read -r _`;

/**
The VM's /init. The kernel starts it with /dev/console as its terminal (the serial line).
`poweroff -f` calls reboot(2) directly: no init system is there to ask, and the ACPI
power-off makes qemu exit.
*/
export const VM_INIT_SCRIPT = [
  '#!/bin/sh',
  'mount -t proc proc /proc',
  'mount -t sysfs sysfs /sys',
  `echo ${PROBE_BEGIN}`,
  '/gbx-probe',
  `echo ${PROBE_END}`,
  'read -r _',
  'poweroff -f',
  '',
].join('\n');

/** What was seen on a workload's output so far, with the times (ms since the spawn). */
export interface WorkloadOutput {
  /** When the first byte after the begin marker's line arrived. */
  firstOutputMs: number | null;
  /** When the end marker arrived. */
  endMs: number | null;
  /** The probe's output, between the markers, with CR removed (a serial console sends CRLF). */
  probeText: string | null;
  /** Everything, for error messages (the kernel's console lines in a VM). */
  text: string;
}

/**
Follows a stream of chunks. The time of a byte is the time its chunk arrived: both
sides are read through the same event loop, so the comparison is fair.
*/
export class WorkloadWatcher {
  private text = '';
  private firstOutputMs: number | null = null;
  private endMs: number | null = null;

  push(chunk: string, atMs: number): void {
    this.text += chunk;
    if (this.firstOutputMs === null) {
      const begin = this.text.indexOf(PROBE_BEGIN);
      if (begin !== -1) {
        const lineEnd = this.text.indexOf('\n', begin);
        if (lineEnd !== -1 && this.text.length > lineEnd + 1) this.firstOutputMs = atMs;
      }
    }
    if (this.endMs === null && this.firstOutputMs !== null && this.probeSection() !== null) this.endMs = atMs;
  }

  private probeSection(): string | null {
    const begin = this.text.indexOf(PROBE_BEGIN);
    if (begin === -1) return null;
    const start = this.text.indexOf('\n', begin);
    if (start === -1) return null;
    // The end marker on a line of its own: the probe's JSON never holds it at a line start.
    const end = this.text.indexOf(`\n${PROBE_END}`, start);
    if (end === -1) return null;
    return this.text.slice(start + 1, end + 1);
  }

  get output(): WorkloadOutput {
    const section = this.probeSection();
    return {
      firstOutputMs: this.firstOutputMs,
      endMs: this.endMs,
      probeText: section === null ? null : section.replace(/\r/g, ''),
      text: this.text.replace(/\r/g, ''),
    };
  }
}
