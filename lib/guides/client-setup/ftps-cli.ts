import type { SetupFacts } from "@/lib/guides/client-setup/facts";
import { bracketHost, ftpUrlPath, shQuote } from "@/lib/guides/client-setup/shell";
import type { CommandExample } from "@/lib/guides/client-setup/types";

/** curl, lftp and openssl examples for FTPS. Certificate checks stay on in every one of them. */
export function ftpsCommands(facts: SetupFacts): CommandExample[] {
  const { destination } = facts;
  const explicit = destination.protocol === "ftps_explicit";
  const host = bracketHost(destination.host);
  const user = shQuote(facts.username);
  const scheme = explicit ? "ftp" : "ftps";
  const url = `${scheme}://${host}:${destination.port}/${ftpUrlPath(destination.remoteDir)}`;
  const lftpSettings = [
    "set ftp:ssl-force true",
    "set ftp:ssl-protect-data true",
    "set ftp:passive-mode true",
    "set ssl:verify-certificate true",
    `cd ${/\s/.test(destination.remoteDir) ? JSON.stringify(destination.remoteDir) : destination.remoteDir}`,
    "put CLAIMS.txt",
    "bye",
  ].join("; ");
  const lftpTarget = explicit ? `${host}` : `ftps://${host}`;
  const starttls = explicit ? " -starttls ftp" : "";
  return [
    {
      tool: "openssl",
      purpose: "Before the first upload, show the server's certificate names, dates and SHA-256 fingerprint to compare with the pinned one.",
      command: `openssl s_client -connect ${host}:${destination.port}${starttls} -servername ${destination.host} </dev/null 2>/dev/null | openssl x509 -noout -subject -ext subjectAltName -dates -fingerprint -sha256`,
    },
    {
      tool: "curl",
      purpose: explicit
        ? "Upload CLAIMS.txt with curl over explicit FTPS (--ssl-reqd refuses to continue without TLS); curl asks for the password."
        : "Upload CLAIMS.txt with curl over implicit FTPS (the ftps:// scheme means TLS from the first byte); curl asks for the password.",
      command: `curl ${explicit ? "--ssl-reqd " : ""}--ftp-pasv --user ${user} --upload-file CLAIMS.txt ${shQuote(url)}`,
    },
    {
      tool: "lftp",
      purpose: explicit
        ? "The same upload with lftp over explicit FTPS; lftp asks for the password."
        : "The same upload with lftp over implicit FTPS; lftp asks for the password.",
      command: `lftp -u ${user} -p ${destination.port} -e ${shQuote(lftpSettings)} ${lftpTarget}`,
    },
  ];
}
