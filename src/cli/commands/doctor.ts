import { GlassboxError } from '../../errors.js';
import { collectFacts } from '../../doctor/collect.js';
import type { DoctorFacts } from '../../doctor/facts.js';
import { renderFacts, renderVerdict } from '../../doctor/render.js';
import { decideVerdict, type Verdict } from '../../doctor/verdict.js';
import { loadLessons } from '../../lessons/load.js';
import type { Lesson } from '../../lessons/schema.js';
import { probeRealBackend } from '../backend.js';
import { printJson, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';

/** Facts and verdict, honouring `--kernel`: `sim` forces the simulation, `real` insists on the kernel. */
export async function examineMachine(
  options: GlobalOptions,
  lessons: Lesson[],
): Promise<{ facts: DoctorFacts; verdict: Verdict }> {
  const facts = collectFacts({ realBackend: await probeRealBackend() });
  const verdict = decideVerdict(facts, lessons, { forceSim: options.kernel === 'sim' });
  if (options.kernel === 'real' && verdict.mode !== 'real') {
    throw new GlassboxError('KERNEL_REAL_UNAVAILABLE', `--kernel real, but the real kernel cannot be used: ${verdict.reasons.map((r) => r.en).join('; ')}`, {
      kind: 'environment',
      hint: 'run as root on Linux, or leave out --kernel to fall back to the simulation',
    });
  }
  return { facts, verdict };
}

export async function runDoctor(options: GlobalOptions, io: Io): Promise<number> {
  const { facts, verdict } = await examineMachine(options, loadLessons());
  if (options.json) {
    printJson(io, { facts, verdict });
    return 0;
  }
  printLines(io, [...renderFacts(facts, options.lang), '', ...renderVerdict(verdict, options.lang)]);
  return 0;
}
