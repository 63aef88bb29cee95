/**
 * Preformatted text that may scroll inside its own box: a transcript, a report, a command line.
 * A keyboard must reach a scrolling box to scroll it, so it is focusable, and focusable content
 * needs a name: a labelled region. Keep `label` unique on the page (repeated landmark labels are an
 * accessibility fault), e.g. "Transcript of attempt 2".
 */
export function ScrollPre({ label, className, children }: { label: string; className: string; children: React.ReactNode }) {
  return (
    <pre role="region" aria-label={label} tabIndex={0} className={className}>
      {children}
    </pre>
  );
}
