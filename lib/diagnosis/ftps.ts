import "server-only";
import { Readable } from "node:stream";
import { fetchFtpsServerIdentity, openFtpsSession, type FtpsSession, type FtpsStage, type FtpsStageInfo } from "@/lib/ftps";
import { TransferError } from "@/lib/transfers/errors";
import { daysUntil, EXPIRY_WARNING_DAYS, hasWildcardName, matchingCertificateName } from "@/lib/diagnosis/certificate-facts";
import { noteLeftover, probeContent, probeFileName } from "@/lib/diagnosis/probe";
import { asTransferError, transcriptMessages, type ProtocolRun } from "@/lib/diagnosis/protocol-run";

const CERTIFICATE_CODES = new Set(["TLS_CERT_UNTRUSTED", "TLS_HOSTNAME_MISMATCH"]);

/**
 * FTPS: TCP, TLS, certificate, login, PBSZ/PROT and the passive data connection come from the
 * relay's openFtpsSession (through its stage hooks); the directory, listing and write test use
 * the session's own cd / list / write.
 */
export async function diagnoseFtps(run: ProtocolRun): Promise<void> {
  const { board, driverDestination, target, credentials, transcript } = run;
  const hooks = new FtpsHookState();
  let session: FtpsSession;
  try {
    session = await board.guard(
      openFtpsSession(driverDestination, target, credentials, transcript, { onStage: (stage, info) => hooks.onStage(run, stage, info) }, { signal: run.signal }),
      (late) => late.abort(),
    );
  } catch (error) {
    const failure = asTransferError(error);
    // A missing password is refused before connecting: a login problem, not a TCP one.
    if (failure.code === "CREDENTIALS_MISSING" && board.current === "tcp") board.fail("login", failure);
    if (hooks.certificateFailure && !board.haltedBy) {
      const inspected = await inspectRefusedCertificate(run);
      board.fail("certificate", failure, { details: inspected.details, append: inspected.append });
    }
    throw failure;
  }
  run.onHalt(() => session.abort());
  Object.assign(run.negotiated, session.negotiated);
  try {
    describeAcceptedCertificate(run, session);

    const dir = run.destination.remoteDir;
    if (dir && dir !== ".") {
      await step(run, "directory", () => session.cd(dir));
      board.pass("directory", `Changed to ${dir}.`, { details: { remoteDir: dir } });
    } else {
      board.pass("directory", "Using the login directory.", { details: { remoteDir: dir } });
    }

    await listStage(run, session);
    Object.assign(run.negotiated, session.negotiated);

    if (run.writeProbe) await writeProbe(run, session);
    else board.skip("write", "Not requested: no test file was written.");
    Object.assign(run.negotiated, session.negotiated);
  } finally {
    if (board.haltedBy) session.abort();
    else await session.close();
  }
}

async function step<T>(run: ProtocolRun, key: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await run.board.guard(operation());
  } catch (error) {
    run.board.fail(key, asTransferError(error));
    throw error;
  }
}

/** Turns the session's stage reports into diagnosis stages; remembers what the flow needs later. */
class FtpsHookState {
  certificateFailure?: TransferError;

  onStage(run: ProtocolRun, stage: FtpsStage, info: FtpsStageInfo): void {
    const { board } = run;
    const facts = info.facts ?? {};
    if (!info.ok) {
      const error = info.error ?? new TransferError("UNKNOWN", info.summary);
      if (stage === "tls" && CERTIFICATE_CODES.has(error.code) && !board.isFinished("tls")) {
        // Node refused the certificate inside the handshake: the server does speak TLS, the certificate is the problem.
        this.certificateFailure = error;
        board.pass("tls", `The server started TLS (${this.mode(run)}); the handshake stopped at the certificate check.`, { details: { mode: this.mode(run) } });
        return;
      }
      if (stage === "data" && board.status("passive") === "warning") {
        board.fail("data", error, { details: facts });
        const port = board.details("passive")?.port;
        board.update("passive", {
          status: "failed",
          code: error.code,
          summary: `The server offered data port ${port}, outside the documented passive range, and the data connection to it failed.`,
        });
        return;
      }
      if (stage === "login") return board.fail("login", error, { details: { dialogue: transcriptMessages(run.transcript, "auth") } });
      return board.fail(stage === "write" ? "write" : stage, error, { details: facts });
    }
    switch (stage) {
      case "tcp":
        return board.pass("tcp", `Connected to ${run.target.address} port ${run.target.port}.`, { details: { address: run.target.address, port: run.target.port } });
      case "tls":
        return board.pass("tls", `TLS established (${this.mode(run)}): ${facts.protocol}, ${facts.cipher}.`, {
          details: { mode: this.mode(run), protocol: facts.protocol, cipher: facts.cipher },
        });
      case "certificate":
        return board.pass("certificate", info.summary, { details: { ...facts } });
      case "login":
        return board.pass("login", `Logged in as ${run.credentials.username}.`);
      case "protection":
        return board.pass("protection", "The server accepted PBSZ 0 and PROT P: file data will be encrypted too.");
      case "passive":
        return this.passive(run, facts);
      case "data":
        return board.pass(
          "data",
          facts.reused === false
            ? `Opened the data connection to port ${facts.port}, but without reusing the TLS session. This server accepts that; many (vsftpd, FileZilla Server) refuse it.`
            : `Opened the data connection to port ${facts.port} over TLS${facts.reused ? ", reusing the control connection's TLS session" : ""}.`,
          { warning: facts.reused === false, details: { ...facts } },
        );
      default:
        // listing and write are judged by diagnoseFtps from the operations' results.
        return;
    }
  }

