import "server-only";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes, X509Certificate } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A certificate with its private key, both PEM, and the SHA-256 of the DER certificate (hex with colons). */
export interface GeneratedCertificate {
  certPem: string;
  keyPem: string;
  sha256: string;
  /** The DNS names / IPs the certificate was issued for. */
  names: string[];
}

export interface SandboxCertificates {
  ca: { certPem: string; sha256: string };
  /** `*.sandbox.test` (and `sandbox.test`), signed by the private CA. */
  wildcard: GeneratedCertificate;
  /** `wrong.example.invalid`, signed by the private CA: trusted chain, wrong name. */
  wrongName: GeneratedCertificate;
  /** Self-signed `*.sandbox.test`: right name, chain nobody trusts. */
  selfSigned: GeneratedCertificate;
}

export function certificateSha256(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/**
 * Generate a private CA and server certificates with the openssl CLI, in a temp dir that is removed
 * afterwards. Keys are made at run time so no private key is ever committed.
 */
export async function generateSandboxCertificates(): Promise<SandboxCertificates> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sandbox-certs-"));
  try {
    const file = (name: string) => path.join(dir, name);
    await run("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30", "-sha256",
      "-keyout", file("ca.key"), "-out", file("ca.crt"),
      "-subj", "/O=EDI Portal Sandbox/CN=EDI Portal Sandbox CA",
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    const caPem = await readFile(file("ca.crt"), "utf8");

    const issue = async (id: string, names: string[], signedBy: "ca" | "self"): Promise<GeneratedCertificate> => {
      const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
      const subject = `/O=EDI Portal Sandbox/CN=${names[0]}`;
      if (signedBy === "self") {
        await run("openssl", [
          "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30", "-sha256",
          "-keyout", file(`${id}.key`), "-out", file(`${id}.crt`), "-subj", subject,
          "-addext", `subjectAltName=${san}`,
        ]);
      } else {
        await run("openssl", [
          "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", file(`${id}.key`), "-out", file(`${id}.csr`), "-subj", subject,
        ]);
        await writeFile(
          file(`${id}.ext`),
          `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
        );
        await run("openssl", [
          "x509", "-req", "-in", file(`${id}.csr`), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
          "-set_serial", `0x${randomBytes(12).toString("hex")}`, "-days", "30", "-sha256", "-extfile", file(`${id}.ext`), "-out", file(`${id}.crt`),
        ]);
      }
      const certPem = await readFile(file(`${id}.crt`), "utf8");
      const keyPem = await readFile(file(`${id}.key`), "utf8");
      return { certPem, keyPem, sha256: certificateSha256(certPem), names };
    };

    const [wildcard, wrongName, selfSigned] = await Promise.all([
      issue("wildcard", ["*.sandbox.test", "sandbox.test"], "ca"),
      issue("wrong-name", ["wrong.example.invalid"], "ca"),
      issue("self-signed", ["*.sandbox.test"], "self"),
    ]);
    return { ca: { certPem: caPem, sha256: certificateSha256(caPem) }, wildcard, wrongName, selfSigned };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
