import React from 'react';
import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../../src/tui/App.js';
import { loadLessons } from '../../src/lessons/load.js';
import type { Verdict } from '../../src/doctor/verdict.js';

const lessons = loadLessons();
const simulated: Verdict = {
  mode: 'simulated',
  reasons: [{ en: 'you are not root (uid 1000)', ko: 'root가 아닙니다(uid 1000)' }],
  lessons: lessons.map((l) => ({ id: l.id, title: l.title, mode: 'simulated', missing: l.requires })),
};
const real: Verdict = {
  mode: 'real',
  reasons: [],
  lessons: lessons.map((l) => ({ id: l.id, title: l.title, mode: 'real', missing: [] })),
};

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('tour shell', () => {
  it('shows the SIMULATED badge, the lessons and why', () => {
    const { lastFrame, unmount } = render(<App lang="en" lessons={lessons} verdict={simulated} machine={['  user  uid 1000']} />);
    const frame = lastFrame() ?? '';
    expect(frame).toContain('SIMULATED KERNEL');
    expect(frame).toContain('Container vs VM');
    expect(frame).toContain('Networking');
    expect(frame).toContain('you are not root (uid 1000)');
    unmount();
  });

  it('shows REAL and Korean text when asked', () => {
    const { lastFrame, unmount } = render(<App lang="ko" lessons={lessons} verdict={real} machine={[]} />);
    const frame = lastFrame() ?? '';
    expect(frame).toContain('실제 커널');
    expect(frame).toContain('컨테이너와 가상 머신');
    expect(frame).toContain('q 종료');
    unmount();
  });

  it('moves with the arrows, opens a lesson, toggles help and quits on q', async () => {
    const onQuit = vi.fn();
    const { lastFrame, stdin, unmount } = render(
      <App lang="en" lessons={lessons} verdict={real} machine={[]} onQuit={onQuit} />,
    );
    // Keys are subscribed in an effect after the first frame: press until one lands.
    for (let i = 0; i < 100 && !(lastFrame() ?? '').includes('› 2 '); i++) {
      if (i % 5 === 0) stdin.write('j');
      await tick();
    }
    expect(lastFrame()).toContain('› 2 ');
    stdin.write('\r');
    await tick();
    expect(lastFrame()).toContain(lessons[1]!.summary.en.slice(0, 30));
    expect(lastFrame()).toContain('Esc back');
    stdin.write('?');
    await tick();
    expect(lastFrame()).toContain('Help');
    stdin.write('?');
    await tick();
    expect(lastFrame()).not.toContain('this help');
    stdin.write('q');
    await tick();
    expect(onQuit).toHaveBeenCalledTimes(1);
    unmount();
  });
});
