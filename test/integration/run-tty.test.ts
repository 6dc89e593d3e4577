import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeSpec } from '../../src/container/launch-protocol.js';
import { nativeBinary } from '../../src/native/paths.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';
import { collect, useRunHarness } from './run-harness.js';

const gate = await realKernelGate();
const ready = nativeBinary('gbx-run') !== undefined && fs.existsSync('/bin/busybox') && fs.existsSync('/usr/bin/script');

/*
A driver that speaks gbx-run's protocol in plain JavaScript, so that it can run inside
script(1)'s pty with the terminal as gbx-run's stdin and stdout: Node itself never reads
the terminal. It prints its tty's name first, for the test to resize it.
*/
const DRIVER = `
import { spawn } from 'node:child_process';
import fs from 'node:fs';
process.stderr.write('TTY=' + fs.readlinkSync('/proc/self/fd/0') + '\\n');
const frame = (type, body = Buffer.alloc(0)) => {
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(body.length + 1, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 5);
  return out;
};
const child = spawn(process.env.GBX_RUN, [], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], env: {} });
const control = child.stdio[3];
control.write(frame('S', Buffer.from(process.env.GBX_SPEC, 'base64')));
let pending = Buffer.alloc(0);
control.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
    const length = pending.readUInt32BE(0);
    const event = JSON.parse(pending.subarray(5, 4 + length).toString('utf8'));
    pending = pending.subarray(4 + length);
    if (event.type === 'created') control.write(frame('R'));
    if (event.type === 'error') process.stderr.write('ERROR ' + event.message + '\\n');
  }
});
control.on('error', () => {});
child.on('exit', (code, signal) => process.exit(code ?? 128));
`;

function waitFor(read: () => string, pattern: RegExp, ms: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const match = pattern.exec(read());
      if (match !== null) {
        clearInterval(timer);
        resolve(match);
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${pattern} in ${JSON.stringify(read())}`));
      }
    }, 20);
  });
}

if (gate.mode !== 'run') {
  describeGateOutcome('run -t: a pty from the container\'s own devpts on the real kernel', gate);
} else {
  describe.skipIf(!ready && process.env.GLASSBOX_REQUIRE_REAL !== '1')('run -t: a pty from the container\'s own devpts on the real kernel', () => {
    const h = useRunHarness('run-tty', gate.createKernel);

    it('gives the process /dev/pts/0 of its own devpts and relays its output (stdout and stderr) through gbx-run', async () => {
      const ran = await h.run(['/bin/sh', '-c', 'tty; echo out; echo err >&2; ls -1 /dev/pts'], { tty: true });
      expect(ran.status, ran.stderr).toBe(0);
      // One terminal: everything comes on gbx-run's stdout, with the pty's \r\n.
      expect(ran.stdout).toBe('/dev/pts/0\r\nout\r\nerr\r\n0\r\nptmx\r\n');
      expect(ran.stderr).toBe('');
      expect(ran.steps.map((s) => s.op)).toEqual(expect.arrayContaining(['sendmsg', 'setsid', 'dup2']));
      expect(ran.steps.find((s) => s.op === 'ioctl' && s.args.request === 'TIOCSCTTY')).toMatchObject({ ret: 0 });
    });

    it('relays stdin to the pty, even more of it than a pty holds while the program answers every line', async () => {
      const spec = h.spec(['/bin/sh', '-c', 'n=0; while read l; do [ "$l" = END ] && { echo "lines=$n"; exit 0; }; n=$((n+1)); echo "$l"; done'], { tty: true });
      const container = await h.start(spec, 'pipe');
      const output = collect(container.launched.stdout);
      const line = `${'x'.repeat(99)}\n`;
      // 200 kB in: far above the pty's buffers, with as much coming back (the echo and the answer).
      container.launched.stdin!.end(`${line.repeat(2000)}END\n`);
      const [text, result] = await Promise.all([output, container.wait()]);
      expect(result.status).toBe(0);
      expect(text).toMatch(/lines=2000\r\n/);
      // Every byte twice, the pty's echo and the answer (interleaved as a terminal shows them): none lost.
      expect(text.replace(/[^x]/g, '').length).toBe(2 * 2000 * 99);
    }, 30_000);

    it('passes the exit status through and leaves no process when the program ends with a child holding the pty', async () => {
      const ran = await h.run(['/bin/sh', '-c', 'sleep 30 & echo started; exit 3'], { tty: true });
      expect(ran.status).toBe(3);
      expect(ran.stdout).toContain('started');
    });

    it('in a terminal: raw while it runs and restored after, the window size copied at start and on SIGWINCH', async () => {
      const dir = h.scratch();
      fs.writeFileSync(path.join(dir, 'driver.mjs'), DRIVER);
      const spec = h.spec(['/bin/sh', '-c', [
        '/bin/busybox stty size',
        'trap "/bin/busybox stty size; exit 0" WINCH',
        'echo ready',
        'for i in $(seq 200); do sleep 0.05; done',
        'exit 9',
      ].join('; ')], { tty: true });
      const command = `stty rows 40 cols 100; stty -g; ${JSON.stringify(process.execPath)} ${path.join(dir, 'driver.mjs')}; echo status=$?; stty -g`;
      const script = spawn('script', ['-qefc', command, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, GBX_RUN: nativeBinary('gbx-run')!, GBX_SPEC: encodeSpec(spec).toString('base64') },
      });
      h.track(script.pid!);
      let out = '';
      script.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      script.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => script.on('close', (code) => resolve(code)));
      try {
        const [, tty] = await waitFor(() => out, /TTY=(\/dev\/pts\/\d+)/, 10_000);
        await waitFor(() => out, /ready/, 10_000);
        // Resizing the outer terminal signals its foreground group, gbx-run among them.
        expect(spawnSync('stty', ['-F', tty!, 'rows', '50', 'cols', '120']).status).toBe(0);
        await exited;
      } finally {
        script.stdin.end();
        if (script.exitCode === null) script.kill('SIGKILL');
      }
      const lines = out.split(/\r?\n/).map((line) => line.trim());
      expect(lines).toContain('40 100');
      expect(lines).toContain('50 120');
      expect(lines).toContain('status=0');
      const settings = lines.filter((line) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(line));
      expect(settings).toHaveLength(2);
      expect(settings[1]).toBe(settings[0]);
    });
  });
}
