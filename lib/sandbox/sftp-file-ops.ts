import { constants as fsConstants, type Stats } from "node:fs";
import { lstat, mkdir, open, readdir, rename, rmdir, stat, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { utils, type Attributes, type SFTPWrapper } from "ssh2";
import type { SandboxSftpFaults } from "@/lib/sandbox/sftp-faults";
import { normalizeVirtualPath, OutsideRootError, resolveInsideRoot } from "@/lib/sandbox/sftp-paths";

const { OPEN_MODE, STATUS_CODE } = utils.sftp;

// Every file-system call below takes a path inside the sandbox's own data directory, known only at
// run time. `turbopackIgnore` tells Next's bundler not to trace such a path (it would otherwise pull
// the whole project into the server output and warn about it at every build).

interface FileHandleState {
  kind: "file";
  file: FileHandle;
  virtualPath: string;
  realPath: string;
  bytesWritten: number;
  /** Opened for writing: closing it may complete a submission. */
  writable: boolean;
}
interface DirHandleState {
  kind: "dir";
  realPath: string;
  virtualPath: string;
  sent: boolean;
}

export interface FileOpsContext {
  root: string;
  faults: () => SandboxSftpFaults;
  /** Cut the TCP connection (dropAfterBytes). */
  cutConnection: () => void;
  /** Resolves when a write of `bytes` may be acknowledged (slow-link throttle). */
  throttle: (bytes: number) => Promise<void>;
  /** A file was closed after writing, or renamed into place: `virtualPath` as the client names it. */
  onFileComplete?: (virtualPath: string, realPath: string) => void;
}

class SftpStatus extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const denied = () => new SftpStatus(STATUS_CODE.PERMISSION_DENIED, "Permission denied");

/**
 * Serve SFTP v3 requests from a real directory. Requests are handled one at a time, in arrival
 * order, like OpenSSH's sftp-server: pipelined writes land in order, so a cut leaves a clean prefix.
 */
export function serveFileOperations(sftp: SFTPWrapper, context: FileOpsContext): void {
  const handles = new Map<number, FileHandleState | DirHandleState>();
  let nextHandle = 1;
  let queue: Promise<void> = Promise.resolve();
  let cut = false;

  const newHandle = (state: FileHandleState | DirHandleState): Buffer => {
    const id = nextHandle++;
    handles.set(id, state);
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32BE(id);
    return buffer;
  };
  const lookup = (handle: Buffer) => {
    const state = handle.length === 4 ? handles.get(handle.readUInt32BE()) : undefined;
    if (!state) throw new SftpStatus(STATUS_CODE.FAILURE, "Invalid handle");
    return state;
  };
  const resolve = async (virtualPath: string) => {
    try {
      return await resolveInsideRoot(context.root, virtualPath);
    } catch (error) {
      if (error instanceof OutsideRootError) throw denied();
      throw error;
    }
  };

  const on = (event: string, work: (reqId: number, ...args: never[]) => Promise<void>) => {
    sftp.on(event, (reqId: number, ...args: never[]) => {
      queue = queue.then(async () => {
        if (cut) return;
        try {
          await work(reqId, ...args);
        } catch (error) {
          if (cut) return;
          const { status, message } = toStatus(error);
          sftp.status(reqId, status, message);
        }
      });
    });
  };

  on("REALPATH", async (reqId, virtualPath: string) => {
    const normalized = normalizeVirtualPath(virtualPath);
    await resolve(normalized);
    sftp.name(reqId, [{ filename: normalized, longname: normalized, attrs: {} as Attributes }]);
  });

  on("STAT", async (reqId, virtualPath: string) => sftp.attrs(reqId, toAttrs(await stat(/* turbopackIgnore: true */ await resolve(virtualPath)))));
  on("LSTAT", async (reqId, virtualPath: string) => sftp.attrs(reqId, toAttrs(await lstat(/* turbopackIgnore: true */ await resolve(virtualPath)))));

  on("OPEN", async (reqId, virtualPath: string, flags: number) => {
    const writes = (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND | OPEN_MODE.CREAT | OPEN_MODE.TRUNC)) !== 0;
    if (writes && context.faults().readOnly) throw denied();
    const realPath = await resolve(virtualPath);
    const file = await open(/* turbopackIgnore: true */ realPath, toFsFlags(flags), 0o644);
    if ((await file.stat()).isDirectory()) {
      await file.close();
      throw new SftpStatus(STATUS_CODE.FAILURE, "Is a directory");
    }
    sftp.handle(reqId, newHandle({ kind: "file", file, virtualPath: normalizeVirtualPath(virtualPath), realPath, bytesWritten: 0, writable: writes }));
  });

  on("WRITE", async (reqId, handle: Buffer, offset: number, data: Buffer) => {
    const state = lookup(handle);
    if (state.kind !== "file") throw new SftpStatus(STATUS_CODE.FAILURE, "Not a file handle");
    const faults = context.faults();
    if (faults.readOnly) throw denied();
    if (faults.noSpace) throw new SftpStatus(STATUS_CODE.FAILURE, "No space left on device");
    const limit = faults.dropAfterBytes;
    if (limit !== undefined && state.bytesWritten + data.length > limit) {
      const allowed = Math.max(0, limit - state.bytesWritten);
      if (allowed > 0) await state.file.write(data, 0, allowed, offset);
      state.bytesWritten += allowed;
      cut = true;
      context.cutConnection();
      return;
    }
    await state.file.write(data, 0, data.length, offset);
    state.bytesWritten += data.length;
    await context.throttle(data.length);
    sftp.status(reqId, STATUS_CODE.OK);
  });

  on("READ", async (reqId, handle: Buffer, offset: number, length: number) => {
    const state = lookup(handle);
    if (state.kind !== "file") throw new SftpStatus(STATUS_CODE.FAILURE, "Not a file handle");
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await state.file.read(buffer, 0, length, offset);
    if (bytesRead === 0) sftp.status(reqId, STATUS_CODE.EOF);
    else sftp.data(reqId, buffer.subarray(0, bytesRead));
  });

  on("FSTAT", async (reqId, handle: Buffer) => {
    const state = lookup(handle);
    const stats = state.kind === "file" ? await state.file.stat() : await stat(/* turbopackIgnore: true */ state.realPath);
    sftp.attrs(reqId, toAttrs(stats));
  });

  on("FSETSTAT", async (reqId, handle: Buffer) => {
    lookup(handle);
    sftp.status(reqId, STATUS_CODE.OK); // Accepted and ignored: the sandbox keeps its own modes and times.
  });
  on("SETSTAT", async (reqId, virtualPath: string) => {
    await stat(/* turbopackIgnore: true */ await resolve(virtualPath));
    sftp.status(reqId, STATUS_CODE.OK);
  });

  on("CLOSE", async (reqId, handle: Buffer) => {
    const state = lookup(handle);
    handles.delete(handle.readUInt32BE());
    if (state.kind === "file") await state.file.close();
    sftp.status(reqId, STATUS_CODE.OK);
    if (state.kind === "file" && state.writable) context.onFileComplete?.(state.virtualPath, state.realPath);
  });

  on("OPENDIR", async (reqId, virtualPath: string) => {
    const realPath = await resolve(virtualPath);
    const stats = await stat(/* turbopackIgnore: true */ realPath);
    if (!stats.isDirectory()) throw new SftpStatus(STATUS_CODE.FAILURE, "Not a directory");
    sftp.handle(reqId, newHandle({ kind: "dir", realPath, virtualPath, sent: false }));
  });

  on("READDIR", async (reqId, handle: Buffer) => {
    const state = lookup(handle);
    if (state.kind !== "dir") throw new SftpStatus(STATUS_CODE.FAILURE, "Not a directory handle");
    if (state.sent) return sftp.status(reqId, STATUS_CODE.EOF);
    state.sent = true;
    const names = await readdir(/* turbopackIgnore: true */ state.realPath);
    const entries = [];
    for (const name of [".", "..", ...names]) {
      const stats = await lstat(/* turbopackIgnore: true */ path.join(state.realPath, name)).catch(() => undefined);
      if (stats) entries.push({ filename: name, longname: longName(name, stats), attrs: toAttrs(stats) });
    }
    sftp.name(reqId, entries);
  });

  on("MKDIR", async (reqId, virtualPath: string) => {
    if (context.faults().readOnly) throw denied();
    await mkdir(/* turbopackIgnore: true */ await resolve(virtualPath));
    sftp.status(reqId, STATUS_CODE.OK);
  });
  on("RMDIR", async (reqId, virtualPath: string) => {
    if (context.faults().readOnly) throw denied();
    await rmdir(/* turbopackIgnore: true */ await resolve(virtualPath));
    sftp.status(reqId, STATUS_CODE.OK);
  });
  on("REMOVE", async (reqId, virtualPath: string) => {
    if (context.faults().readOnly) throw denied();
    await unlink(/* turbopackIgnore: true */ await resolve(virtualPath));
    sftp.status(reqId, STATUS_CODE.OK);
  });

  const renameRequest = async (reqId: number, from: string, to: string, overwrite: boolean) => {
    const faults = context.faults();
    if (faults.readOnly || faults.refuseRename) throw denied();
    const source = await resolve(from);
    const target = await resolve(to);
    await lstat(/* turbopackIgnore: true */ source);
    // SFTP v3 RENAME must not replace an existing file; posix-rename may (OpenSSH semantics).
    if (!overwrite && (await lstat(/* turbopackIgnore: true */ target).then(() => true, () => false)))
      throw new SftpStatus(STATUS_CODE.FAILURE, "File exists");
    await rename(/* turbopackIgnore: true */ source, target);
    sftp.status(reqId, STATUS_CODE.OK);
    context.onFileComplete?.(normalizeVirtualPath(to), target);
  };
  on("RENAME", async (reqId, from: string, to: string) => renameRequest(reqId, from, to, false));
  on("EXTENDED", async (reqId, name: string, data: Buffer) => {
    if (name !== "posix-rename@openssh.com" || !data) throw new SftpStatus(STATUS_CODE.OP_UNSUPPORTED, "Unsupported");
    const [from, to] = readStrings(data, 2);
    await renameRequest(reqId, from, to, true);
  });

  const closeAll = () => {
    for (const state of handles.values()) if (state.kind === "file") void state.file.close().catch(() => {});
    handles.clear();
  };
  sftp.on("close", closeAll);
  // The client sent EOF ("bye"): answer what is queued, then close our side so its ssh can exit.
  sftp.on("end", () => {
    queue = queue.then(() => {
      closeAll();
      sftp.end();
    });
  });
}

