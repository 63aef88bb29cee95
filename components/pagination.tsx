import Link from "next/link";

/**
 * Previous / next for a paged list, with where this page sits ("51–100 of 230"). Links, so the
 * keyboard and the browser's history work as everywhere else; an end that does not exist is shown
 * greyed out and is not focusable.
 */
export function Pagination({
  label,
  first,
  count,
  total,
  totalIsLowerBound,
  noun,
  previousHref,
  nextHref,
}: {
  /** Names the navigation landmark, e.g. "Audit log pages". */
  label: string;
  /** 1-based position of the first row on this page. */
  first: number;
  /** Rows on this page. */
  count: number;
  /** Rows in the whole list, when known. */
  total?: number;
  /** `total` is a lower bound: the list holds more than it ("of more than 10,000"). */
  totalIsLowerBound?: boolean;
  /** What the rows are, plural ("entries", "transfers"). */
  noun: string;
  previousHref?: string;
  nextHref?: string;
}) {
  if (!previousHref && !nextHref && count === 0) return null;
  const last = first + count - 1;
  const position = count === 0 ? `0 ${noun}` : `${first.toLocaleString("en-US")}–${last.toLocaleString("en-US")}${total !== undefined ? ` of ${totalIsLowerBound ? "more than " : ""}${total.toLocaleString("en-US")}` : ""} ${noun}`;
  const button = "rounded-md border border-slate-300 bg-white px-3 py-1 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700";
  const disabled = "rounded-md border border-slate-200 px-3 py-1 text-slate-400";
  return (
    <nav aria-label={label} className="mt-3 flex flex-wrap items-center gap-3 text-sm">
      {previousHref ? (
        <Link href={previousHref} rel="prev" className={button}>
          ← Previous
        </Link>
      ) : (
        <span aria-disabled="true" className={disabled}>
          ← Previous
        </span>
      )}
      <span className="tabular-nums text-slate-600">
        {position}
      </span>
      {nextHref ? (
        <Link href={nextHref} rel="next" className={button}>
          Next →
        </Link>
      ) : (
        <span aria-disabled="true" className={disabled}>
          Next →
        </span>
      )}
    </nav>
  );
}
