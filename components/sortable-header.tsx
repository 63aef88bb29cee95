import Link from "next/link";

export type SortDirection = "asc" | "desc";

/**
 * A column header that sorts the list on the server: a link in the <th> (keyboard-usable, works
 * without JavaScript) and aria-sort on the header of the column the list is sorted by. `href` builds
 * the URL for the direction the next click asks for: the other direction when this column is the
 * current one, its natural first direction otherwise.
 */
export function SortableHeader({
  label,
  active,
  direction,
  firstDirection = "asc",
  href,
  className = "px-3 py-2",
}: {
  label: string;
  /** Whether the list is sorted by this column now. */
  active: boolean;
  /** The current direction, when active. */
  direction?: SortDirection;
  /** The direction of the first click (dates and sizes read best newest/largest first). */
  firstDirection?: SortDirection;
  href: (direction: SortDirection) => string;
  className?: string;
}) {
  const next: SortDirection = active ? (direction === "asc" ? "desc" : "asc") : firstDirection;
  const ariaSort = active ? (direction === "asc" ? "ascending" : "descending") : "none";
  const arrow = active ? (direction === "asc" ? "▲" : "▼") : "↕";
  return (
    <th scope="col" aria-sort={ariaSort} className={`whitespace-nowrap ${className}`}>
      <Link href={href(next)} className={`inline-flex items-center gap-1 rounded hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-700 ${active ? "font-semibold text-slate-900" : ""}`}>
        {label}
        <span aria-hidden="true" className={active ? "text-slate-700" : "text-slate-400"}>
          {arrow}
        </span>
        <span className="sr-only">{`, sort ${next === "asc" ? "ascending" : "descending"}`}</span>
      </Link>
    </th>
  );
}

/** A plain column header in the same style. */
export function Header({ label, className = "px-3 py-2" }: { label: string; className?: string }) {
  return (
    <th scope="col" className={`whitespace-nowrap ${className}`}>
      {label}
    </th>
  );
}