  private passive(run: ProtocolRun, facts: Record<string, unknown>): void {
    const range = run.destination.passivePortRange;
    const rangeText = range ? `${range.min}-${range.max}` : undefined;
    const details = { port: facts.port, address: run.target.address, documentedRange: range, inRange: facts.inRange };
    if (facts.inRange === false) {
      run.board.pass(
        "passive",
        `The server offered data port ${facts.port}, outside the documented passive range ${rangeText}. A firewall that only allows ${rangeText} will block it.`,
        { warning: true, details },
      );
      return;
    }
    run.board.pass(
      "passive",
      `The server offered data port ${facts.port} on the control connection's address${rangeText ? `, inside the documented range ${rangeText}` : " (no passive range documented)"}.`,
      { details },
    );
  }

  private mode(run: ProtocolRun): string {
    return run.destination.protocol === "ftps_implicit" ? "implicit TLS" : "explicit, AUTH TLS";
  }

}

/** Facts of the accepted certificate, and warnings for expiry and names a pin lets through. */
function describeAcceptedCertificate(run: ProtocolRun, session: FtpsSession): void {
  const cert = session.certificate;
  const pinned = run.destination.tls.mode === "pinned";
  const matched = matchingCertificateName(run.target.host, cert.subjectAltNames);
  const daysLeft = daysUntil(cert.validTo);
  const warnings: string[] = [];
  if (cert.expired) warnings.push(`The certificate EXPIRED on ${cert.validTo}; it is accepted only because it is pinned.`);
  else if (daysLeft !== undefined && daysLeft < EXPIRY_WARNING_DAYS) warnings.push(`The certificate expires in ${daysLeft} days (${cert.validTo}); the pin or trust must be renewed then.`);
  if (pinned && !matched) warnings.push(`The certificate is not issued for ${run.target.host}; it is accepted only because it is pinned.`);
  const trust = pinned
    ? "Matches the pinned SHA-256 fingerprint."
    : `Trusted: the chain verifies against ${run.destination.tls.mode === "ca" && run.destination.tls.caPem ? "the system CAs and this destination's CA bundle" : "the system CAs"}, and the certificate covers ${run.target.host}${matched ? ` (${matched})` : ""}.`;
  const validity = cert.validTo ? ` Valid until ${cert.validTo}${daysLeft !== undefined ? ` (${daysLeft} days)` : ""}.` : "";
  run.board.update("certificate", {
    status: warnings.length ? "warning" : undefined,
    summary: [trust + validity, ...warnings].join(" "),
    details: {
      subject: cert.subject,
      issuer: cert.issuer,
      subjectAltNames: cert.subjectAltNames,
      wildcard: hasWildcardName(cert.subjectAltNames),
      validFrom: cert.validFrom,
      validTo: cert.validTo,
      daysLeft,
      expired: cert.expired,
      sha256: cert.sha256,
      trust: pinned ? "pinned fingerprint" : "CA chain",
      chain: pinned ? "not checked (pinned certificate)" : "verified",
      hostnameMatch: matched ?? (pinned ? "none (not required for a pinned certificate)" : undefined),
      ...(pinned ? { pins: run.destination.tls.mode === "pinned" ? run.destination.tls.certSha256 : [] } : {}),
    },
  });
}

