import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
Every docs/**\/*.mmd has a render that is not older than it. git keeps no mtimes, so "older" is
told by content: `npm run docs` (scripts/render-docs.mjs) records each source's sha256, the
mermaid config's and each output's in docs/diagrams.json, and this test recomputes them.
*/
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const docs = path.join(root, 'docs');
const FIX = 'run: npm run docs (needs chromium: apt-get install chromium fonts-noto-cjk)';

interface Manifest {
  config: string;
  diagrams: Record<string, { source: string; outputs: Record<string, string> }>;
}

const rel = (file: string): string => path.relative(root, file).split(path.sep).join('/');
const sha256 = (file: string): string => `sha256:${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;

function walk(dir: string, keep: (name: string) => boolean): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return walk(full, keep);
      return keep(entry.name) ? [full] : [];
    })
    .sort();
}

function readManifest(): Manifest {
  return JSON.parse(fs.readFileSync(path.join(docs, 'diagrams.json'), 'utf8')) as Manifest;
}

const sources = walk(docs, (name) => name.endsWith('.mmd'));

describe('docs diagrams', () => {
  it('has mermaid sources to render', () => {
    expect(sources.length).toBeGreaterThan(0);
  });

  it('renders every source with the current mermaid config', () => {
    const manifest = readManifest();
    expect(manifest.config, `docs/diagrams/mermaid.config.json changed since the last render: ${FIX}`).toBe(
      sha256(path.join(docs, 'diagrams', 'mermaid.config.json')),
    );
    for (const source of sources) {
      const entry = manifest.diagrams[rel(source)];
      expect(entry, `${rel(source)} was never rendered: ${FIX}`).toBeDefined();
      expect(entry!.source, `${rel(source)} changed since it was rendered: ${FIX}`).toBe(sha256(source));
    }
  });

  it('has each recorded render on disk, as it was rendered', () => {
    for (const [source, entry] of Object.entries(readManifest().diagrams)) {
      expect(fs.existsSync(path.join(root, source)), `${source} is in docs/diagrams.json but gone: ${FIX}`).toBe(true);
      const outputs = Object.keys(entry.outputs);
      expect(outputs, `${source} has no SVG: ${FIX}`).toContain(source.replace(/\.mmd$/, '.svg'));
      for (const output of outputs) {
        const file = path.join(root, output);
        expect(fs.existsSync(file), `${output} is missing: ${FIX}`).toBe(true);
        expect(entry.outputs[output], `${output} is not the file npm run docs wrote: ${FIX}`).toBe(sha256(file));
      }
    }
  });

  it('writes SVGs with plain text labels, readable outside a browser', () => {
    for (const source of sources) {
      const svg = fs.readFileSync(source.replace(/\.mmd$/, '.svg'), 'utf8');
      expect(svg.startsWith('<svg'), rel(source)).toBe(true);
      // HTML labels would live in <foreignObject>, which image viewers and converters drop.
      expect(svg.includes('<foreignObject'), `${rel(source)}: labels as HTML`).toBe(false);
    }
  });

  it('renders a PNG wherever a page links one, and leaves no render without a source', () => {
    const recorded = new Set(Object.values(readManifest().diagrams).flatMap((entry) => Object.keys(entry.outputs)));
    const pages = [...walk(docs, (name) => name.endsWith('.md')), path.join(root, 'README.md')];
    for (const page of pages) {
      for (const match of fs.readFileSync(page, 'utf8').matchAll(/\]\(([^)\s#]+\.(?:png|svg))\)/g)) {
        const target = path.resolve(path.dirname(page), match[1]!);
        if (fs.existsSync(target.replace(/\.(png|svg)$/, '.mmd'))) {
          expect(recorded.has(rel(target)), `${rel(page)} links ${match[1]}, which npm run docs did not render: ${FIX}`).toBe(true);
        }
      }
    }
    for (const render of walk(path.join(docs, 'diagrams'), (name) => /\.(svg|png)$/.test(name))) {
      expect(recorded.has(rel(render)), `${rel(render)} has no source in docs/diagrams.json`).toBe(true);
    }
  });
});
