"use client";

export default function GlobalError({ error }: { error: Error & { digest?: string } }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", padding: "4rem", textAlign: "center" }}>
        <h1>Something went wrong</h1>
        <p>Please reload the page. If it keeps happening, contact support{error.digest ? ` and quote reference ${error.digest}` : ""}.</p>
      </body>
    </html>
  );
}
