import fs from "node:fs";

/**
 * Which of `pids` holds an established TCP connection to 127.0.0.1:`port` (IPv4), read from /proc
 * the way `ss -tnp` does: the socket's inode in /proc/net/tcp, then the process whose fd points at
 * it. Linux only. Undefined when none does (yet).
 */
export function processConnectedTo(port: number, pids: number[]): number | undefined {
  const remote = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const inodes = new Set(
    fs
      .readFileSync("/proc/net/tcp", "utf8")
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      // local, remote, state (01 = ESTABLISHED) … inode (column 10)
      .filter((columns) => columns[2] === remote && columns[3] === "01")
      .map((columns) => columns[9]),
  );
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const target = (() => {
        try {
          return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return "";
        }
      })();
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return pid;
    }
  }
  return undefined;
}
