/**
 * Private-key uploads as a partner makes them: passphrase-protected key files at the highest KDF
 * cost the portal accepts (OpenSSH with `ssh-keygen -a <bcrypt rounds>`, PuTTY .ppk v3 with
 * `puttygen --ppk-param` at the Argon2 limits), posted through the "Upload a private key" form of
 * the Keys & credentials page as a browser posts it (see KeyPostMode), with the server action the
 * page itself names in its hidden fields and the session cookie. Each upload counts only if the
 * portal says it stored the key and the key then appears, with its private half, on the page.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { BenchFailure } from "../shared/errors";
import type { ResponsivenessConfig } from "./responsiveness-config";

const run = promisify(execFile);
const KEYS_PAGE = "/keys";
const FORM_LABEL = "Upload a private key";
const STORED = "Private key stored encrypted";

export interface EncryptedKeyFile {
  format: "openssh" | "ppk-v3";
  /** What the file's header says about its KDF, read back from the file itself. */
  kdf: string;
  text: string;
  /** Secret: the key's passphrase. */
  passphrase: string;
  sha256: string;
}

export interface KeyUploadResult {
  format: EncryptedKeyFile["format"];
  kdf: string;
  sha256: string;
  startedAt: number;
  finishedAt: number;
  /** The form post to the answer's last byte (the portal re-renders the page with the result). */
  elapsedMs: number;
}

/** Alternately OpenSSH (bcrypt at the rounds limit) and PPK v3 (Argon2id at the memory × passes limit). */
export async function makeEncryptedKeys(workDir: string, count: number, kdf: ResponsivenessConfig["kdf"], tag: string): Promise<EncryptedKeyFile[]> {
  const keys: EncryptedKeyFile[] = [];
  for (let i = 0; i < count; i++) {
    const base = path.join(workDir, `partner-key-${tag}-${i}`);
    const passphrase = randomBytes(18).toString("base64url");
    if (i % 2 === 0) {
      await run("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-a", String(kdf.bcryptRounds), "-N", passphrase, "-C", `bench-key-${i}`, "-f", base]);
      const text = await readFile(base, "utf8");
      keys.push({ format: "openssh", kdf: `bcrypt, ${opensshRounds(text)} rounds`, text, passphrase, sha256: await fingerprint(`${base}.pub`) });
    } else {
      await run("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-C", `bench-key-${i}`, "-f", base]);
      const passphraseFile = `${base}.passphrase`;
      await writeFile(passphraseFile, `${passphrase}\n`, { mode: 0o600 });
      const params = `version=3,kdf=argon2id,memory=${kdf.argon2MemoryKiB},passes=${kdf.argon2Passes},parallelism=${kdf.argon2Parallelism}`;
      await run("puttygen", [base, "-O", "private", "-o", `${base}.ppk`, "--new-passphrase", passphraseFile, "--ppk-param", params]);
      const text = await readFile(`${base}.ppk`, "utf8");
      const header = (name: string) => new RegExp(`^${name}: (.+)$`, "m").exec(text)?.[1]?.trim() ?? "?";
      keys.push({
        format: "ppk-v3",
        kdf: `${header("Key-Derivation")}, ${header("Argon2-Memory")} KiB × ${header("Argon2-Passes")} passes, ${header("Argon2-Parallelism")} lanes`,
        text,
        passphrase,
        sha256: await fingerprint(`${base}.pub`),
      });
    }
  }
  return keys;
}

