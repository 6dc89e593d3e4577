import { describe, expect, it } from 'vitest';
import { printTranscript } from '../../src/tui/transcript.js';
import { displayWidth } from '../../src/tui/text-width.js';
import { createFakeSession, fakeLesson } from './fixtures/fake-session.js';

async function transcript(options: Parameters<typeof createFakeSession>[0], lang: 'en' | 'ko' = 'en') {
  const session = createFakeSession(options);
  const lines: string[] = [];
  const result = await printTranscript(fakeLesson, session, { lang, width: 80, write: (line) => lines.push(line) });
  return { session, lines, text: lines.join('\n'), result };
}

describe('the plain transcript', () => {
  it('prints every step: title, why, planned calls, call log, state view, facts, the prediction and its answer', async () => {
    const { session, lines, text, result } = await transcript({});
    expect(session.ran).toEqual([0, 1, 2]);
    expect(result.failedAt).toBeNull();
    expect(text).toContain('kernel: SIMULATED (you are not root (uid 1000))');
    expect(lines).toContain('== Step 2/3: Clone into new namespaces ==');
    expect(text).toMatch(/Why:\n {2}A container is a process with its own view\./);
    expect(text).toMatch(/Planned calls:\n {3}1 helper clone\(CLONE_NEWPID\|CLONE_NEWNS\|CLONE_NEWUTS\|CLONE_NEWIPC\)/);
    expect(text).toMatch(/Call log:\n +0\.4ms node +readlink\(\/proc\/self\/ns\/pid\) = 0/);
    expect(text).toMatch(/Kernel state:\n {2}namespace +host +container/);
    expect(text).toMatch(/ {2}pid +4026531836 +4026532459 +≠ differs/);
    expect(text).toContain('Facts:\n  pid1 = 1\n  hostname = glassbox');
    expect(text).toContain('Predict:\n  What PID does the probe see for itself?\n  1. PID 1\n  2. its host PID');
    expect(text).toContain('answer (what the kernel showed): PID 1 (1)');
    expect(text).toContain('answer (what the kernel showed): 32');
    expect(text).toContain('Try this:\n  Run the lesson again and compare the inodes.');
    expect(session.teardowns).toBe(1);
    expect(lines.at(-1)).toBe('everything the lesson created was removed');
    for (const line of lines.filter((row) => !row.includes('/'))) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it('stops at a failed step with its errno and hint, runs nothing after it, and still tears down', async () => {
    const { session, text, result } = await transcript({ failing: [1] });
    expect(session.ran).toEqual([0, 1]);
    expect(result.failedAt).toBe(1);
    expect(text).toMatch(/clone\(CLONE_NEWPID.*\) = -1 EPERM/s);
    expect(text).toContain('✗ the step failed: clone failed: EPERM');
    expect(text).toContain('  Hint: run as root');
    expect(text).not.toContain('Step 3/3');
    expect(session.teardowns).toBe(1);
  });

  it('prints why a plan could not be made and runs the step anyway', async () => {
    const session = createFakeSession();
    session.plan = () => {
      throw new Error('no image yet');
    };
    const lines: string[] = [];
    const result = await printTranscript(fakeLesson, session, { lang: 'en', write: (line) => lines.push(line) });
    expect(lines.join('\n')).toContain('Planned calls:\n  no image yet');
    expect(result.failedAt).toBeNull();
    expect(session.ran).toEqual([0, 1, 2]);
  });

  it('tears down when a step throws, and prints Korean wrapped to the width', async () => {
    const session = createFakeSession();
    session.run = async () => {
      throw new Error('engine bug');
    };
    await expect(printTranscript(fakeLesson, session, { lang: 'en', write: () => undefined })).rejects.toThrow('engine bug');
    expect(session.teardowns).toBe(1);
    const { lines } = await transcript({}, 'ko');
    expect(lines).toContain('== 단계 2/3: 새 네임스페이스로 clone ==');
    expect(lines).toContain('예측:');
    for (const line of lines.filter((row) => !row.includes('/'))) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });
});
