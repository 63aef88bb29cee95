/**
 * Names we send upstream: letters, digits, dot, dash and underscore, starting with a letter or
 * digit. Nothing that a shell, an FTP command line, a path or a Windows device name could misread.
 */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

export function remoteNameProblem(name: string): string | null {
  if (!name) return "Enter a file name.";
  if (name.length > 200) return "Use at most 200 characters.";
  if (!SAFE_NAME.test(name)) return "Use only letters, digits, dots, dashes and underscores, starting with a letter or digit.";
  if (name.includes("..")) return "Two dots in a row are not allowed in a file name.";
  if (WINDOWS_DEVICE.test(name)) return "That name is reserved on Windows servers; choose another.";
  // Windows servers drop a trailing dot, so the file would arrive under another name.
  if (name.endsWith(".")) return "A file name cannot end with a dot; add the extension, e.g. .TXT.";
  return null;
}
