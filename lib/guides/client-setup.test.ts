import { describe, expect, it } from "vitest";
import type { DestinationSpec } from "@/lib/transfers/types";
import { clientSetup } from "@/lib/guides/client-setup";

const base: DestinationSpec = {
  id: "dest-1",
  name: "FL EDI",
  protocol: "sftp",
  host: "sftp.payer.example",
  port: 2222,
  remoteDir: "/incoming",
  auth: "password_and_key",
  algorithmProfile: "modern",
  hostKeyFingerprints: ["SHA256:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr"],
  tls: { mode: "ca" },
  uploadStrategy: "temp_then_rename",
  tempSuffix: ".part",
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
};

const explicitFtps: DestinationSpec = {
  ...base,
  id: "dest-2",
  name: "Communicator",
  protocol: "ftps_explicit",
  host: "data.payer.example",
  port: 21,
  remoteDir: "/to payer",
  auth: "password",
  hostKeyFingerprints: [],
  tls: { mode: "pinned", certSha256: ["aa:bb:cc"] },
  passivePortRange: { min: 53000, max: 54999 },
};

const LEGACY_FLAGS = [
  "HostKeyAlgorithms=+ssh-rsa",
  "PubkeyAcceptedAlgorithms=+ssh-rsa",
  "KexAlgorithms=+diffie-hellman-group-exchange-sha1",
  "Ciphers=+aes256-cbc",
  "MACs=+hmac-md5",
];

function field(setup: ReturnType<typeof clientSetup>, client: "filezilla" | "winscp", label: string): string | undefined {
  return setup[client].fields.find((f) => f.label.includes(label))?.value;
}

