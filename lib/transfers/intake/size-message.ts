/* The size refusal, shared by the server's checks and the upload page (checked before a byte is sent). Safe in client components. */

/** "100.0 MiB (104,857,601 bytes)": rounded for reading, exact where the rounding would hide the difference. */
export function describeSize(bytes: number): string {
  const MiB = 1048576;
  const rounded = bytes >= MiB ? `${Number.isInteger(bytes / MiB) ? bytes / MiB : (bytes / MiB).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : null;
  const exact = `${bytes.toLocaleString("en-US")} bytes`;
  return rounded ? `${rounded} (${exact})` : exact;
}

/** The refusal of a file over the destination's limit: one sentence, never two sizes that read as equal. */
export function tooLargeMessage(size: number, destination: { name: string; maxFileBytes: number }): string {
  return `The file is ${describeSize(size)}; ${destination.name} accepts at most ${describeSize(destination.maxFileBytes)}. Split the batch into smaller files.`;
}
