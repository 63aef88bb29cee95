/**
 * A LIKE/ILIKE pattern matching `search` anywhere, with the user's text taken literally: %, _ and
 * the escape character are escaped, and NUL characters are dropped (PostgreSQL text cannot hold
 * them, so no stored value contains one, and the database would reject the parameter outright).
 */
export function containsPattern(search: string): string {
  return `%${search.replace(/\0/g, "").replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
}

/**
 * True when no character of `search` has a case: ASCII digits, spaces and punctuation only (a date
 * such as "20220304", a control number, "-837."). No name's lower case differs from it in such
 * characters, so LIKE finds exactly what ILIKE finds, without lowering every name it reads: a
 * month's search at 1M transfers spends about a third of its time lowering names (embedded PGlite).
 */
export function isCaseless(search: string): boolean {
  return /^[\x20-\x40\x5b-\x60\x7b-\x7e]*$/.test(search);
}

/** For zod refinements of free-text search fields: no control characters. */
export const hasNoControlCharacters = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);
export const CONTROL_CHARACTERS_MESSAGE = "Remove control characters (such as line breaks or NUL) from the search.";
