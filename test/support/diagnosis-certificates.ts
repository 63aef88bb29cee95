/**
 * Certificates for the diagnosis tests, made with the openssl CLI at run time: a private CA, a
 * CA-signed wildcard certificate for "*.localhost" that also carries IP 127.0.0.1, and a
 * self-signed one. Connecting as "127.0.0.1" matches; connecting as "localhost" is the classic
 * wildcard mistake (a wildcard never covers the bare domain).
 */
import { execFile } from "node:child_process";
import { randomBytes, X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { GeneratedCertificate } from "@/lib/sandbox/certificates";

const run = promisify(execFile);

export interface DiagnosisCertificates {
  caPem: string;
  /** DNS:*.localhost, IP:127.0.0.1, signed by the CA. */
  wildcard: GeneratedCertificate;
  /** The same names, self-signed: nobody's CA. */
  selfSigned: GeneratedCertificate;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export async function generateDiagnosisCertificates(): Promise<DiagnosisCertificates> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "diagnosis-certs-"));
  const file = (name: string) => path.join(dir, name);
  try {
    await run("openssl", ["req", "-x509", ...EC, "-days", "30", "-sha256", "-keyout", file("ca.key"), "-out", file("ca.crt"),
      "-subj", "/O=Diagnosis Test CA/CN=Diagnosis Test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    const san = "subjectAltName=DNS:*.localhost,IP:127.0.0.1";
    await run("openssl", ["req", "-new", ...EC, "-keyout", file("wild.key"), "-out", file("wild.csr"), "-subj", "/O=Diagnosis Test/CN=*.localhost"]);
    await writeFile(file("wild.ext"), `${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`);
    await run("openssl", ["x509", "-req", "-in", file("wild.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
      "-set_serial", `0x${randomBytes(12).toString("hex")}`, "-days", "30", "-sha256", "-extfile", file("wild.ext"), "-out", file("wild.crt")]);
    await run("openssl", ["req", "-x509", ...EC, "-days", "30", "-sha256", "-keyout", file("self.key"), "-out", file("self.crt"),
      "-subj", "/O=Diagnosis Test/CN=*.localhost", "-addext", san]);
    const load = async (id: string): Promise<GeneratedCertificate> => {
      const certPem = await readFile(file(`${id}.crt`), "utf8");
      return { certPem, keyPem: await readFile(file(`${id}.key`), "utf8"), sha256: new X509Certificate(certPem).fingerprint256, names: ["*.localhost", "127.0.0.1"] };
    };
    return { caPem: await readFile(file("ca.crt"), "utf8"), wildcard: await load("wild"), selfSigned: await load("self") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
