/** Plain text with its http(s) links made clickable. React escapes everything else; no HTML is interpreted. */
const URL_PATTERN = /(https?:\/\/[^\s<>"']+)/g;

export function LinkedText({ text }: { text: string }) {
  const parts = text.split(URL_PATTERN);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part} className="break-all text-brand-700 underline" rel="noreferrer noopener">
            {part}
          </a>
        ) : (
          <span key={i}>{part}</span>
        ),
      )}
    </>
  );
}
