/** The two languages of glassbox. Every user-facing text exists in both. */
export type Lang = 'en' | 'ko';

export interface Text {
  en: string;
  ko: string;
}

/** `--lang` wins; else the locale (LC_ALL, LC_MESSAGES, LANG) picks Korean when it starts with `ko`. */
export function detectLang(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
  if (flag === 'en' || flag === 'ko') return flag;
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

export function pick(text: Text, lang: Lang): string {
  return text[lang];
}

export function isText(value: unknown): value is Text {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Text).en === 'string' &&
    typeof (value as Text).ko === 'string' &&
    (value as Text).en.length > 0 &&
    (value as Text).ko.length > 0
  );
}
