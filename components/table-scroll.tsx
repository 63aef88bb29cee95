"use client";

import { useEffect, useId, useRef, useState } from "react";

/**
 * A wide table on a narrow screen: it scrolls sideways inside this box, so the page itself never
 * does. The box is a labelled region a keyboard can focus (arrow keys then scroll it), and while
 * the table is wider than the box a hint says so. `label` names the region: keep it unique on the
 * page (repeated landmark labels are an accessibility fault), e.g. "Queues table" beside a
 * section labelled "Queues".
 */
export function TableScroll({ label, className = "", children }: { label: string; className?: string; children: React.ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const [overflowing, setOverflowing] = useState(false);
  const hintId = useId();

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    // Fires once on observe, then whenever the box or the table changes size (window, new rows).
    const observer = new ResizeObserver(() => setOverflowing(element.scrollWidth > element.clientWidth + 1));
    observer.observe(element);
    for (const child of Array.from(element.children)) observer.observe(child);
    return () => observer.disconnect();
  }, []);

  return (
    <div className="min-w-0 max-w-full">
      {overflowing ? (
        <p id={hintId} className="mb-1 flex items-center justify-end gap-1 text-xs text-slate-500" data-table-scroll-hint="">
          Scroll sideways to see every column
          <span aria-hidden="true">→</span>
        </p>
      ) : null}
      <div
        ref={box}
        role="region"
        aria-label={label}
        aria-describedby={overflowing ? hintId : undefined}
        tabIndex={0}
        // relative: absolutely placed bits of the table (screen-reader-only text) scroll with it too;
        // inline-size containment: the table's width never props open a grid or flex parent.
        className={`relative max-w-full overflow-x-auto [contain:inline-size] ${className}`}
      >
        {children}
      </div>
    </div>
  );
}
