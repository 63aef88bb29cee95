import type { Guide } from "@/lib/guides/types";

/** FTPS encryption: the TLS handshake, the certificate's trust, and the certificate's names. */
export const tlsGuides: Guide[] = [
  {
    slug: "tls-handshake-failed",
    kind: "code",
    codes: ["TLS_HANDSHAKE_FAILED"],
    title: "Encryption could not be set up with the FTPS server",
    protocols: ["ftps"],
    summary: "The portal and {host} could not agree on how to encrypt the {protocolName} session.",
    meaning:
      "FTPS wraps FTP in TLS, the same encryption web browsers use. Here that step failed: either the first handshake on the control connection, the server's answer to the request to start encryption (AUTH TLS), the request to encrypt file data (PBSZ/PROT P), or the handshake on a separate data connection. The portal does not retry, because the cause is a setting on one side.",
    causes: [
      "The server only offers old TLS versions (1.0 or 1.1) or old cipher suites, which current software refuses.",
      "Explicit and implicit mode swapped: an explicit destination pointed at an implicit port (990), or the server on port 21 does not offer AUTH TLS at all (plain FTP only).",
      "The server requires the data connection to reuse the control connection's TLS session and refused a new one (replies 522 or 425 mentioning TLS).",
      "The server refused to encrypt the data channel (reply 534 or a refusal of PROT P).",
      "An FTP inspection filter on a firewall blocked or altered the AUTH TLS command.",
    ],
    partnerItSteps: [
      {
        text: "Check the TLS versions and certificate the server offers. For explicit FTPS (port 21) use the first command, for implicit FTPS (port 990) the second.",
        command: "openssl s_client -connect {host}:{port} -starttls ftp -servername {host}",
      },
      { text: "Implicit mode check:", command: "openssl s_client -connect {host}:{port} -servername {host}" },
      { text: "If the server only negotiates TLS 1.0 or 1.1, ask the payer when it will enable TLS 1.2 or newer." },
      { text: "If your firewall applies FTP inspection to this traffic, exempt {host} from it (see the FTP inspection article)." },
    ],
    userSteps: [
      { text: "Nothing was sent. This is a technical setting between the portal and the payer; support will look at it." },
      { text: "If the payer sent you a notice about \"TLS\", \"SSL\" or \"security upgrades\", forward it to support." },
    ],
    supportNotes: [
      "The transcript shows which step failed: control handshake, AUTH TLS reply, PBSZ/PROT reply, or the data connection's handshake with its session reuse state.",
      "Session-reuse failures on the data connection are a server policy (vsftpd require_ssl_reuse and similar); the relay offers the control session for reuse, so a persistent 522 points to a server that ties reuse to something else, such as the TLS version.",
      "Never lower the portal's TLS minimum for a single payer without a documented risk decision.",
    ],
    related: ["sftp-vs-ftps", "ftp-inspection-filters", "certificate-untrusted"],
    keywords: ["tls", "ssl", "handshake", "auth tls", "prot p", "pbsz", "522", "534", "425", "session reuse", "tls 1.0", "protocol version", "cipher"],
  },
  {
    slug: "certificate-untrusted",
    kind: "code",
    codes: ["TLS_CERT_UNTRUSTED"],
    title: "The payer's certificate is not trusted",
    protocols: ["ftps"],
    summary: "{host} presented a TLS certificate that the portal cannot trust.",
    meaning:
      "Before logging in, the portal checks the server's certificate, like a browser does for a website. Either the certificate was not issued by an authority the portal trusts (self-signed, private CA, missing intermediate certificate, expired), or this destination is pinned to one certificate and the server now shows a different one. The portal stops before sending your password.",
    causes: [
      "The payer renewed its certificate (they are renewed every year or more often) while the destination is still pinned to the old one.",
      "The certificate has expired.",
      "The server sends its certificate without the intermediate certificate that links it to a trusted authority.",
      "The payer uses a self-signed certificate or one from its own private certificate authority.",
    ],
    partnerItSteps: [
      {
        text: "Show the certificate the server presents now, with its validity dates and SHA-256 fingerprint (drop \"-starttls ftp\" for implicit FTPS on port 990).",
        command:
          "openssl s_client -connect {host}:{port} -starttls ftp -servername {host} </dev/null 2>/dev/null | openssl x509 -noout -subject -issuer -dates -fingerprint -sha256",
      },
      { text: "Compare the result with the fingerprint the portal expects, {certificateFingerprint} (colons and upper or lower case do not matter). If they differ, ask the payer to confirm the new certificate's SHA-256 fingerprint through a channel you already know, and pass it to support." },
    ],
    userSteps: [
      { text: "Nothing was sent. Support needs to confirm the payer's new certificate before deliveries can continue." },
      { text: "If your own FTP program showed a certificate question at the same time, do not accept it until support or the payer confirms the fingerprint." },
    ],
    supportNotes: [
      "The detail names the reason: pin mismatch, expired, self-signed, or unable to verify the chain.",
      "For a pin mismatch, the admin fetches the certificate on the destination page, compares subject, issuer, validity and SHA-256 with what the payer confirmed, then pins the new one. Pins are leaf-certificate SHA-256 values, so each renewal needs a new pin.",
      "For a private CA, adding the payer's CA bundle to the destination is preferable to pinning a short-lived leaf certificate.",
    ],
    related: ["certificate-warnings-wildcards", "certificate-name-mismatch", "tls-handshake-failed"],
    keywords: ["certificate", "untrusted", "unknown certificate", "self-signed", "expired", "certificate authority", "pin", "pinned", "renewed", "chain", "intermediate"],
  },
  {
    slug: "certificate-name-mismatch",
    kind: "code",
    codes: ["TLS_HOSTNAME_MISMATCH"],
    title: "The certificate is for a different server name",
    protocols: ["ftps"],
    summary: "The certificate {host} presented does not list that name.",
    meaning:
      "A certificate names the servers it is valid for. The name the portal connects to must be one of them, either exactly or through a wildcard. A wildcard such as *.example.com covers exactly one extra label: it matches ftp.example.com, but not example.com and not edi.ftp.example.com. The portal stops because a certificate for another name does not prove this is the payer's server.",
    causes: [
      "The destination uses an IP address or an internal alias instead of the name on the certificate.",
      "The destination name is two levels below the wildcard (edi.ftp.example.com under a *.example.com certificate) or is the bare domain.",
      "The payer moved the service to a new server and installed a certificate for the new name only.",
    ],
    partnerItSteps: [
      {
        text: "List the names the certificate covers (drop \"-starttls ftp\" for implicit FTPS on port 990), and compare them with {host}.",
        command:
          "openssl s_client -connect {host}:{port} -starttls ftp -servername {host} </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName",
      },
      { text: "Ask the payer which host name partners should use; use exactly that name, not the IP address." },
    ],
    userSteps: [
      { text: "Nothing was sent. Support will change the server name for this payer once the payer confirms the right one." },
    ],
    supportNotes: [
      "If the certificate lists a name that resolves to the same server, change the destination host to that name and keep pinning as configured.",
      "Do not replace the name check with a pin to silence this; fix the host name.",
    ],
    related: ["certificate-warnings-wildcards", "certificate-untrusted"],
    keywords: ["hostname mismatch", "name mismatch", "wildcard", "subject alternative name", "san", "common name", "ERR_TLS_CERT_ALTNAME_INVALID", "certificate name"],
  },
];
