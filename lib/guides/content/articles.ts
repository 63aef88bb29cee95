import type { Guide } from "@/lib/guides/types";

/** Background articles that several failure guides point to. */
export const articles: Guide[] = [
  {
    slug: "sftp-vs-ftps",
    kind: "article",
    codes: [],
    title: "SFTP and FTPS are different protocols",
    protocols: ["sftp", "ftps"],
    summary: "How to tell SFTP from FTPS, and why a client set up for one cannot talk to the other.",
    meaning:
      "SFTP is a file transfer service that runs inside an SSH connection: one connection, normally on port 22, where the server proves its identity with a host key and you log in with a password, an SSH key, or both. FTPS is the old FTP protocol with TLS encryption added: a control connection on port 21 (explicit mode, where the session starts in plain text and switches to TLS with the AUTH TLS command) or port 990 (implicit mode, encrypted from the first byte), plus a separate data connection for every listing and file, on a passive port range. The server proves its identity with a certificate, as websites do. The two share nothing except the letters \"FTP\", so a payer's \"secure FTP\" can mean either.",
    causes: [
      "Connection sheets that only say \"secure FTP\" or \"SSH FTP\" without naming the protocol.",
      "Choosing \"FTP\" or \"SFTP\" in a client by habit instead of from the payer's sheet.",
      "Mixing up explicit (21) and implicit (990) FTPS.",
    ],
    partnerItSteps: [
      { text: "Map the payer's words to a protocol: SFTP, SSH, or port 22 means SFTP; FTPS, FTPES, FTP over TLS or SSL, AUTH TLS, port 21 or port 990 means FTPS. The destination in the portal uses {protocolName}." },
      {
        text: "When the sheet is unclear, look at the server's first line: \"SSH-2.0\" means SFTP, \"220\" means FTP (explicit FTPS once AUTH TLS is accepted), and silence on 990 usually means implicit FTPS.",
        command: "nc -v -w 10 {host} {port}",
      },
      { text: "Plain FTP without encryption is not acceptable for health data, and the portal does not offer it." },
      { text: "The Windows built-in ftp command and similar basic tools cannot do FTPS or SFTP; use one of the clients on the client setup page." },
    ],
    userSteps: [
      { text: "If a payer's instructions use the words \"SFTP\", \"FTPS\" or \"FTP over TLS\", mention the exact words in any ticket: they decide how the connection must be set up." },
    ],
    supportNotes: [
      "The PROTOCOL_MISMATCH detail quotes the server's first bytes; use it to settle the question instead of the payer's marketing name.",
    ],
    related: ["protocol-mismatch", "firewall-sftp", "firewall-ftps"],
    keywords: ["sftp", "ftps", "ftpes", "ssh", "tls", "ssl", "explicit", "implicit", "difference", "secure ftp", "port 22", "port 21", "port 990"],
  },
  {
    slug: "firewall-sftp",
    kind: "article",
    codes: [],
    title: "Firewall rules for SFTP (port 22)",
    protocols: ["sftp"],
    summary: "Which outbound rule your firewall needs when your own client connects to a payer over SFTP.",
    meaning:
      "SFTP needs a single outbound TCP connection from your network to the payer's server on its SSH port, normally 22. Everything, commands and file data alike, travels inside that one connection, so no port ranges are needed. Replies come back on the same connection, which any stateful firewall allows automatically: you need no inbound rule. Deliveries through the portal do not use your firewall at all; they leave from the portal's own address.",
    causes: [
      "Outbound port 22 is blocked by default in many office networks.",
      "A rule that allows port 22 to the payer's old address after the payer moved.",
    ],
    partnerItSteps: [
      { text: "Allow outbound TCP from your network to {host} on port {port}, and only to that address. If possible, allow it only from the computers that send claims, not from the whole office." },
      {
        text: "Firewall rules need IP addresses. Look up the payer's current address and ask the payer to announce any change in advance.",
        command: "nslookup {host}",
      },
      { text: "Example for a Linux gateway, limited to the payer's address:", command: "iptables -A FORWARD -p tcp -d {host} --dport {port} -j ACCEPT" },
      { text: "Test from a sending computer. In Windows PowerShell:", command: "Test-NetConnection {host} -Port {port}" },
      { text: "The payer also has a firewall: your office's public IP address must be on the payer's allow-list for your own client, in addition to {egressIps} for the portal." },
    ],
    userSteps: [
      { text: "You only need this if your office sends files with its own program as well as through the portal. Give this page to whoever manages your internet connection." },
    ],
    supportNotes: [
      "Partners often open port 22 to \"any\"; recommend restricting it to the payer's address.",
    ],
    related: ["egress-ip-allow-list", "connection-timeout", "host-keys-and-fingerprints"],
    keywords: ["firewall", "port 22", "outbound", "ssh port", "allow", "rule", "sftp firewall"],
  },
  {
    slug: "firewall-ftps",
    kind: "article",
    codes: [],
    title: "Firewall rules for FTPS (21/990 and the passive range)",
    protocols: ["ftps"],
    summary: "Which outbound rules your firewall needs when your own client connects to a payer over FTPS.",
    meaning:
      "FTPS uses a control connection (port 21 for explicit mode, 990 for implicit mode) and, in passive mode, a new data connection for every listing and file to a port chosen by the server from its passive range. Because the commands are encrypted, the firewall cannot see which data port the server chose, so the whole range must be allowed in advance. All connections go from your network to the payer; with passive mode you need no inbound rule. Active mode, where the server connects back to you, is not supported by most payers and should not be used.",
    causes: [
      "Only the control port is open, so login works but listings and uploads fail.",
      "An FTP inspection or helper feature on the firewall interferes with the encrypted session.",
      "The client is set to active mode.",
    ],
    partnerItSteps: [
      { text: "Allow outbound TCP from your network to {host} on port {port} (the control connection) and on {passiveRange} (the data connections, inclusive). Limit both rules to the payer's address and, if possible, to the computers that send files." },
      { text: "Example for a Linux gateway:", command: "iptables -A FORWARD -p tcp -d {host} -m multiport --dports {port},{passiveRange} -j ACCEPT" },
      { text: "Set your client to passive transfer mode." },
      { text: "Exempt this traffic from FTP inspection or FTP helpers (see the FTP inspection article)." },
      { text: "Your office's public IP address must also be on the payer's allow-list for your own client, in addition to {egressIps} for the portal." },
    ],
    userSteps: [
      { text: "You only need this if your office sends files with its own FTP program. If that program connects but shows no folder listing, give this page to your IT contact." },
    ],
    supportNotes: [
      "If the payer has not documented a passive range, ask for it; without it the partner's IT cannot write a narrow rule.",
    ],
    related: ["passive-data-blocked", "ftp-inspection-filters", "egress-ip-allow-list", "sftp-vs-ftps"],
    keywords: ["firewall", "port 21", "port 990", "passive range", "passive", "data ports", "outbound", "active mode", "ftps firewall"],
  },
  {
    slug: "egress-ip-allow-list",
    kind: "article",
    codes: [],
    title: "The portal's egress IP and the payer's allow-list",
    protocols: ["sftp", "ftps"],
    summary: "The portal connects to payers from a fixed address, which every payer must allow.",
    meaning:
      "Most payers only accept connections from addresses they know. The portal sends all deliveries from {egressIps}, so that is the address your payer must add to its allow-list for your account. If you also connect with your own program from your office, that connection comes from your office's public address, which is a different address and needs its own allow-list entry.",
    causes: [
      "The payer was given the office's address (or nothing) instead of the portal's.",
      "The payer added the address to its test system only.",
      "The payer allowed the control port but not the FTPS passive range for the address.",
    ],
    partnerItSteps: [
      { text: "Send the payer the portal's address, {egressIps}, and ask them to allow it for {username} on {host}, port {port}. For FTPS, ask them to include the passive range {passiveRange}." },
      { text: "Ask for a written confirmation with the date the rule becomes active." },
      { text: "For your own client, also send your office's public IP address. That is the address your internet connection has on the internet, not a computer's internal 192.168.x.x or 10.x.x.x address; your internet provider or firewall shows it." },
    ],
    userSteps: [
      { text: "When you set up a new payer, ask your IT contact or the payer's EDI enrolment team to add the portal's address {egressIps} to the payer's allow-list before the first delivery." },
    ],
    supportNotes: [
      "The address shown here comes from the EGRESS_IPS setting; confirm it matches the relay's real outbound address.",
      "When the operator changes the egress address, every payer must be told in advance.",
    ],
    related: ["connection-timeout", "firewall-sftp", "firewall-ftps", "account-locked"],
    keywords: ["egress", "egress ip", "allow-list", "allowlist", "whitelist", "ip address", "source ip", "public ip", "static ip"],
  },
  {
    slug: "certificate-warnings-wildcards",
    kind: "article",
    codes: [],
    title: "Certificate warnings and wildcard certificates",
    protocols: ["ftps"],
    summary: "Why FTPS clients sometimes ask whether to trust a payer's certificate, and how to decide.",
    meaning:
      "An FTPS server proves its identity with a certificate. Many payers use a wildcard certificate (*.payer.example) that covers every server one level below their domain; that is normal and secure. Some desktop clients, FileZilla among them, show an \"Unknown certificate\" question the first time they meet a certificate they have not stored, even when it is a valid wildcard certificate. The question is not an error: it asks you to check the certificate once. A warning that the name does not match, or that the certificate has expired, is different and must not be accepted.",
    causes: [
      "First connection with a client that asks before storing a certificate.",
      "The payer renewed its certificate, so the client sees a new one.",
      "The name typed into the client is not covered by the certificate (for example the bare domain under a wildcard certificate, or an IP address).",
    ],
    partnerItSteps: [
      { text: "Compare the SHA-256 fingerprint in the client's dialog with {certificateFingerprint}. Only if they match, choose the option to always trust this certificate." },
      { text: "A wildcard covers one label only: *.payer.example matches ftp.payer.example but not payer.example or edi.ftp.payer.example. Type the host name exactly as the payer gives it: {host}." },
      {
        text: "To read the fingerprint and names yourself (drop \"-starttls ftp\" for implicit FTPS):",
        command:
          "openssl s_client -connect {host}:{port} -starttls ftp -servername {host} </dev/null 2>/dev/null | openssl x509 -noout -subject -ext subjectAltName -dates -fingerprint -sha256",
      },
      { text: "If your organisation's policy does not allow accepting such a prompt, use a client that checks certificates against the system's trusted authorities, such as WinSCP." },
    ],
    userSteps: [
      { text: "If your FTP program asks whether to trust a certificate, do not click through. Ask your IT contact or support to confirm the fingerprint first; after that, the program remembers it." },
    ],
    supportNotes: [
      "The portal itself checks the name and the chain (or the pin); wildcard certificates work in the portal when the destination host is one label below the wildcard.",
    ],
    related: ["certificate-untrusted", "certificate-name-mismatch"],
    keywords: ["wildcard", "certificate warning", "unknown certificate", "trust", "filezilla", "fingerprint", "*.", "certificate"],
  },
  {
    slug: "ftp-inspection-filters",
    kind: "article",
    codes: [],
    title: "FTP inspection filters on firewalls",
    protocols: ["ftps"],
    summary: "Why firewall features that read FTP commands break FTPS, and what to change.",
    meaning:
      "Many firewalls have an application-layer FTP filter (called FTP inspection, an FTP helper, an FTP ALG, or an FTP access filter) that reads the FTP commands to open data ports on demand. FTPS encrypts those commands, so the filter either cannot see the passive port and blocks the data connection, or treats the encrypted session as broken and drops it, sometimes right after the AUTH TLS command. The fix is to take FTPS traffic to the payer out of the filter and allow the ports with ordinary rules.",
    causes: [
      "FTP inspection enabled by default on the firewall (common on Cisco ASA/PIX, Microsoft ISA/TMG with its FTP access filter, SonicWall, Fortinet and many routers' FTP ALG).",
      "A Linux firewall loading the nf_conntrack_ftp helper for the FTP ports.",
    ],
    partnerItSteps: [
      { text: "Exempt traffic to {host} on port {port} from FTP inspection, or turn the FTP filter off for that rule only." },
      { text: "Add ordinary outbound rules for port {port} and the passive range {passiveRange} to {host} (see the FTPS firewall article), since the filter will no longer open them dynamically." },
      { text: "Avoid the \"clear command channel\" (CCC) option some clients offer as a workaround: it sends commands unencrypted again, many payers reject it, and the portal never uses it." },
    ],
    userSteps: [
      { text: "If your own FTP program logs in but then hangs or disconnects, pass this page to your IT contact; the fix is a firewall setting." },
    ],
    supportNotes: [
      "The relay's own network must not apply FTP inspection to outbound FTPS either; check this when PASV_BLOCKED or TIMEOUT_IDLE hits many FTPS payers at once.",
    ],
    related: ["firewall-ftps", "passive-data-blocked", "tls-handshake-failed"],
    keywords: ["ftp inspection", "inspect ftp", "application filter", "alg", "ftp helper", "isa server", "ftp access filter", "pix", "asa", "ccc", "nf_conntrack_ftp"],
  },
  {
    slug: "host-keys-and-fingerprints",
    kind: "article",
    codes: [],
    title: "Host keys and fingerprints",
    protocols: ["sftp"],
    summary: "What an SFTP server's host key is, how its fingerprint is written, and how to check it.",
    meaning:
      "Every SFTP server has a host key pair; the public half identifies the server. A fingerprint is a short digest of that public key. Current tools write it as \"SHA256:\" followed by 43 characters (for example {hostKeyFingerprint}); older tools and some payers' documents use MD5, written as 16 pairs of hex digits separated by colons. Both describe the same key in different ways. One server can hold several host keys of different types (RSA, ECDSA, Ed25519), each with its own fingerprint, and the type used depends on what client and server agree on. The portal pins the fingerprints an admin confirmed and refuses any other.",
    causes: [
      "A new server, a reinstall, or a migration gives the server a new key.",
      "A client that prefers a different key type sees a different (but legitimate) fingerprint.",
      "An intercepted connection shows an attacker's key: the reason fingerprints are checked at all.",
    ],
    partnerItSteps: [
      {
        text: "Read the fingerprints a server offers (this works with current servers; for servers that only support older algorithms, read the fingerprint from your client's first-connection prompt instead).",
        command: "ssh-keyscan -p {port} {host} 2>/dev/null | ssh-keygen -lf -",
      },
      {
        text: "Show the MD5 form too, when the payer publishes MD5:",
        command: "ssh-keyscan -p {port} {host} 2>/dev/null | ssh-keygen -E md5 -lf -",
      },
      { text: "Compare with the value the payer published and with the one the portal pins, {hostKeyFingerprint}. Get the payer's value from its documentation or support line, not from the same connection you are checking." },
    ],
    userSteps: [
      { text: "If a program asks you to accept a server's \"host key\" or \"fingerprint\", compare it with the value on the destination page before accepting; if it differs, stop and contact support." },
    ],
    supportNotes: [
      "Pinning is done by an admin via fetch-and-review; record who confirmed the fingerprint at the payer.",
    ],
    related: ["host-key-mismatch", "no-common-algorithm", "firewall-sftp"],
    keywords: ["host key", "fingerprint", "sha256", "md5", "known_hosts", "ssh-keyscan", "ed25519", "rsa", "verify server"],
  },
  {
    slug: "rsa-2048-keys",
    kind: "article",
    codes: [],
    title: "RSA-2048 keys: what the payer needs",
    protocols: ["sftp"],
    summary: "Which key payers ask for, which half you send them, and which file formats they accept.",
    meaning:
      "Payers that log you in with a key usually ask for an RSA key of 2048 bits. A key pair has a private half, which stays secret (the portal keeps it encrypted and never shows it in logs), and a public half, which you give to the payer so its server recognises you. Older payer servers check the key with the ssh-rsa signature type (SHA-1); current servers prefer rsa-sha2-256 or rsa-sha2-512. The key is the same, only the signature differs, and the portal chooses the type the server supports.",
    causes: [
      "The payer needs a 2048-bit RSA key and refuses other sizes or types (Ed25519, ECDSA, or 4096-bit RSA on some older products).",
      "The payer wants the public key in a particular file format.",
      "A private key was sent by mistake and must be treated as exposed.",
    ],
    partnerItSteps: [
      { text: "Send only the public key. Its OpenSSH form is one line starting with \"ssh-rsa AAAA\"; the SSH2 (RFC 4716) form is a block between \"---- BEGIN SSH2 PUBLIC KEY ----\" lines. Ask the payer which one it wants; the portal's key page offers both." },
      { text: "Never send a file containing \"PRIVATE KEY\" or a .ppk file. If that happens, create a new key pair and ask the payer to remove the old public key." },
      {
        text: "If you generate a key for your own client instead, make a 2048-bit RSA key with a passphrase:",
        command: "ssh-keygen -t rsa -b 2048 -f payer_rsa -C \"{username}\"",
      },
      { text: "Convert its public half to the SSH2 format, if the payer asks for it:", command: "ssh-keygen -e -f payer_rsa.pub > payer_rsa_ssh2.pub" },
      { text: "Make a .ppk copy for PuTTY-based clients (WinSCP and FileZilla can also convert it themselves):", command: "puttygen payer_rsa -o payer_rsa.ppk" },
      { text: "Ask the payer whether the account can hold more than one public key. If it can only hold one, the portal and your own client must use the same key pair." },
    ],
    userSteps: [
      { text: "On your key page, download the public key and send it to the payer together with your user name {username}. The payer's confirmation that it is installed is what makes key login work." },
      { text: "Give the payer the key's fingerprint from the key page as well, so they can check they installed the right one." },
    ],
    supportNotes: [
      "Compare the fingerprint on the key page with the one the payer reports; a mismatch means an older or another partner's key.",
      "A leaked private key means: revoke in the portal, generate a new pair, and have the payer replace the public key.",
    ],
    related: ["key-rejected", "credentials-missing", "host-keys-and-fingerprints"],
    keywords: ["rsa", "2048", "rsa-2048", "public key", "private key", "ssh-rsa", "rsa-sha2-256", "ppk", "puttygen", "ssh-keygen", "rfc 4716", "ssh2 format", "key pair"],
  },
];
