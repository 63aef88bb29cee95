/** Byte counts for people: binary units, one decimal, no trailing ".0". Safe in client components. */
export function formatBytes(bytes: number): string {
  const KiB = 1024;
  const MiB = KiB * 1024;
  const GiB = MiB * 1024;
  if (bytes < KiB) return `${bytes} bytes`;
  if (bytes < MiB) return `${Number((bytes / KiB).toFixed(1))} KiB`;
  if (bytes < GiB) return `${Number((bytes / MiB).toFixed(1))} MiB`;
  return `${Number((bytes / GiB).toFixed(1))} GiB`;
}
