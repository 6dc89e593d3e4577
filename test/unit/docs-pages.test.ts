import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CALL_NAMES } from '../../src/kernel/call-args.js';
import { validateLesson } from '../../src/lessons/schema.js';
import { REQUIREMENTS } from '../../src/lessons/requirements.js';

/**
The docs pages against the code and against each other: links and anchors resolve, the Korean
pages keep the English pages' sections, and the tables that restate the code (requirements,
lesson fields, Kernel methods) list exactly what the code has.
*/
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const docs = path.join(root, 'docs');
const TRANSLATED = ['index', 'troubleshooting', 'lessons', 'cli'];

const read = (file: string): string => fs.readFileSync(file, 'utf8');
/** Markdown without its fenced code blocks, where `[x](y)` and `#` mean nothing. */
const prose = (text: string): string => text.replace(/^```[\s\S]*?^```/gm, '');

function markdownFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return markdownFiles(full);
      return entry.name.endsWith('.md') ? [full] : [];
    })
    .sort();
}

/** Heading anchors as GitHub makes them: lowercase, punctuation dropped, spaces as `-`, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of prose(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = match[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

function links(text: string): string[] {
  return [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/i.test(target));
}

/** The part of a page from a `## heading` to the next one. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n${heading}\n`);
  expect(start, `no "${heading}" section`).toBeGreaterThanOrEqual(0);
  const rest = text.slice(start + heading.length + 2);
  const end = rest.search(/^## /m);
  return end === -1 ? rest : rest.slice(0, end);
}

/** First cells of table rows that start with a backticked name: `| \`root\` | …` → root. */
function tableNames(text: string): string[] {
  return [...text.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]!);
}

describe('docs pages', () => {
  const pages = markdownFiles(docs);

  it('link only to files and headings that exist', () => {
    const readmeDocs = section(read(path.join(root, 'README.md')), '## Docs');
    const sources = [...pages.map((page) => ({ page, text: read(page) })), { page: path.join(root, 'README.md'), text: readmeDocs }];
    for (const { page, text } of sources) {
      for (const link of links(text)) {
        const [file = '', anchor] = link.split('#');
        const target = file === '' ? page : path.resolve(path.dirname(page), decodeURIComponent(file));
        const where = `${path.relative(root, page)} → ${link}`;
        expect(fs.existsSync(target), `${where}: no such file`).toBe(true);
        if (anchor !== undefined && target.endsWith('.md')) {
          expect([...anchors(read(target))], `${where}: no such heading`).toContain(decodeURIComponent(anchor));
        }
      }
    }
  });

  for (const name of TRANSLATED) {
    it(`${name}.md and ${name}.ko.md have the same sections and link to each other`, () => {
      const en = read(path.join(docs, `${name}.md`));
      const ko = read(path.join(docs, `${name}.ko.md`));
      const shape = (text: string): string[] => [...prose(text).matchAll(/^(#{1,6}) /gm)].map((match) => match[1]!);
      expect(shape(ko), `docs/${name}.ko.md: headings out of step with docs/${name}.md`).toEqual(shape(en));
      const images = (text: string): number => (text.match(/!\[/g) ?? []).length;
      expect(images(ko), `docs/${name}.ko.md: diagrams out of step`).toBe(images(en));
      expect(links(en)).toContain(`${name}.ko.md`);
      expect(links(ko)).toContain(`${name}.md`);
    });
  }

  it('lessons.md and lessons.ko.md list exactly the requirements the code knows', () => {
    for (const [file, heading] of [['lessons.md', '## Requirements'], ['lessons.ko.md', '## 요구 사항']] as const) {
      const documented = tableNames(section(read(path.join(docs, file)), heading));
      expect([...documented].sort(), `docs/${file}`).toEqual(Object.keys(REQUIREMENTS).sort());
    }
  });

  it('lessons.md shows a shipped lesson as it is, and documents each of its fields', () => {
    for (const [file, heading] of [['lessons.md', '## The fields'], ['lessons.ko.md', '## 필드']] as const) {
      const text = read(path.join(docs, file));
      const example = /```json\n([\s\S]*?)```/.exec(text);
      expect(example, `docs/${file}: no JSON example`).not.toBeNull();
      const shown = validateLesson(JSON.parse(example![1]!), file);
      const shipped = JSON.parse(read(path.join(root, 'lessons', `${String(shown.order).padStart(2, '0')}-${shown.id}.json`)));
      expect(shown, `docs/${file}: the example differs from lessons/`).toEqual(shipped);
      expect([...tableNames(section(text, heading))].sort(), `docs/${file}: the fields table`).toEqual(Object.keys(shipped).sort());
    }
  });

  it('kernel-backends.md names every Kernel method and the call it is traced as', () => {
    const text = read(path.join(docs, 'kernel-backends.md'));
    for (const [method, call] of Object.entries(CALL_NAMES)) {
      expect(text, `docs/kernel-backends.md: Kernel.${method}`).toContain(`\`${method}`);
      expect(text, `docs/kernel-backends.md: traced as ${call}`).toContain(`\`${call}\``);
    }
  });

  it('lists every decision record, each with context, decision and consequences', () => {
    const adrDir = path.join(docs, 'adr');
    const index = links(read(path.join(adrDir, 'README.md')));
    const records = fs.readdirSync(adrDir).filter((name) => /^\d{4}-[a-z0-9-]+\.md$/.test(name));
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      expect(index, `docs/adr/README.md does not list ${record}`).toContain(record);
      const text = read(path.join(adrDir, record));
      expect(text.startsWith(`# ${record.slice(0, 4)}. `), `${record}: title`).toBe(true);
      for (const heading of ['## Context', '## Decision', '## Consequences']) expect(text, `${record}: ${heading}`).toContain(`\n${heading}\n`);
    }
  });
});
