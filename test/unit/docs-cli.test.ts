import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';

/**
docs/cli.md and docs/cli.ko.md against what `glassbox help` prints: every command has a
`### \`glassbox <command>\`` section, no section documents a command glassbox lacks, every option
is in the options table, and nothing listed as planned is already a command.
*/
const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');
const PAGES = [
  { file: 'cli.md', planned: '## Planned' },
  { file: 'cli.ko.md', planned: '## 계획 중' },
];

async function helpText(): Promise<string> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (chunk) => (out += chunk));
  const code = await runCli(['help'], { stdout, stderr: new PassThrough() });
  expect(code).toBe(0);
  return out;
}

/** The lines of one `name:` block of the usage text, e.g. `commands:`. */
function usageBlock(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${name}:`);
  expect(start, `no "${name}:" in glassbox help`).toBeGreaterThanOrEqual(0);
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  ')) break;
    block.push(line.trim());
  }
  return block;
}

async function usage(): Promise<{ commands: string[]; options: string[] }> {
  const text = await helpText();
  return {
    commands: usageBlock(text, 'commands').map((line) => line.split(/\s+/)[0]!),
    options: usageBlock(text, 'options').map((line) => line.split(/\s+/)[0]!),
  };
}

function readPage(file: string, plannedHeading: string): { documented: string[]; planned: string[]; text: string } {
  const text = fs.readFileSync(path.join(docs, file), 'utf8');
  const [current = '', planned = ''] = text.split(`\n${plannedHeading}\n`);
  expect(planned, `${file} has no "${plannedHeading}" section`).not.toBe('');
  const documented = [...current.matchAll(/^### `glassbox ([a-z-]+)/gm)].map((match) => match[1]!);
  // Rows of the planned table: `pull`, `images`, … or `oci create` → the first word is the command.
  const plannedCommands = planned
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([a-z-]+)/g)].map((match) => match[1]!));
  return { documented, planned: plannedCommands, text };
}

describe('docs: CLI reference', () => {
  it('reads the commands and options from glassbox help', async () => {
    const { commands, options } = await usage();
    expect(commands).toContain('help');
    expect(options).toContain('--json');
  });

  for (const { file, planned } of PAGES) {
    it(`${file} has a section for every command in glassbox help, and none for a missing one`, async () => {
      const { commands } = await usage();
      const page = readPage(file, planned);
      for (const command of commands) {
        expect(page.documented, `docs/${file}: add a "### \`glassbox ${command}\`" section for the new command`).toContain(command);
      }
      for (const command of page.documented) {
        expect(commands, `docs/${file} documents "glassbox ${command}", which glassbox help does not list`).toContain(command);
      }
    });

    it(`${file} documents every option`, async () => {
      const { options } = await usage();
      const { text } = readPage(file, planned);
      for (const option of options) {
        expect(text, `docs/${file}: document the option ${option}`).toMatch(new RegExp(`\\| \`${option}[ \`]`));
      }
    });

    it(`${file} lists as planned only what glassbox does not have yet`, async () => {
      const { commands } = await usage();
      const page = readPage(file, planned);
      expect(page.planned.length).toBeGreaterThan(0);
      for (const command of page.planned) {
        expect(commands, `docs/${file}: "${command}" is a command now: move it from the planned table to its own section`).not.toContain(command);
      }
    });
  }
});
