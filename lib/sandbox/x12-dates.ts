/** Dates and times as X12 writes them (UTC). */
export const pad2 = (n: number) => String(n).padStart(2, "0");
export const yy = (date: Date) => pad2(date.getUTCFullYear() % 100);
export const yymmdd = (date: Date) => `${yy(date)}${pad2(date.getUTCMonth() + 1)}${pad2(date.getUTCDate())}`;
export const ccyymmdd = (date: Date) => `${date.getUTCFullYear()}${pad2(date.getUTCMonth() + 1)}${pad2(date.getUTCDate())}`;
export const hhmm = (date: Date) => `${pad2(date.getUTCHours())}${pad2(date.getUTCMinutes())}`;
export const julianDay = (date: Date) => String(Math.floor((Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) - Date.UTC(date.getUTCFullYear(), 0, 0)) / 86_400_000)).padStart(3, "0");
