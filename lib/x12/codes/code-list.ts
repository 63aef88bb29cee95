/**
 * A code from one of the X12 code lists, in plain English: what it means and what the sender can
 * do about it. The meanings are written in our own words for partners who are not EDI analysts;
 * the official lists stay the reference.
 */
export interface CodeMeaning {
  meaning: string;
  /** What to change before sending again; absent where nothing needs fixing. */
  fix?: string;
}

export type CodeList = Readonly<Record<string, CodeMeaning>>;

export interface LookedUpCode extends CodeMeaning {
  code: string;
  /** False for a code our lists do not have: the meaning then says so instead of guessing. */
  known: boolean;
}

export function lookUpCode(list: CodeList, code: string): LookedUpCode {
  const key = code.trim();
  const entry = Object.hasOwn(list, key) ? list[key] : undefined;
  if (entry) return { code: key, known: true, ...entry };
  return { code: key, known: false, meaning: `code ${key === "" ? "(empty)" : key} (not in our list)` };
}
