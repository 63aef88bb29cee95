import "server-only";
import { createReadStream, createWriteStream, type Stats, type WriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import type net from "node:net";
import tls from "node:tls";
import { unixListing } from "@/lib/sandbox/ftps-listing";
import { openPassiveListener, type PassiveListener } from "@/lib/sandbox/ftps-passive-listener";
import { resolveVirtual, toLocal } from "@/lib/sandbox/ftps-paths";
import type { SandboxFtpsFaults, SandboxFtpsOptions, SandboxFtpsStats } from "@/lib/sandbox/ftps-types";

/** What a control connection shares with the server it belongs to. */
export interface ServerState {
  options: SandboxFtpsOptions;
  faults: () => SandboxFtpsFaults;
  stats: SandboxFtpsStats;
  failuresByUser: Map<string, number>;
  bindHost: string;
  /** Every socket we opened, so close() can end them all. */
  track(socket: net.Socket): void;
  /** A file was stored completely or renamed into place (`virtualPath` as the client names it). */
  fileComplete?(virtualPath: string): void;
}

const DATA_TIMEOUT_MS = 10_000;
/** MLST announces MLSD too (RFC 3659); the starred facts are the ones every listing carries. */
const FEATURES = ["AUTH TLS", "PBSZ", "PROT", "PASV", "EPSV", "SIZE", "REST STREAM", "UTF8", "MLST type*;size*;modify*;"];

/**
 * One FTPS control connection: commands are handled strictly in order, TLS is required before
 * USER (explicit) or from the first byte (implicit), data connections must be TLS and (by default)
 * resume the control connection's TLS session, like vsftpd with require_ssl_reuse=YES.
 */
export class SandboxControlSession {
  private socket: net.Socket;
  private tlsSocket?: tls.TLSSocket;
  private secureContext: tls.SecureContext;
  private buffer = "";
  private queue: Promise<void> = Promise.resolve();
  private user?: string;
  private loggedIn = false;
  private protectedData = false;
  private cwd = "/";
  private restOffset = 0;
  private renameFrom?: string;
  private passive?: PassiveListener;
  private closed = false;

  constructor(
    raw: net.Socket,
    private readonly state: ServerState,
    private readonly tlsServer: tls.Server,
  ) {
    this.socket = raw;
    const alternate = state.faults().alternateCertificate;
    this.secureContext = tls.createSecureContext(alternate ? { cert: alternate.certPem, key: alternate.keyPem } : { cert: state.options.certificate.certPem, key: state.options.certificate.keyPem });
    raw.on("error", () => this.close());
    raw.on("close", () => this.close());
    if (state.options.mode === "implicit") {
      this.upgrade(() => this.reply(220, "EDI Sandbox FTPS ready (implicit TLS)."));
    } else {
      this.listen(raw);
      this.reply(220, "EDI Sandbox FTPS ready.");
    }
  }

  private get remoteAddress(): string {
    return this.socket.remoteAddress ?? "";
  }

  private listen(socket: net.Socket): void {
    socket.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString("utf8");
      let index: number;
      while ((index = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, index).replace(/\r$/, "");
        this.buffer = this.buffer.slice(index + 1);
        if (/^AUTH /i.test(line) && !this.tlsSocket) {
          // Upgrade synchronously, before the client's ClientHello can be read as a command.
          socket.removeAllListeners("data");
          this.buffer = "";
          if (!/^AUTH (TLS|SSL)$/i.test(line)) {
            this.reply(504, "Unsupported AUTH type.");
            this.listen(socket);
            return;
          }
          this.reply(234, "Proceed with negotiation.");
          this.upgrade();
          return;
        }
        this.queue = this.queue.then(() => this.handle(line)).catch(() => this.close());
      }
    });
  }

  private upgrade(then?: () => void): void {
    const secured = new tls.TLSSocket(this.socket, { isServer: true, secureContext: this.secureContext, server: this.tlsServer });
    this.state.track(secured);
    secured.on("error", () => this.close());
    secured.once("secure", () => then?.());
    this.tlsSocket = secured;
    this.listen(secured);
  }

  private get out(): net.Socket {
    return this.tlsSocket ?? this.socket;
  }

  private reply(code: number, text: string | string[]): void {
    if (this.closed) return;
    const lines = Array.isArray(text) ? text : [text];
    const body = lines.length === 1 ? `${code} ${lines[0]}\r\n` : `${code}-${lines[0]}\r\n${lines.slice(1, -1).map((l) => ` ${l}\r\n`).join("")}${code} ${lines[lines.length - 1]}\r\n`;
    this.out.write(body);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.passive?.close();
    this.tlsSocket?.destroy();
    this.socket.destroy();
  }

  private async handle(line: string): Promise<void> {
    if (this.closed) return;
    const space = line.indexOf(" ");
    const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const arg = space < 0 ? "" : line.slice(space + 1);
    const faults = this.state.faults();

    switch (verb) {
      case "FEAT":
        return this.reply(211, ["Features:", ...FEATURES, "End"]);
      case "SYST":
        return this.reply(215, "UNIX Type: L8");
      case "NOOP":
        return this.reply(200, "NOOP ok.");
      case "QUIT":
        this.reply(221, "Goodbye.");
        this.out.end();
        return;
    }
    if (!this.tlsSocket) {
      return this.reply(530, verb === "USER" ? "Non-anonymous sessions must use encryption." : "Please use AUTH TLS first.");
    }
    switch (verb) {
      case "USER":
        this.user = arg;
        this.loggedIn = false;
        return this.reply(331, "Please specify the password.");
      case "PASS":
        return this.login(arg, faults);
      case "PBSZ":
        return this.reply(200, "PBSZ set to 0.");
      case "PROT":
        if (arg.toUpperCase() === "P") {
          this.protectedData = true;
          return this.reply(200, "PROT now Private.");
        }
        return this.reply(536, "PROT C refused: data connections must be encrypted.");
      case "OPTS":
        // The facts are fixed: a client choosing others still gets type, size and modify.
        if (/^MLST\b/i.test(arg)) return this.reply(200, "MLST OPTS type;size;modify;");
        return this.reply(200, "Always in UTF8 mode.");
    }
    if (!this.loggedIn) return this.reply(530, "Please login with USER and PASS.");

    switch (verb) {
      case "TYPE":
        return this.reply(200, arg.toUpperCase().startsWith("A") ? "Switching to ASCII mode." : "Switching to Binary mode.");
      case "STRU":
      case "MODE":
        return this.reply(200, "OK.");
      case "PWD":
        return this.reply(257, `"${this.cwd}" is the current directory`);
      case "CWD":
        return this.changeDirectory(arg);
      case "CDUP":
        return this.changeDirectory("..");
      case "PASV":
      case "EPSV":
        return this.enterPassive(verb, faults);
      case "REST":
        this.restOffset = Number.parseInt(arg, 10) || 0;
        return this.reply(350, `Restart position accepted (${this.restOffset}).`);
      case "SIZE": {
        const info = await stat(this.local(arg)).catch(() => undefined);
        return info?.isFile() ? this.reply(213, String(info.size)) : this.reply(550, "Could not get file size.");
      }
      case "LIST":
      case "NLST":
        return this.list(arg.startsWith("-") ? "" : arg);
      case "MLSD":
        return this.machineList(arg);
      case "MLST":
        return this.machineStat(arg);
      case "STOR":
      case "APPE":
        return this.store(verb, arg, faults);
      case "RETR":
        return this.retrieve(arg, faults);
      case "RNFR": {
        const info = await stat(this.local(arg)).catch(() => undefined);
        if (!info) return this.reply(550, "RNFR command failed.");
        this.renameFrom = resolveVirtual(this.cwd, arg);
        return this.reply(350, "Ready for RNTO.");
      }
      case "RNTO":
        return this.renameTo(arg, faults);
      case "DELE":
        if (faults.readOnly) return this.reply(550, "Permission denied.");
        return rm(this.local(arg)).then(
          () => this.reply(250, "Delete operation successful."),
          () => this.reply(550, "Delete operation failed."),
        );
      case "MKD":
        if (faults.readOnly) return this.reply(550, "Permission denied.");
        return mkdir(this.local(arg)).then(
          () => this.reply(257, `"${resolveVirtual(this.cwd, arg)}" created`),
          () => this.reply(550, "Create directory operation failed."),
        );
      default:
        return this.reply(502, "Command not implemented.");
    }
  }

  private local(argument: string): string {
    return toLocal(this.state.options.rootDir, resolveVirtual(this.cwd, argument));
  }

  private login(password: string, faults: SandboxFtpsFaults): void {
    const username = this.user ?? "";
    const failures = this.state.failuresByUser.get(username) ?? 0;
    const limit = faults.lockAfterFailures;
    if (limit !== undefined && failures >= limit) {
      this.reply(421, "Too many failed login attempts: account locked.");
      this.out.end();
      return;
    }
    const known = this.state.options.users.find((u) => u.username === username);
    if (known && known.password === password) {
      this.loggedIn = true;
      this.state.stats.logins++;
      return this.reply(230, "Login successful.");
    }
    this.state.stats.failedLogins++;
    this.state.failuresByUser.set(username, failures + 1);
    if (limit !== undefined && failures + 1 >= limit) {
      this.reply(421, "Too many failed login attempts: account locked.");
      this.out.end();
      return;
    }
    this.reply(530, "Login incorrect.");
  }

  private async changeDirectory(argument: string): Promise<void> {
    const target = resolveVirtual(this.cwd, argument);
    const info = await stat(toLocal(this.state.options.rootDir, target)).catch(() => undefined);
    if (!info?.isDirectory()) return this.reply(550, "Failed to change directory.");
    this.cwd = target;
    this.reply(250, "Directory successfully changed.");
  }

  private async enterPassive(verb: "PASV" | "EPSV", faults: SandboxFtpsFaults): Promise<void> {
    this.passive?.close();
    this.passive = await openPassiveListener({
      bindHost: this.state.bindHost,
      range: this.state.options.passivePortRange,
      clientAddress: this.remoteAddress,
      closed: faults.closedPassiveRange,
      foreignHost: faults.pasvForeignAddress,
      onForeignConnection: () => this.state.stats.foreignPassiveConnections++,
    });
    const { advertisedHost, port } = this.passive;
    if (verb === "EPSV") return this.reply(229, `Entering Extended Passive Mode (|||${port}|)`);
    this.reply(227, `Entering Passive Mode (${advertisedHost.split(".").join(",")},${port >> 8},${port & 255}).`);
  }

  /** Accept the pending data connection and run TLS on it, as the server side, after the transfer command. */
  private async openData(): Promise<tls.TLSSocket | undefined> {
    const passive = this.passive;
    this.passive = undefined;
    if (!passive) {
      this.reply(425, "Use PASV or EPSV first.");
      return undefined;
    }
    if (!this.protectedData) {
      passive.close();
      this.reply(522, "Data connections must be encrypted (PROT P).");
      return undefined;
    }
    let raw: net.Socket;
    try {
      raw = await passive.accept(DATA_TIMEOUT_MS);
    } catch {
      passive.close();
      this.reply(425, "Failed to establish connection.");
      return undefined;
    } finally {
      passive.close();
    }
    this.state.track(raw);
    this.state.stats.dataConnections++;
    const data = new tls.TLSSocket(raw, { isServer: true, secureContext: this.secureContext, server: this.tlsServer });
    this.state.track(data);
    const ok = await new Promise<boolean>((resolve) => {
      data.once("secure", () => resolve(true));
      data.once("error", () => resolve(false));
      raw.resume();
    });
    if (!ok) {
      data.destroy();
      this.reply(522, "SSL connection failed.");
      return undefined;
    }
    const reused = data.isSessionReused();
    if (reused) this.state.stats.dataConnectionsReusingSession++;
    if (!reused && this.state.options.requireSessionReuse !== false) {
      data.destroy();
      this.reply(522, "SSL connection failed: session reuse required");
      return undefined;
    }
    return data;
  }

  private async list(argument: string): Promise<void> {
    this.reply(150, "Here comes the directory listing.");
    const data = await this.openData();
    if (!data) return;
    const text = await unixListing(this.local(argument)).catch(() => "");
    await new Promise<void>((resolve) => data.end(text, () => resolve()));
    this.reply(226, "Directory send OK.");
  }

  /** MLSD (RFC 3659): one line of machine-readable facts per entry, times in UTC to the second. */
  private async machineList(argument: string): Promise<void> {
    const directory = this.local(argument);
    const info = await stat(directory).catch(() => undefined);
    if (!info?.isDirectory()) return this.reply(550, "Directory not found.");
    this.reply(150, "Here comes the directory listing.");
    const data = await this.openData();
    if (!data) return;
    const lines: string[] = [];
    for (const name of await readdir(directory).catch(() => [])) {
      const entry = await stat(`${directory}/${name}`).catch(() => undefined);
      if (entry) lines.push(`${machineFacts(entry)} ${name}\r\n`);
    }
    await new Promise<void>((resolve) => data.end(lines.join(""), () => resolve()));
    this.reply(226, "Directory send OK.");
  }

  private async machineStat(argument: string): Promise<void> {
    const target = resolveVirtual(this.cwd, argument);
    const info = await stat(toLocal(this.state.options.rootDir, target)).catch(() => undefined);
    if (!info) return this.reply(550, "No such file or directory.");
    this.reply(250, [`Listing ${target}`, `${machineFacts(info)} ${target}`, "End"]);
  }

  private async store(verb: "STOR" | "APPE", argument: string, faults: SandboxFtpsFaults): Promise<void> {
    const offset = this.restOffset;
    this.restOffset = 0;
    // Refusals leave the pending data connection alone (closed at the next PASV or at logout), as
    // vsftpd does: resetting it here would race the reply on the client side.
    if (faults.readOnly) return this.reply(550, "Permission denied.");
    const file = this.local(argument);
    const parent = await stat(toLocal(this.state.options.rootDir, resolveVirtual(this.cwd, `${argument}/..`))).catch(() => undefined);
    if (!parent?.isDirectory()) return this.reply(553, "Could not create file.");
    this.reply(150, "Ok to send data.");
    const data = await this.openData();
    if (!data) return;

    const output: WriteStream =
      verb === "APPE"
        ? createWriteStream(file, { flags: "a" })
        : offset > 0
          ? createWriteStream(file, { flags: "r+", start: offset })
          : createWriteStream(file, { flags: "w" });
    const dropAfter = faults.dropAfterBytes;
    const rate = faults.slowLinkBytesPerSecond;
    let received = 0;
    let dropped = false;

    const outcome = await new Promise<"complete" | "dropped" | "failed">((resolve) => {
      data.on("data", (chunk: Buffer) => {
        if (dropped) return;
        let part = chunk;
        if (dropAfter !== undefined && received + chunk.length >= dropAfter) {
          part = chunk.subarray(0, dropAfter - received);
          dropped = true;
        }
        received += part.length;
        output.write(part);
        if (dropped) {
          data.pause();
          // Store exactly `dropAfter` bytes, then cut both connections like a failing link.
          output.end(() => resolve("dropped"));
          return;
        }
        if (rate) {
          data.pause();
          setTimeout(() => data.resume(), (part.length / rate) * 1000).unref();
        }
      });
      data.once("end", () => output.end(() => resolve("complete")));
      data.once("error", () => output.end(() => resolve("failed")));
    });
    if (outcome === "dropped") {
      data.destroy();
      this.close();
      return;
    }
    data.destroy();
    if (outcome === "failed") return this.reply(426, "Failure reading network stream.");
    this.reply(226, "Transfer complete.");
    this.state.fileComplete?.(resolveVirtual(this.cwd, argument));
  }

  private async retrieve(argument: string, faults: SandboxFtpsFaults): Promise<void> {
    if (faults.writeOnly) return this.reply(550, "Permission denied.");
    const file = this.local(argument);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return this.reply(550, "Failed to open file.");
    this.reply(150, `Opening BINARY mode data connection for ${argument} (${info.size} bytes).`);
    const data = await this.openData();
    if (!data) return;
    const sent = await new Promise<boolean>((resolve) => {
      const input = createReadStream(file);
      input.once("error", () => resolve(false));
      input.pipe(data);
      data.once("finish", () => resolve(true));
      data.once("error", () => resolve(false));
    });
    data.destroy();
    this.reply(sent ? 226 : 426, sent ? "Transfer complete." : "Failure writing network stream.");
  }

  private async renameTo(argument: string, faults: SandboxFtpsFaults): Promise<void> {
    const from = this.renameFrom;
    this.renameFrom = undefined;
    if (!from) return this.reply(503, "RNFR required first.");
    if (faults.refuseRename || faults.readOnly) return this.reply(550, "Rename permission denied.");
    try {
      await rename(toLocal(this.state.options.rootDir, from), this.local(argument));
      this.reply(250, "Rename successful.");
      this.state.fileComplete?.(resolveVirtual(this.cwd, argument));
    } catch {
      this.reply(550, "Rename failed.");
    }
  }
}

function machineFacts(info: Stats): string {
  const modified = info.mtime.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `type=${info.isDirectory() ? "dir" : "file"};size=${info.size};modify=${modified};`;
}
