import { pick, type Lang, type Text } from '../i18n/lang.js';
import type { Lesson, LessonStep } from '../lessons/schema.js';
import type { LessonProgress } from '../tour/types.js';
import { escapeMarkdown, fenceBlock, tableRow } from './markdown-text.js';
import { fill, R } from './report-strings.js';
import { planDiagrams, type DiagramSpec } from './state-diagrams.js';
import { CALLS_SHOWN, excerptCalls, summarizeView } from './view-text.js';

/**
One lab report: a Markdown page for a teacher, from a learner's progress file and the lesson
it belongs to. The plan is pure data; whether the diagrams became SVG files is decided later
(render-mermaid.ts), so the page is written last, by writeReportMarkdown.
*/
export interface ReportInput {
  progress: LessonProgress;
  /** The lesson, for titles and questions; undefined when this glassbox no longer has it. */
  lesson: Lesson | undefined;
  lang: Lang;
  /** Overrides the learner's name saved in the progress (`--learner`). */
  learner?: string;
  now?: Date;
  version: string;
}

export interface ReportDiagram extends DiagramSpec {
  /** The SVG's file name, beside the Markdown file. */
  file: string;
  /** Which steps it shows (`What the kernel showed after step 5.`), already Markdown. */
  caption: string;
}

export interface ReportPlan {
  lesson: string;
  /** The Markdown file's name: `04-overlayfs.md`. */
  file: string;
  diagrams: ReportDiagram[];
  /** Everything above the diagrams. */
  body: string[];
  lang: Lang;
}

/** How the diagrams came out: drawn to their files, or kept as sources, and why. */
export type DiagramOutcome = { drawn: true } | { drawn: false; why: string } | { drawn: false; asked: true };

/** `2026-11-20 18:10 +09:00`: the machine's local time (a classroom's clock), with its offset. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return escapeMarkdown(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const zone = offset === 0 ? 'UTC' : `${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())} ${zone}`;
}

/** A choice's value with its label (`mnt — only the mount namespace`); other answers as typed. */
function answerText(step: LessonStep | undefined, value: string, lang: Lang): string {
  const choice = step?.predict?.choices?.find((item) => item.value === value.trim());
  return choice ? `${escapeMarkdown(value)} (${escapeMarkdown(pick(choice.label, lang))})` : escapeMarkdown(value);
}

function stepLines(input: ReportInput, index: number, step: LessonStep | undefined, saved: LessonProgress['steps'][number] | undefined): string[] {
  const t = (text: Text): string => pick(text, input.lang);
  const title = step ? pick(step.title, input.lang) : (saved?.id ?? '');
  const mark = saved?.correct === true ? ' ✓' : saved?.correct === false ? ' ✗' : '';
  if (saved === undefined) return [`### ${index + 1}. ${escapeMarkdown(title)}: ${t(R.notRun)}`, ''];
  const out = [`### ${index + 1}. ${escapeMarkdown(title)}${mark}`, ''];
  if (step?.predict || saved.prediction !== undefined) {
    if (step?.predict) out.push(`- **${t(R.question)}:** ${escapeMarkdown(pick(step.predict.question, input.lang))}`);
    const unasked = saved.via === 'transcript' ? t(R.notAskedTranscript) : t(R.notAskedCatchUp);
    out.push(`- **${t(R.prediction)}:** ${saved.prediction === undefined ? unasked : answerText(step, saved.prediction, input.lang)}`);
    const verdict =
      saved.correct === true ? `✓ ${t(R.right)}` : saved.correct === false ? `✗ ${t(R.wrong)}` : saved.prediction === undefined ? t(R.nothingPredicted) : t(R.noVerdict);
    out.push(`- **${t(R.kernelShowed)}:** ${saved.actual === undefined ? '—' : answerText(step, saved.actual, input.lang)} · ${verdict}`);
  } else {
    out.push(`- ${t(R.noPrediction)}`);
  }
  const facts = Object.entries(saved.facts).map(([name, value]) => `${escapeMarkdown(name)} = ${escapeMarkdown(String(value))}`);
  if (facts.length > 0) out.push(`- **${t(R.facts)}:** ${facts.join(' · ')}`);
  out.push('', `**${t(R.showed)}** (${saved.view.kind}):`, '', ...fenceBlock('text', summarizeView(saved.view)), '');
  const { lines } = excerptCalls(saved.calls);
  const total = saved.calls.length;
  const about = total === 0 ? t(R.noCalls) : total <= CALLS_SHOWN ? fill(t(R.callsAll), { total }) : fill(t(R.callsExcerpt), { first: CALLS_SHOWN, total });
  out.push(`**${t(R.callLog)}** (${about}):`, '');
  if (lines.length > 0) out.push(...fenceBlock('text', lines), '');
  return out;
}