describe("clientSetup for SFTP", () => {
  it("takes every connection value from the destination", () => {
    const setup = clientSetup(base, { username: "S000050", egressIps: ["203.0.113.10"] });
    expect(setup.connection).toMatchObject({ host: "sftp.payer.example", port: 2222, username: "S000050", remoteDir: "/incoming" });
    expect(field(setup, "filezilla", "Protocol")).toBe("SFTP - SSH File Transfer Protocol");
    expect(field(setup, "filezilla", "Host")).toBe("sftp.payer.example");
    expect(field(setup, "filezilla", "Port")).toBe("2222");
    expect(field(setup, "filezilla", "Settings > Connection > SFTP")).toBeDefined();
    expect(field(setup, "winscp", "File protocol")).toBe("SFTP");
    expect(field(setup, "winscp", "Private key file")).toContain(".ppk");
    const sftp = setup.commandLine[0].command;
    expect(sftp).toContain("-P 2222");
    expect(sftp).toContain("-i ~/.ssh/fl_edi_rsa");
    expect(sftp).toMatch(/S000050@sftp\.payer\.example:\/incoming$/);
  });

  it("adds the legacy algorithm options only for legacy destinations", () => {
    const modern = clientSetup(base, { username: "u", egressIps: [] });
    const legacy = clientSetup({ ...base, algorithmProfile: "legacy" }, { username: "u", egressIps: [] });
    for (const flag of LEGACY_FLAGS) {
      expect(legacy.commandLine[0].command).toContain(`-o ${flag}`);
      expect(modern.commandLine.map((c) => c.command).join("\n")).not.toContain(flag);
    }
    expect(legacy.legacyAlgorithms).toBeDefined();
    expect(modern.legacyAlgorithms).toBeUndefined();
    expect(legacy.winscp.fields.some((f) => f.label.includes("Key exchange"))).toBe(true);
    expect(legacy.winscp.fields.some((f) => f.label.includes("Encryption"))).toBe(true);
    expect(modern.winscp.fields.some((f) => f.label.includes("Key exchange") || f.label.includes("Encryption"))).toBe(false);
  });

  it("explains how to check the host key against the pin in known_hosts", () => {
    const setup = clientSetup(base, { username: "u", egressIps: [] });
    expect(setup.knownHosts).toMatchObject({
      hostPattern: "[sftp.payer.example]:2222",
      expectedFingerprints: base.hostKeyFingerprints,
      verifyCommand: "ssh-keygen -l -F '[sftp.payer.example]:2222' -f ~/.ssh/known_hosts_fl_edi",
    });
    expect(setup.knownHosts!.explanation).toContain(base.hostKeyFingerprints[0]);
    expect(clientSetup({ ...base, port: 22 }, { egressIps: [] }).knownHosts!.hostPattern).toBe("sftp.payer.example");
  });

  it("does not offer a key for password-only accounts, and uses only the key for key-only accounts", () => {
    const password = clientSetup({ ...base, auth: "password" }, { username: "u", egressIps: [] });
    expect(password.commandLine[0].command).toContain("PubkeyAuthentication=no");
    expect(password.commandLine[0].command).not.toContain(" -i ");
    const key = clientSetup({ ...base, auth: "key" }, { username: "u", egressIps: [] });
    expect(field(key, "filezilla", "Logon Type")).toBe("Key file");
    expect(field(key, "winscp", "Password")).toBe("(leave empty)");
  });

  it("separates the portal's egress from the partner's own network, with and without configured IPs", () => {
    const configured = clientSetup(base, { egressIps: ["203.0.113.10"] });
    expect(configured.network.portalEgress).toContain("203.0.113.10");
    expect(configured.network.ownClient).toMatch(/your own network's public IP address/);
    const missing = clientSetup(base, { egressIps: [] });
    expect(missing.network.portalEgress).toContain("has not configured its egress IP yet");
    expect(missing.connection.username).toBe("<user-name>");
    expect(missing.warnings.join(" ")).toContain("<user-name>");
  });

  it("quotes user names the shell would otherwise split", () => {
    const setup = clientSetup(base, { username: "o'brien clinic", egressIps: [] });
    expect(setup.commandLine[0].command).toContain(`'o'\\''brien clinic'@sftp.payer.example`);
  });
});

describe("clientSetup for FTPS", () => {
  it("chooses explicit TLS for explicit destinations", () => {
    const setup = clientSetup(explicitFtps, { username: "clinic7", egressIps: [] });
    expect(field(setup, "filezilla", "Protocol")).toBe("FTP - File Transfer Protocol");
    expect(field(setup, "filezilla", "Encryption")).toBe("Require explicit FTP over TLS");
    expect(field(setup, "filezilla", "Transfer mode")).toBe("Passive");
    expect(field(setup, "winscp", "File protocol")).toBe("FTP");
    expect(field(setup, "winscp", "Encryption")).toBe("TLS/SSL Explicit encryption");
    const curl = setup.commandLine.find((c) => c.tool === "curl")!.command;
    expect(curl).toBe("curl --ssl-reqd --ftp-pasv --user clinic7 --upload-file CLAIMS.txt ftp://data.payer.example:21/%2Fto%20payer/");
    const lftp = setup.commandLine.find((c) => c.tool === "lftp")!.command;
    expect(lftp).toContain("set ftp:ssl-force true");
    expect(lftp).toContain('cd "/to payer"');
    expect(setup.commandLine.find((c) => c.tool === "openssl")!.command).toContain("-starttls ftp");
    expect(setup.knownHosts).toBeUndefined();
    expect(setup.legacyAlgorithms).toBeUndefined();
    expect(setup.connection.certificateFingerprints).toEqual(["aa:bb:cc"]);
    expect(setup.network.firewallRules.join(" ")).toContain("53000-54999");
  });

  it("chooses implicit TLS for implicit destinations", () => {
    const setup = clientSetup({ ...explicitFtps, protocol: "ftps_implicit", port: 990, remoteDir: "inbound" }, { username: "clinic7", egressIps: [] });
    expect(field(setup, "filezilla", "Encryption")).toBe("Require implicit FTP over TLS");
    expect(field(setup, "winscp", "Encryption")).toBe("TLS/SSL Implicit encryption");
    const curl = setup.commandLine.find((c) => c.tool === "curl")!.command;
    expect(curl).toBe("curl --ftp-pasv --user clinic7 --upload-file CLAIMS.txt ftps://data.payer.example:990/inbound/");
    expect(setup.commandLine.find((c) => c.tool === "lftp")!.command).toMatch(/-p 990 .* ftps:\/\/data\.payer\.example$/);
    expect(setup.commandLine.find((c) => c.tool === "openssl")!.command).not.toContain("-starttls");
  });

  it("never suggests turning certificate checks off", () => {
    for (const spec of [explicitFtps, { ...explicitFtps, protocol: "ftps_implicit" as const, port: 990 }]) {
      const commands = clientSetup(spec, { egressIps: [] }).commandLine.map((c) => c.command).join("\n");
      expect(commands).not.toMatch(/--insecure|\s-k\s|verify-certificate (false|no)/);
    }
  });
});
