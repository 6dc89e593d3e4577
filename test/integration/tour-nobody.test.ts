import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLessons } from '../../src/lessons/load.js';
import { NOBODY, installForNobody } from '../helpers/nobody-install.js';

/**
Issue #7's check a user would make: as uid 65534 (no root, no capabilities) every lesson runs to
its end as a plain transcript on the simulated kernel, chosen by itself and labelled SIMULATED,
in English and in Korean, and the answers to the predictions are the real kernel's (the
real-vs-simulated test holds the facts to that).
*/
const root = path.resolve(import.meta.dirname, '..', '..');
const built = fs.existsSync(path.join(root, 'dist', 'tour', 'session.js'));
const canSwitch = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;

describe.runIf(canSwitch)('tour as uid 65534: every lesson on the simulation', () => {
  let install: ReturnType<typeof installForNobody>;
  let home: string;

  beforeAll(() => {
    if (!built) throw new Error('dist/ is missing or old: run npm run build first');
    install = installForNobody(root);
    // A home of its own that uid 65534 may write (progress files, the store).
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-nobody-home-'));
    fs.chownSync(home, 65534, 65534);
  });

  afterAll(() => {
    install?.dispose();
    if (home !== undefined) fs.rmSync(home, { recursive: true, force: true });
  });

  for (const lesson of loadLessons()) {
    for (const lang of ['en', 'ko'] as const) {
      it(`${lesson.order}. ${lesson.id} (${lang})`, () => {
        const bin = path.join(install.root, 'bin', 'glassbox');
        const result = spawnSync('setpriv', [...NOBODY, bin, 'learn', lesson.id, '--plain', '--lang', lang], {
          encoding: 'utf8',
          env: { ...process.env, GLASSBOX_HOME: home, HOME: home, LANG: 'C' },
          timeout: 60_000,
        });
        expect(result.stderr).toBe('');
        expect(result.status, result.stdout.slice(-2000)).toBe(0);
        expect(result.stdout).toMatch(/SIMULATED/);
        for (const [index, step] of lesson.steps.entries()) {
          expect(result.stdout).toContain(`${index + 1}/${lesson.steps.length}: ${step.title[lang]}`);
        }
        expect(result.stdout.trimEnd()).toMatch(lang === 'en' ? /everything the lesson created was removed$/ : /수업이 만든 것을 모두 정리했습니다$/);
      }, 90_000);
    }
  }
});
