import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The import rules of DESIGN.md, checked by linting small sources as if they lived in each folder.
const eslint = new ESLint({ cwd: path.resolve(import.meta.dirname, '..', '..') });

async function ruleErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import rules', () => {
  it('keeps koffi in the Linux backend', async () => {
    expect(await ruleErrors('src/kernel/linux/x.ts', "import koffi from 'koffi';\nexport default koffi;\n")).toEqual([]);
    expect(await ruleErrors('src/observe/x.ts', "import koffi from 'koffi';\nexport default koffi;\n")).toEqual([
      expect.stringMatching(/koffi is used only in src\/kernel\/linux/),
    ]);
    expect(await ruleErrors('src/kernel/sim/x.ts', "import koffi from 'koffi';\nexport default koffi;\n")).toHaveLength(1);
  });

  it('keeps the TUI away from kernel backends', async () => {
    const source = "import { createLinuxKernel } from '../kernel/linux/linux-kernel.js';\nexport default createLinuxKernel;\n";
    expect(await ruleErrors('src/tui/x.ts', source)).toEqual([expect.stringMatching(/only src\/cli\/ picks a kernel backend/)]);
    const sim = "import { createSimKernel } from '../kernel/sim/index.js';\nexport default createSimKernel;\n";
    expect(await ruleErrors('src/tui/x.ts', sim)).toHaveLength(1);
  });

  it('lets only the CLI pick a backend', async () => {
    const source = "import { createSimKernel } from '../kernel/sim/index.js';\nexport default createSimKernel;\n";
    expect(await ruleErrors('src/cli/x.ts', source)).toEqual([]);
    expect(await ruleErrors('src/doctor/x.ts', source)).toHaveLength(1);
    expect(await ruleErrors('src/container/x.ts', source)).toHaveLength(1);
  });

  it('gives undici to pull and tar-stream to unpack only', async () => {
    const undici = "import { request } from 'undici';\nexport default request;\n";
    const tar = "import tar from 'tar-stream';\nexport default tar;\n";
    expect(await ruleErrors('src/pull/x.ts', undici)).toEqual([]);
    expect(await ruleErrors('src/store/x.ts', undici)).toHaveLength(1);
    expect(await ruleErrors('src/unpack/x.ts', tar)).toEqual([]);
    expect(await ruleErrors('src/pull/x.ts', tar)).toHaveLength(1);
  });
});
