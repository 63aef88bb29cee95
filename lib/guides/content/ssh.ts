import type { Guide } from "@/lib/guides/types";

/** The protocol itself and the SSH transport: wrong protocol, no shared algorithms, changed host key. */
export const sshGuides: Guide[] = [
  {
    slug: "protocol-mismatch",
    kind: "code",
    codes: ["PROTOCOL_MISMATCH"],
    title: "The server speaks a different protocol (SFTP and FTPS mixed up)",
    protocols: ["sftp", "ftps"],
    summary: "The portal expected {protocolName} on {host} port {port}, but the server answered in another protocol.",
    meaning:
      "SFTP and FTPS are two unrelated protocols that share the word \"FTP\". An SFTP server greets with an SSH banner (a line starting \"SSH-2.0\"); an FTP server greets with a line starting \"220\"; an implicit-FTPS server starts with encryption before saying anything. The portal saw the wrong kind of greeting, so it stopped without sending your password. It also shows this code when an SSH server accepts the login but has no SFTP service for the account.",
    causes: [
      "The payer's documentation says \"secure FTP\" and the destination was created as SFTP when the payer actually runs FTPS, or the other way round.",
      "The right server but the wrong port: for example port 21 (FTP) used for an SFTP destination.",
      "Implicit and explicit FTPS swapped: an implicit destination on a port that starts in plain text (normally 21).",
      "The SSH account is set up for shell or tunnel access only, without the SFTP subsystem.",
    ],
    partnerItSteps: [
      { text: "Find the payer's connection sheet and look for the exact protocol name. \"SFTP\", \"SSH\" or \"port 22\" means SFTP. \"FTPS\", \"FTPES\", \"FTP over TLS\", \"FTP over SSL\", \"AUTH TLS\" or ports 21/990 mean FTPS." },
      {
        text: "To see what the server really speaks, read its first line: \"SSH-2.0-...\" is SFTP, \"220 ...\" is FTP or explicit FTPS, and no text at all on 990 usually means implicit FTPS.",
        command: "nc -v -w 10 {host} {port}",
      },
      { text: "Send support the payer's sheet or the first line you saw; we correct the destination's protocol and port." },
    ],
    userSteps: [
      { text: "Nothing was sent and your password was not used. This is a setting on our side; open a ticket if support has not already contacted you." },
      { text: "If you have the payer's welcome letter or connection sheet, attach it: it tells us which protocol the payer expects." },
    ],
    supportNotes: [
      "The error detail quotes the server's first bytes: an SSH banner, an FTP 220 line, or a TLS record.",
      "For FTPS, confirm both the mode and the port: explicit normally on 21, implicit normally on 990.",
      "\"The SSH server did not start an SFTP session\" means authentication worked; the payer must enable SFTP for the account.",
    ],
    related: ["sftp-vs-ftps", "connection-refused", "server-stopped-responding"],
    keywords: ["sftp vs ftps", "wrong protocol", "ssh banner", "220", "secure ftp", "ftpes", "implicit", "explicit", "mix-up", "subsystem"],
  },
  {
    slug: "no-common-algorithm",
    kind: "code",
    codes: ["KEX_NO_MATCH"],
    title: "The portal and the server share no encryption algorithm",
    protocols: ["sftp"],
    summary: "During the SSH handshake with {host}, the server offered no key exchange, cipher, MAC or host key type that the portal accepts.",
    meaning:
      "At the start of every SSH session both sides list the algorithms they support and pick the first one they have in common. If one category has no overlap, the session cannot start. Older payer servers often offer only algorithms that current software treats as outdated. The destination's algorithm profile decides whether the portal may use them; changing it is an admin decision, so the portal does not retry.",
    causes: [
      "The payer's server is an older product that only offers legacy algorithms, and the destination uses the modern profile. A typical older payer negotiates diffie-hellman-group-exchange-sha1 for key exchange, ssh-rsa for its host key, aes256-cbc for encryption and hmac-md5 for integrity.",
      "The payer hardened its server and now requires newer algorithms that older clients lack (this mainly affects partners' own clients, not the portal).",
      "The server offers only DSA host keys (ssh-dss), which neither the portal nor current clients accept any more.",
    ],
    partnerItSteps: [
      { text: "Ask the payer whether it plans to support current algorithms (curve25519-sha256 or diffie-hellman-group14-sha256 key exchange, aes256-ctr or aes256-gcm ciphers, hmac-sha2-256 and rsa-sha2-256 signatures). Many products only need a setting changed." },
      {
        text: "If your own OpenSSH client hits the same wall, allow the older algorithms only for this host (see the client setup page for the complete command).",
        command:
          "sftp -P {port} -o HostKeyAlgorithms=+ssh-rsa -o PubkeyAcceptedAlgorithms=+ssh-rsa -o KexAlgorithms=+diffie-hellman-group-exchange-sha1 -o Ciphers=+aes256-cbc -o MACs=+hmac-md5 {username}@{host}",
      },
      { text: "In WinSCP the equivalent lists are under Advanced > SSH > Key exchange and the Encryption options on the Advanced > SSH page: move the needed entry above the \"warn below here\" line." },
    ],
    userSteps: [
      { text: "Nothing was sent. Our support team needs to adjust the connection settings for this payer; you do not need to do anything except keep your file in the portal." },
    ],
    supportNotes: [
      "The error detail lists what each side offered in the failed category; compare it with what the legacy profile adds: key exchange diffie-hellman-group1-sha1 and diffie-hellman-group-exchange-sha1; ciphers aes256-cbc, aes128-cbc and 3des-cbc; MACs hmac-md5 and hmac-sha1; host key ssh-rsa.",
      "When the message says the legacy profile would match, an admin may switch the destination to legacy. The legacy algorithms are appended after the modern ones, so a server that can do better still negotiates the modern choice.",
      "If the payer offers only ssh-dss host keys, the legacy profile will not help; the payer must add an RSA or newer host key.",
      "Record the switch and the reason in the destination notes; revisit when the payer upgrades.",
    ],
    related: ["sftp-vs-ftps", "host-keys-and-fingerprints", "rsa-2048-keys"],
    keywords: [
      "kex",
      "key exchange",
      "no matching key exchange method",
      "no matching cipher",
      "no matching mac",
      "no matching host key type",
      "legacy algorithms",
      "diffie-hellman-group-exchange-sha1",
      "aes256-cbc",
      "hmac-md5",
      "ssh-rsa",
      "ssh-dss",
      "handshake",
      "globalscape",
    ],
  },
  {
    slug: "host-key-mismatch",
    kind: "code",
    codes: ["HOSTKEY_MISMATCH"],
    title: "The server's host key changed",
    protocols: ["sftp"],
    summary: "{host} identified itself with a host key whose fingerprint is not the one pinned for this destination.",
    meaning:
      "Every SFTP server proves its identity with a host key. The portal remembers (pins) the fingerprint it was told to trust and refuses to log in to a server that shows a different one, because that is exactly what an impostor server would look like. The change is usually harmless, for example a server replacement, but it must be confirmed with the payer before anyone trusts the new key. No password or key was sent.",
    causes: [
      "The payer replaced, upgraded or moved its server and a new host key came with it.",
      "The payer now offers an additional key type (for example Ed25519 next to RSA) and the handshake picked the new type, whose fingerprint is different even though the server is the same.",
      "The name now leads to a different machine in a cluster or behind a load balancer whose nodes do not share one key.",
      "Rarely, someone is intercepting the connection. This is the case the check exists for.",
    ],
    partnerItSteps: [
      { text: "Contact the payer through a channel you already know (the phone number in your contract or their published support page, not a number from an unexpected email) and ask whether the host key changed and what its SHA-256 fingerprint is now." },
      { text: "The portal currently trusts {hostKeyFingerprint}. Send support the new fingerprint exactly as the payer gives it, with the name of the person who confirmed it." },
      { text: "If your own client warns \"REMOTE HOST IDENTIFICATION HAS CHANGED\", do not delete the old entry until the payer has confirmed the new fingerprint." },
    ],
    userSteps: [
      { text: "Nothing was sent, and your password was not given to the unknown server. Your files wait in the portal until the new key is confirmed." },
      { text: "If the payer announced a server change, forward that notice to support; it speeds up the check." },
    ],
    supportNotes: [
      "The transcript shows the key type and the SHA-256 fingerprint the server presented; the admin's fetch-and-review page shows the same with the MD5 form for payers that still publish MD5.",
      "Compare key types first: a payer that published an RSA fingerprint while the handshake chose Ed25519 is not a compromise, but the pin still has to name the key the portal will see.",
      "Only an admin may pin the new key, after the payer confirmed it out of band. Keep the old pin until the new one is verified.",
    ],
    related: ["host-keys-and-fingerprints", "no-common-algorithm"],
    keywords: [
      "host key changed",
      "host key",
      "fingerprint",
      "REMOTE HOST IDENTIFICATION HAS CHANGED",
      "man in the middle",
      "mitm",
      "pinned",
      "known_hosts",
      "server key",
    ],
  },
];