export function planReport(input: ReportInput): ReportPlan {
  const { progress, lesson, lang } = input;
  const t = (text: Text): string => pick(text, lang);
  const name = lesson ? `${String(lesson.order).padStart(2, '0')}-${lesson.id}` : progress.lesson;
  const title = lesson ? pick(lesson.title, lang) : progress.lesson;
  const learner = input.learner ?? progress.learner;
  const asked = progress.steps.filter((step) => step.correct !== undefined);
  const right = asked.filter((step) => step.correct === true).length;
  const transcript = progress.steps.some((step) => step.via === 'transcript');
  const total = lesson?.steps.length ?? progress.steps.length;
  const body = [
    `# ${t(R.title)}: ${escapeMarkdown(title)}`,
    '',
    '| | |',
    '|---|---|',
    tableRow([t(R.learner), escapeMarkdown(learner)]),
    tableRow([t(R.lesson), `${lesson ? `${lesson.order} · ` : ''}${escapeMarkdown(progress.lesson)}`]),
    tableRow([t(R.kernel), progress.kernel === 'REAL' ? t(R.kernelReal) : t(R.kernelSimulated)]),
    tableRow([t(R.started), formatDate(progress.startedAt)]),
    tableRow([t(R.lastStep), formatDate(progress.updatedAt)]),
    tableRow([t(R.finished), progress.finished ? t(R.finishedYes) : t(R.finishedNo)]),
    tableRow([t(R.stepsRun), `${progress.steps.length} / ${total}`]),
    tableRow([t(R.predictions), asked.length === 0 && transcript ? t(R.noneAskedTranscript) : `${right} / ${asked.length}`]),
    tableRow([t(R.made), `${formatDate((input.now ?? new Date()).toISOString())} · glassbox ${escapeMarkdown(input.version)}`]),
    '',
    `## ${t(R.steps)}`,
    '',
  ];
  if (lesson) {
    lesson.steps.forEach((step, index) => body.push(...stepLines(input, index, step, progress.steps.find((saved) => saved.id === step.id))));
    // Steps the lesson no longer has (an older version of it) are still the learner's work.
    const known = new Set(lesson.steps.map((step) => step.id));
    progress.steps
      .filter((saved) => !known.has(saved.id))
      .forEach((saved, index) => body.push(...stepLines(input, lesson.steps.length + index, undefined, saved)));
  } else {
    progress.steps.forEach((saved, index) => body.push(...stepLines(input, index, undefined, saved)));
  }
  const stepNumber = (id: string): string => {
    const index = lesson?.steps.findIndex((step) => step.id === id) ?? -1;
    return index === -1 ? escapeMarkdown(id) : String(index + 1);
  };
  const diagrams = planDiagrams(progress, lang).map((spec) => ({
    ...spec,
    file: `${name}-${spec.kind}.svg`,
    caption: fill(t(spec.steps.length > 1 ? R.drawnFromMany : R.drawnFrom), { steps: spec.steps.map(stepNumber).join(', ') }),
  }));
  return { lesson: progress.lesson, file: `${name}.md`, diagrams, body, lang };
}

/** The whole page: the body, then each diagram as an SVG link or as its mermaid source. */
export function writeReportMarkdown(plan: ReportPlan, outcome: DiagramOutcome): string {
  const t = (text: Text): string => pick(text, plan.lang);
  const out = [...plan.body, `## ${t(R.finalState)}`, ''];
  if (plan.diagrams.length === 0) out.push(t(R.noDiagrams), '');
  if (!outcome.drawn && plan.diagrams.length > 0) {
    const why = 'why' in outcome ? escapeMarkdown(outcome.why) : t(R.notRenderedAsked);
    out.push(`> ${fill(t(R.notRendered), { why, file: plan.file, out: plan.file.replace(/\.md$/, '.rendered.md') })}`, '');
  }
  for (const diagram of plan.diagrams) {
    out.push(`### ${diagram.title}`, '', diagram.caption, '');
    // The source is ours (escaped labels, no backtick runs), so a plain fence cannot be closed early.
    if (outcome.drawn) out.push(`![${diagram.title}](${diagram.file})`, '');
    else out.push('```mermaid', diagram.source, '```', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