/**
 * A refused certificate stops the session before we could read it, so read it on a second,
 * inspect-only connection (no login) to show what the server presents and why it was refused.
 */
async function inspectRefusedCertificate(run: ProtocolRun): Promise<{ details: Record<string, unknown>; append?: string }> {
  run.transcript.note("tls", "Reconnecting once, without logging in, to read the refused certificate for this report");
  try {
    const identity = await run.board.guard(fetchFtpsServerIdentity(run.driverDestination, run.target, run.transcript));
    const names = identity.subjectAltNames ?? [];
    const matched = matchingCertificateName(run.target.host, names);
    const shownNames = names.map((n) => n.replace(/^DNS:|^IP( Address)?:/, "")).join(", ") || identity.subject || "(none)";
    const append = matched
      ? `It is issued for ${shownNames}.`
      : `It is issued for ${shownNames}, which does not cover ${run.target.host}.`;
    return { append, details: {
      presented: {
        subject: identity.subject,
        issuer: identity.issuer,
        subjectAltNames: names,
        validFrom: identity.validFrom,
        validTo: identity.validTo,
        daysLeft: daysUntil(identity.validTo),
        sha256: identity.sha256,
      },
      host: run.target.host,
      hostnameMatch: matched ?? "none",
      wildcard: hasWildcardName(names),
      caTrusted: identity.trustedByCa,
      caError: identity.caError,
      ...(run.destination.tls.mode === "pinned" ? { pins: run.destination.tls.certSha256 } : {}),
    } };
  } catch (error) {
    const failure = asTransferError(error);
    return { details: { inspection: `could not read the certificate: ${failure.detail ?? failure.message}` } };
  }
}

async function listStage(run: ProtocolRun, session: FtpsSession): Promise<void> {
  const { board } = run;
  try {
    const files = await board.guard(session.list());
    board.pass("listing", `${files.length} ${files.length === 1 ? "entry" : "entries"} listed.`, {
      details: { count: files.length, sample: files.slice(0, 5).map((f) => f.name) },
    });
  } catch (error) {
    const failure = asTransferError(error);
    if (failure.code === "REMOTE_PERMISSION" && !board.haltedBy && !board.failed) {
      // The server refused LIST itself (a reply, not a connection problem): write-only drop boxes do this.
      if (!board.isFinished("data")) board.pass("data", "The data connection was opened, but the server refused the listing before using it.", { warning: true });
      board.pass("listing", "The server does not let this account list the directory (common for write-only drop boxes); uploads may still work.", {
        warning: true,
        code: failure.code,
        details: { error: { code: failure.code, message: failure.message, detail: failure.detail } },
      });
      return;
    }
    board.fail("listing", failure);
    throw failure;
  }
}

async function writeProbe(run: ProtocolRun, session: FtpsSession): Promise<void> {
  const { board, destination } = run;
  const name = probeFileName();
  const direct = destination.uploadStrategy === "direct";
  const uploadName = direct ? name : `${name}${destination.tempSuffix}`;
  const content = probeContent();
  try {
    await board.guard(session.write(Readable.from([content]), uploadName, "STOR"));
    const size = await board.guard(session.size(uploadName));
    if (size !== undefined && size !== content.length) {
      throw new TransferError("SIZE_MISMATCH", undefined, { detail: `${uploadName} is ${size} bytes on the server, we sent ${content.length}` });
    }
    if (!direct) await board.guard(session.rename(uploadName, name));
  } catch (error) {
    const failure = asTransferError(error);
    board.fail("write", failure);
    if (board.haltedBy) noteLeftover(run, name);
    if (!board.haltedBy) for (const leftover of [uploadName, name]) await session.remove(leftover).catch(() => undefined);
    throw failure;
  }
  const details = { file: name, bytes: content.length, strategy: destination.uploadStrategy };
  try {
    session.setTranscriptStage("upload");
    await board.guard(session.remove(name));
    board.pass("write", `Wrote a ${content.length}-byte test file (${direct ? "directly" : `as ${uploadName}, then renamed`}) and removed it again.`, {
      details: { ...details, removed: true },
    });
  } catch (error) {
    if (board.haltedBy) throw error;
    const failure = asTransferError(error);
    board.pass("write", `Wrote the test file, but the server did not let us remove it: please delete ${name}.`, {
      warning: true,
      details: { ...details, removed: false, error: { code: failure.code, message: failure.message, detail: failure.detail } },
    });
  }
}