async function fingerprint(publicKeyPath: string): Promise<string> {
  const { stdout } = await run("ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyPath]);
  return stdout.split(/\s+/)[1];
}

/** The bcrypt rounds an openssh-key-v1 file really carries (its kdfoptions: salt, then rounds). */
function opensshRounds(text: string): number {
  const body = Buffer.from(text.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  let offset = "openssh-key-v1\0".length;
  const readString = () => {
    const length = body.readUInt32BE(offset);
    const value = body.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return value;
  };
  readString(); // cipher
  if (readString().toString() !== "bcrypt") throw new Error("ssh-keygen did not write a bcrypt-protected key");
  const options = readString();
  const saltLength = options.readUInt32BE(0);
  return options.readUInt32BE(4 + saltLength);
}

const ENTITIES: Record<string, string> = { amp: "&", quot: '"', lt: "<", gt: ">", apos: "'", nbsp: "\u00a0" };
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, entity: string) => {
    if (entity[0] === "#") return String.fromCodePoint(entity[1].toLowerCase() === "x" ? parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const match of tag.matchAll(/([^\s=/<>"']+)="([^"]*)"/g)) attrs[match[1]] = decodeEntities(match[2]);
  return attrs;
}

/** The page's "Upload a private key" form for one account, and its hidden fields (the account id, and the action reference React rendered). */
function findUploadForm(html: string, accountId: string): { form: string; hidden: Array<Record<string, string>> } | undefined {
  for (const match of html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)) {
    const form = match[0];
    if (attributes(/<form\b[^>]*>/.exec(form)![0])["aria-label"] !== FORM_LABEL) continue;
    const hidden = [...form.matchAll(/<input\b[^>]*>/g)].map((m) => attributes(m[0])).filter((a) => a.type === "hidden" && a.name);
    if (hidden.some((a) => a.name === "accountId" && a.value === accountId)) return { form, hidden };
  }
  return undefined;
}

export function uploadFormFields(html: string, accountId: string): Array<[string, string]> {
  const found = findUploadForm(html, accountId);
  if (!found) throw new BenchFailure(`the Keys & credentials page has no "${FORM_LABEL}" form for account ${accountId}`, html.slice(0, 2000));
  if (!found.hidden.some((a) => a.name.startsWith("$ACTION"))) {
    throw new BenchFailure("the key upload form carries no server-action reference ($ACTION_… fields): has the page changed?", found.form.slice(0, 2000));
  }
  return found.hidden.map((a) => [a.name, a.value ?? ""]);
}

function multipart(fields: Array<[string, string]>): { body: Buffer; contentType: string } {
  const boundary = `----edi-bench-${randomBytes(12).toString("hex")}`;
  const parts = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/"/g, "%22")}"\r\n\r\n${value}\r\n`);
  return { body: Buffer.from(`${parts.join("")}--${boundary}--\r\n`, "utf8"), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function getKeysPage(baseUrl: string, cookie: string): Promise<string> {
  const response = await fetch(`${baseUrl}${KEYS_PAGE}`, { headers: { cookie }, redirect: "manual" });
  const html = await response.text();
  if (response.status !== 200) throw new BenchFailure(`GET ${KEYS_PAGE} answered ${response.status} (${response.headers.get("location") ?? "no redirect"}): is the session signed in?`, html.slice(0, 2000));
  return html;
}

/** The form's answer: the page re-rendered with the action's message in that form (role=status when it worked, role=alert when not). */
function formMessage(html: string, accountId: string): string {
  const match = /<div role="(?:status|alert)"[^>]*>([\s\S]*?)<\/div>/.exec(findUploadForm(html, accountId)?.form ?? html);
  return match ? decodeEntities(match[1].replace(/<[^>]+>/g, "")).trim() : "(no message on the page)";
}

/** Reads the form from the page once, then posts every key at the same moment. */
export async function prepareKeyUploads(baseUrl: string, cookie: string, accountId: string): Promise<Array<[string, string]>> {
  return uploadFormFields(await getKeysPage(baseUrl, cookie), accountId);
}

/**
 * How the form is posted. "browser": as React does it in a browser with JavaScript (what partners
 * use): `Next-Action: <id>` and the action's arguments — the form's state and its fields — encoded
 * the way React's encodeReply encodes (prevState, formData); the answer is the RSC payload with the
 * action's result. "no-js": the form's own multipart post with React's hidden `$ACTION_…` fields, as
 * a browser without JavaScript submits it; the answer is the whole page rendered again as HTML.
 */
export type KeyPostMode = "browser" | "no-js";

/** The server action's id and the form's initial state, from the hidden fields React rendered for the form. */
function actionReference(formFields: Array<[string, string]>): { id: string; state: unknown } {
  const reference = formFields.find(([name]) => /^\$ACTION_\d+:0$/.test(name));
  const bound = formFields.find(([name]) => /^\$ACTION_\d+:1$/.test(name));
  const id = reference ? (JSON.parse(reference[1]) as { id?: string }).id : undefined;
  if (!id) throw new BenchFailure("the key upload form carries no server-action id ($ACTION_…:0): has the page changed?", JSON.stringify(formFields.map(([name]) => name)));
  const state = bound ? (JSON.parse(bound[1]) as unknown[])[0] : { status: "idle" };
  return { id, state };
}

/** The action's result in an RSC payload: the row holding {"status":…,"message":…}. */
function actionResultMessage(payload: string): string {
  for (const line of payload.split("\n")) {
    const json = line.slice(line.indexOf(":") + 1);
    if (!json.startsWith("{") || !json.includes('"status"')) continue;
    try {
      const value = JSON.parse(json) as { status?: string; message?: string };
      if (value.status && value.status !== "idle") return `${value.status}: ${value.message ?? ""}`;
    } catch {
      // another row
    }
  }
  return "(no action result in the answer)";
}

export async function uploadKey(options: {
  baseUrl: string;
  cookie: string;
  formFields: Array<[string, string]>;
  key: EncryptedKeyFile;
  portalPassword: string;
  mode: KeyPostMode;
}): Promise<KeyUploadResult> {
  const accountId = options.formFields.find(([name]) => name === "accountId")?.[1] ?? "";
  const { baseUrl, cookie, key } = options;
  const fields: Array<[string, string]> = [
    ["accountId", accountId],
    ["privateKey", key.text],
    ["passphrase", key.passphrase],
    // Fresh authentication: the form asks for it when the sign-in is over five minutes old.
    ["currentPassword", options.portalPassword],
  ];
  let headers: Record<string, string> = { cookie, origin: baseUrl };
  let parts: Array<[string, string]>;
  if (options.mode === "browser") {
    const { id, state } = actionReference(options.formFields);
    // encodeReply([prevState, formData]): the FormData becomes part 1 (fields "_1_<name>"), the root row "0" refers to it as "$K1".
    parts = [...fields.map(([name, value]): [string, string] => [`_1_${name}`, value]), ["0", JSON.stringify([state, "$K1"])]];
    headers = { ...headers, "next-action": id, accept: "text/x-component" };
  } else {
    parts = [...options.formFields.filter(([name]) => name !== "accountId"), ...fields];
    headers = { ...headers, accept: "text/html" };
  }
  const { body, contentType } = multipart(parts);
  const startedAt = Date.now();
  const t0 = performance.now();
  const response = await fetch(`${baseUrl}${KEYS_PAGE}`, { method: "POST", redirect: "manual", headers: { ...headers, "content-type": contentType }, body: new Uint8Array(body) });
  const text = await response.text();
  const elapsedMs = performance.now() - t0;
  const message = options.mode === "browser" ? actionResultMessage(text) : formMessage(text, accountId);
  if (response.status !== 200 || !message.includes(STORED)) {
    throw new BenchFailure(`the ${key.format} key upload (${key.kdf}) was not stored: HTTP ${response.status}, "${message}"`, text.slice(0, 1500));
  }
  return { format: key.format, kdf: key.kdf, sha256: key.sha256, startedAt, finishedAt: Date.now(), elapsedMs };
}

/** Every uploaded key is listed on the account, with its private half (no "public key only" badge). */
export async function verifyKeysListed(baseUrl: string, cookie: string, keys: EncryptedKeyFile[]): Promise<void> {
  const html = await getKeysPage(baseUrl, cookie);
  for (const key of keys) {
    const item = new RegExp(`<li[^>]*aria-label="Key ${key.sha256.replace(/[+/]/g, (c) => `\\${c}`)}"[^>]*>([\\s\\S]*?)</li>`).exec(html);
    if (!item) throw new BenchFailure(`the uploaded ${key.format} key ${key.sha256} is not listed on the Keys & credentials page`, "");
    if (item[1].includes("public key only")) throw new BenchFailure(`the uploaded ${key.format} key ${key.sha256} is listed without its private half`, "");
  }
}