function readStrings(data: Buffer, count: number): string[] {
  const out: string[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const length = data.readUInt32BE(offset);
    out.push(data.toString("utf8", offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return out;
}

function toFsFlags(flags: number): number {
  const read = (flags & OPEN_MODE.READ) !== 0;
  const write = (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND)) !== 0;
  let result = read && write ? fsConstants.O_RDWR : write ? fsConstants.O_WRONLY : fsConstants.O_RDONLY;
  if (flags & OPEN_MODE.APPEND) result |= fsConstants.O_APPEND;
  if (flags & OPEN_MODE.CREAT) result |= fsConstants.O_CREAT;
  if (flags & OPEN_MODE.TRUNC) result |= fsConstants.O_TRUNC;
  if (flags & OPEN_MODE.EXCL) result |= fsConstants.O_EXCL;
  return result;
}

function toAttrs(stats: Stats): Attributes {
  return {
    mode: stats.mode,
    uid: stats.uid,
    gid: stats.gid,
    size: stats.size,
    atime: Math.floor(stats.atimeMs / 1000),
    mtime: Math.floor(stats.mtimeMs / 1000),
  };
}

function longName(name: string, stats: Stats): string {
  const type = stats.isDirectory() ? "d" : stats.isSymbolicLink() ? "l" : "-";
  const bits = ["r", "w", "x"];
  let perms = "";
  for (let i = 8; i >= 0; i--) perms += stats.mode & (1 << i) ? bits[(8 - i) % 3] : "-";
  const date = stats.mtime.toISOString().slice(0, 16).replace("T", " ");
  return `${type}${perms} 1 sandbox sandbox ${String(stats.size).padStart(10)} ${date} ${name}`;
}

function toStatus(error: unknown): { status: number; message: string } {
  if (error instanceof SftpStatus) return { status: error.status, message: error.message };
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return { status: STATUS_CODE.NO_SUCH_FILE, message: "No such file" };
    case "EACCES":
    case "EPERM":
      return { status: STATUS_CODE.PERMISSION_DENIED, message: "Permission denied" };
    case "ENOSPC":
      return { status: STATUS_CODE.FAILURE, message: "No space left on device" };
    case "EEXIST":
      return { status: STATUS_CODE.FAILURE, message: "File exists" };
    default:
      return { status: STATUS_CODE.FAILURE, message: "Failure" };
  }
}
