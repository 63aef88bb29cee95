import { describe, expect, it } from "vitest";
import { FTPError } from "basic-ftp";
import { pinMatches, normalizeSha256 } from "@/lib/ftps/certificate";
import { toTransferError } from "@/lib/ftps/ftp-errors";
import { parseEpsvReply, parsePasvReply } from "@/lib/ftps/passive";

const reply = (code: number, text: string) => new FTPError({ code, message: `${code} ${text}` });

describe("FTP reply mapping", () => {
  it.each([
    [530, "Login incorrect.", "login", "AUTH_PASSWORD_REJECTED"],
    [530, "Too many failed login attempts: account locked.", "login", "AUTH_LOCKED"],
    [421, "Too many login failures, closing.", "login", "AUTH_LOCKED"],
    [550, "Failed to change directory.", "cwd", "REMOTE_DIR_NOT_FOUND"],
    [550, "Permission denied.", "cwd", "REMOTE_PERMISSION"],
    [550, "Permission denied.", "store", "REMOTE_PERMISSION"],
    [553, "Could not create file.", "store", "REMOTE_PERMISSION"],
    [452, "Insufficient storage space.", "store", "REMOTE_NO_SPACE"],
    [552, "Exceeded storage allocation.", "store", "REMOTE_NO_SPACE"],
    [550, "Rename permission denied.", "rename", "RENAME_REFUSED"],
    [522, "SSL connection failed: session reuse required", "store", "TLS_HANDSHAKE_FAILED"],
    [425, "Failed to establish connection.", "store", "PASV_BLOCKED"],
  ] as const)("%i %s during %s -> %s", (code, text, operation, expected) => {
    const error = toTransferError(reply(code, text), operation);
    expect(error.code).toBe(expected);
    expect(error.detail).toContain(String(code));
  });

  it("maps socket failures to CONNECTION_LOST / TIMEOUT_IDLE and TLS errors to TLS codes", () => {
    expect(toTransferError(new Error("Server closed connection unexpectedly."), "store").code).toBe("CONNECTION_LOST");
    expect(toTransferError(new Error("Timeout (control socket)"), "store").code).toBe("TIMEOUT_IDLE");
    const altname = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    expect(toTransferError(altname, "list").code).toBe("TLS_HOSTNAME_MISMATCH");
    const untrusted = Object.assign(new Error("unable to verify the first certificate"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    expect(toTransferError(untrusted, "list").code).toBe("TLS_CERT_UNTRUSTED");
  });
});

describe("passive replies", () => {
  it("parses PASV and EPSV", () => {
    expect(parsePasvReply("227 Entering Passive Mode (185,131,229,130,207,8).")).toEqual({ host: "185.131.229.130", port: 207 * 256 + 8 });
    expect(parsePasvReply("227 Entering Passive Mode (1,2,3,999,1,1)")).toBeUndefined();
    expect(parseEpsvReply("229 Entering Extended Passive Mode (|||53001|)")).toBe(53001);
  });
});

describe("certificate pins", () => {
  it("compare regardless of colons and case, and never match a short or empty pin", () => {
    const sha = "E1:F1:2F:C0:2E:59:13:9E:F2:A8:C2:E7:6F:72:59:53:04:52:8B:9F:F3:8C:94:FD:EC:D2:A4:FF:90:1E:72:2D";
    expect(pinMatches(sha, [normalizeSha256(sha).toLowerCase()])).toBe(true);
    expect(pinMatches(sha, ["E1:F1"])).toBe(false);
    expect(pinMatches(sha, [])).toBe(false);
    expect(pinMatches("", [""])).toBe(false);
  });
});
