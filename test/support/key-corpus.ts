import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

/**
 * Builds, in a temporary directory, key files as real partners' tools write them: ssh-keygen (OpenSSH 9),
 * puttygen (PPK v2/v3, ssh.com and RFC 4716 exports), openssl and node:crypto. Nothing is committed.
 *
 * One RSA-2048 key ("rsa") is written in every format, so every parse must give the same fingerprint,
 * which ssh-keygen computes independently from rsa.pub.
 */

const execFileAsync = promisify(execFile);

/** Non-ASCII on purpose: passphrases are bytes to these tools, and must be UTF-8 to us. */
export const CORPUS_PASSPHRASE = "Corpus pass-phrase é 7";

export async function run(cmd: string, args: string[], options: { cwd?: string } = {}): Promise<string> {
  // puttygen keeps a random seed in $HOME/.putty: give it a home of its own that goes afterwards.
  const home = cmd === "puttygen" ? fs.mkdtempSync(path.join(os.tmpdir(), "puttygen-home-")) : undefined;
  try {
    const { stdout } = await execFileAsync(cmd, args, { cwd: options.cwd, env: home ? { ...process.env, HOME: home } : undefined });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${e.stderr ?? e.message}`);
  } finally {
    if (home) fs.rmSync(home, { recursive: true, force: true });
  }
}

export interface SshKeygenFingerprint {
  bits: number;
  sha256: string;
  md5: string;
  comment: string;
}

/** What `ssh-keygen -lf` and `ssh-keygen -E md5 -lf` print for a key file. */
export async function sshKeygenFingerprint(file: string): Promise<SshKeygenFingerprint> {
  const parse = (out: string) => /^(\d+) (\S+) (.*) \((\w+)\)$/.exec(out.trim());
  const sha = parse(await run("ssh-keygen", ["-lf", file]));
  const md5 = parse(await run("ssh-keygen", ["-E", "md5", "-lf", file]));
  if (!sha || !md5) throw new Error(`unexpected ssh-keygen -l output for ${file}`);
  return { bits: Number(sha[1]), sha256: sha[2], md5: md5[2], comment: sha[3] };
}

export class KeyCorpus {
  private rsa4096?: Promise<void>;

  private constructor(readonly dir: string) {}

  static async build(): Promise<KeyCorpus> {
    const corpus = new KeyCorpus(fs.mkdtempSync(path.join(os.tmpdir(), "key-corpus-")));
    try {
      await corpus.buildBase();
    } catch (err) {
      corpus.cleanup();
      throw err;
    }
    return corpus;
  }

  path(name: string): string {
    return path.join(this.dir, name);
  }

  text(name: string): string {
    return fs.readFileSync(this.path(name), "utf8");
  }

  /** Writes a file (mode 0600, as ssh-keygen insists for private keys) and returns its path. */
  write(name: string, content: string): string {
    const file = this.path(name);
    fs.writeFileSync(file, content, { mode: 0o600 });
    return file;
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** RSA-4096 takes seconds, so only the tests that need it pay for it, once. */
  async withRsa4096(): Promise<void> {
    this.rsa4096 ??= this.keygen(["-t", "rsa", "-b", "4096", "-C", "corpus rsa4096", "-f", "rsa4096"]);
    return this.rsa4096;
  }

  private keygen(args: string[]): Promise<void> {
    return run("ssh-keygen", ["-q", "-N", "", ...args], { cwd: this.dir }).then(() => undefined);
  }

  private async sshKeygenRewrite(from: string, to: string, args: string[]): Promise<void> {
    fs.copyFileSync(this.path(from), this.path(to));
    fs.chmodSync(this.path(to), 0o600);
    await run("ssh-keygen", ["-q", "-p", "-P", "", ...args, "-f", to], { cwd: this.dir });
  }

  private async puttygen(args: string[]): Promise<void> {
    await run("puttygen", ["-q", ...args], { cwd: this.dir });
  }

  private async sshKeygenOut(args: string[], out: string): Promise<void> {
    this.write(out, await run("ssh-keygen", args, { cwd: this.dir }));
  }

  private async buildBase(): Promise<void> {
    const pass = this.write("passphrase.txt", CORPUS_PASSPHRASE);
    const P = CORPUS_PASSPHRASE;

    // Independent keys first, in parallel (2 cores).
    await Promise.all([
      this.keygen(["-t", "rsa", "-b", "2048", "-C", "corpus rsa", "-f", "rsa"]),
      this.keygen(["-t", "rsa", "-b", "2048", "-C", "other rsa", "-f", "other-rsa"]),
      this.keygen(["-t", "rsa", "-b", "1024", "-C", "corpus rsa1024", "-f", "rsa1024"]),
      this.keygen(["-t", "ecdsa", "-b", "256", "-C", "corpus ecdsa", "-f", "ecdsa"]),
      this.keygen(["-t", "ed25519", "-C", "corpus ed25519", "-f", "ed25519"]),
      this.puttygen(["-t", "rsa", "-b", "2048", "-C", "putty generated", "--new-passphrase", pass, "-o", "putty-gen.ppk"]),
    ]);
    this.buildWithNodeCrypto();

    await Promise.all([
      // ssh-keygen's private formats of the one RSA key.
      this.sshKeygenRewrite("rsa", "rsa-openssh-enc", ["-N", P]),
      this.sshKeygenRewrite("rsa", "rsa-openssh-gcm-enc", ["-N", P, "-Z", "aes256-gcm@openssh.com"]),
      this.sshKeygenRewrite("rsa", "rsa-openssh-chacha-enc", ["-N", P, "-Z", "chacha20-poly1305@openssh.com"]),
      this.sshKeygenRewrite("rsa", "rsa-pkcs1.pem", ["-m", "PEM", "-N", ""]),
      this.sshKeygenRewrite("rsa", "rsa-pkcs1-enc.pem", ["-m", "PEM", "-N", P]),
      this.sshKeygenRewrite("rsa", "rsa-pkcs8.pem", ["-m", "PKCS8", "-N", ""]),
      this.sshKeygenRewrite("rsa", "rsa-pkcs8-enc.pem", ["-m", "PKCS8", "-N", P]),
      this.sshKeygenRewrite("ecdsa", "ecdsa-sec1.pem", ["-m", "PEM", "-N", ""]),
      // Its public formats.
      this.sshKeygenOut(["-e", "-f", "rsa.pub"], "rsa-rfc4716.pub"),
      this.sshKeygenOut(["-e", "-m", "PKCS8", "-f", "rsa.pub"], "rsa-spki.pem"),
      this.sshKeygenOut(["-e", "-m", "PEM", "-f", "rsa.pub"], "rsa-pkcs1-public.pem"),
      // PuTTY's, converted from the same key.
      this.puttygen(["rsa", "-o", "rsa-v3.ppk"]),
      this.puttygen(["rsa", "--new-passphrase", pass, "-o", "rsa-v3-enc.ppk"]),
      this.puttygen(["rsa", "--new-passphrase", pass, "--ppk-param", "kdf=argon2i,passes=2", "-o", "rsa-v3-argon2i-enc.ppk"]),
      this.puttygen(["rsa", "--new-passphrase", pass, "--ppk-param", "kdf=argon2d,passes=2", "-o", "rsa-v3-argon2d-enc.ppk"]),
      this.puttygen(["rsa", "--ppk-param", "version=2", "-o", "rsa-v2.ppk"]),
      this.puttygen(["rsa", "--new-passphrase", pass, "--ppk-param", "version=2", "-o", "rsa-v2-enc.ppk"]),
      this.puttygen(["rsa", "-O", "public", "-o", "rsa-putty-rfc4716.pub"]),
      this.puttygen(["rsa", "-O", "private-sshcom", "-o", "rsa-sshcom"]),
      // puttygen's own key and its public exports.
      this.puttygen(["putty-gen.ppk", "--old-passphrase", pass, "-O", "public", "-o", "putty-gen-rfc4716.pub"]),
      this.puttygen(["putty-gen.ppk", "--old-passphrase", pass, "-O", "public-openssh", "-o", "putty-gen.pub"]),
      this.puttygen(["ed25519", "-o", "ed25519.ppk"]),
      // DSA: modern OpenSSH may not make DSA keys any more, so openssl turns node's key into the legacy PEM.
      run("openssl", ["pkey", "-in", "dsa-pkcs8.pem", "-traditional", "-out", "dsa-traditional.pem"], { cwd: this.dir }),
    ]);
    // An X.509 certificate: what partners sometimes paste when asked for "the public key".
    await run("openssl", ["req", "-x509", "-key", "rsa-pkcs8.pem", "-subj", "/CN=corpus", "-days", "1", "-out", "rsa-cert.pem"], {
      cwd: this.dir,
    });
  }

  private buildWithNodeCrypto(): void {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.write(
      "node-rsa-pkcs8-enc.pem",
      rsa.privateKey.export({ format: "pem", type: "pkcs8", cipher: "aes-256-cbc", passphrase: CORPUS_PASSPHRASE }).toString(),
    );
    this.write("node-rsa-spki.pem", rsa.publicKey.export({ format: "pem", type: "spki" }).toString());
    const dsa = generateKeyPairSync("dsa", { modulusLength: 1024, divisorLength: 160 });
    this.write("dsa-pkcs8.pem", dsa.privateKey.export({ format: "pem", type: "pkcs8" }).toString());
    this.write("dsa-spki.pem", dsa.publicKey.export({ format: "pem", type: "spki" }).toString());
    const ed = generateKeyPairSync("ed25519");
    this.write("ed25519-pkcs8.pem", ed.privateKey.export({ format: "pem", type: "pkcs8" }).toString());
  }
}
