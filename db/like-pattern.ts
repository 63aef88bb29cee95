/**
 * A LIKE/ILIKE pattern matching `search` anywhere, with the user's text taken literally: %, _ and
 * the escape character are escaped, and NUL characters are dropped (PostgreSQL text cannot hold
 * them, so no stored value contains one, and the database would reject the parameter outright).
 */
export function containsPattern(search: string): string {
  return `%${search.replace(/\0/g, "").replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
}

/** For zod refinements of free-text search fields: no control characters. */
export const hasNoControlCharacters = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);
export const CONTROL_CHARACTERS_MESSAGE = "Remove control characters (such as line breaks or NUL) from the search.";
