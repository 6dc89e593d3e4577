import fs from 'node:fs';
import path from 'node:path';
import { GlassboxError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import { validateLesson, type Lesson } from './schema.js';

/** lessons/ sits at the package root, beside src/ and dist/. */
export function defaultLessonsDir(): string {
  return path.join(packageRoot(), 'lessons');
}

/** Loads and validates every lessons/*.json, sorted by `order`; ids must be unique. */
export function loadLessons(dir: string = defaultLessonsDir()): Lesson[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch (error) {
    throw new GlassboxError('LESSONS_MISSING', `reading lessons from ${dir}: ${(error as Error).message}`, {
      kind: 'environment',
      hint: 'run glassbox from its package directory, or reinstall it',
    });
  }
  const lessons = names.map((name) => {
    const file = path.join(dir, name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw new GlassboxError('LESSON_INVALID', `lesson ${name}: ${(error as Error).message}`, { kind: 'user' });
    }
    return validateLesson(parsed, name);
  });
  const seen = new Set<string>();
  for (const lesson of lessons) {
    if (seen.has(lesson.id)) throw new GlassboxError('LESSON_INVALID', `lesson id ${lesson.id} is used twice`, { kind: 'user' });
    seen.add(lesson.id);
  }
  return lessons.sort((a, b) => a.order - b.order);
}
