import type { Guide } from "@/lib/guides/types";

/** Failures before any protocol talk: name lookup, address policy, TCP, and sessions that stop. */
export const networkGuides: Guide[] = [
  {
    slug: "dns-failed",
    kind: "code",
    codes: ["DNS_FAILED"],
    title: "The payer's server name could not be found",
    protocols: ["sftp", "ftps"],
    summary: "The portal asked DNS for the address of {host} and got no answer it could use.",
    meaning:
      "Before connecting, the portal turns the server name into an IP address. That lookup failed, so no connection was attempted and the payer has not seen anything from us. The portal retries this automatically for a while, because DNS outages are usually short.",
    causes: [
      "A typing mistake in the server name stored for this destination (a missing letter, an extra dot, \"sftp.\" instead of \"ftp.\").",
      "The payer retired or renamed the server and published a new name in a notice that has not reached us.",
      "The name only exists inside the payer's own network or VPN, so public DNS does not know it.",
      "A temporary DNS outage at the payer's DNS provider.",
    ],
    partnerItSteps: [
      {
        text: "Look the name up from a machine on the internet. If your lookup also fails, the name is wrong or gone; if it works, tell support which address you got.",
        command: "nslookup {host}",
      },
      { text: "Compare {host} letter by letter with the connection sheet the payer sent you, and check the payer's recent notices for a server move." },
    ],
    userSteps: [
      { text: "Nothing was sent, and your file is safe in the portal. The portal will try again on its own for a while." },
      { text: "If the destination page still shows this error after an hour, open a ticket and attach the payer's connection sheet (the page that lists the server name and port)." },
    ],
    supportNotes: [
      "Resolve the name from the relay host itself, not only from your laptop: split DNS can give different answers.",
      "If the payer moved servers, the admin must update the destination host and then fetch and pin the new host key or certificate; the old pin will not match.",
      "A name that resolves only on a VPN is not reachable by the relay at all; ask the payer for its public endpoint.",
    ],
    related: ["destination-blocked", "connection-timeout"],
    keywords: ["dns", "ENOTFOUND", "EAI_AGAIN", "getaddrinfo", "resolve", "name not found", "nslookup", "host name", "hostname"],
  },
  {
    slug: "destination-blocked",
    kind: "code",
    codes: ["DESTINATION_BLOCKED"],
    title: "The server name points to a private network address",
    protocols: ["sftp", "ftps"],
    summary: "{host} resolves to a private, loopback or link-local address, and the portal only relays to public servers.",
    meaning:
      "For safety the portal refuses to connect to internal addresses (10.x, 172.16-31.x, 192.168.x, 127.x, 169.254.x and similar). A payer server must be reachable on a public internet address. This is a configuration problem, so the portal does not retry it.",
    causes: [
      "The payer gave out the address of the server inside its own network (for example a 172.17.x.x address seen in one of their logs) instead of the public one.",
      "The payer's DNS answers with an internal address (split-horizon DNS published by mistake).",
      "The destination was set up with an address copied from a VPN connection that only works for the payer's own staff or for direct VPN partners.",
    ],
    partnerItSteps: [
      { text: "Ask the payer's EDI technical contact for the public host name or public IP address of the server that accepts connections from the internet." },
      { text: "If the payer only offers access over a site-to-site VPN, tell support: the portal cannot relay through a VPN, and the destination cannot be used as configured." },
    ],
    userSteps: [
      { text: "Nothing was sent. This needs a change to the destination settings, which our support team makes once the payer confirms its public address." },
    ],
    supportNotes: [
      "The error message shows the address the name resolved to; check it against the payer's documentation.",
      "Never enable private destinations in production to get around this; that switch exists for the sandbox only.",
    ],
    related: ["dns-failed", "egress-ip-allow-list"],
    keywords: ["private address", "internal address", "10.", "192.168", "172.16", "vpn", "blocked destination", "loopback", "ssrf"],
  },
  {
    slug: "connection-timeout",
    kind: "code",
    codes: ["TCP_TIMEOUT"],
    title: "No answer from the payer's server",
    protocols: ["sftp", "ftps"],
    summary: "The portal tried to open a connection to {host} on port {port} and heard nothing back before the time limit.",
    meaning:
      "A connection attempt that gets no reply at all usually means a firewall is quietly dropping it. Most often that is the payer's firewall, because the portal's address is not on its allow-list yet. It can also mean the server is down or the port is wrong. The portal keeps retrying for a while in case it is a short outage.",
    causes: [
      "The payer has not yet added {egressIps} to its allow-list for your account.",
      "The destination uses the wrong port (for example 22 where the payer listens on 2222, or 990 where it expects 21).",
      "The payer's server or its internet connection is down or under maintenance.",
      "The payer changed the server's public address and the old one no longer answers.",
    ],
    partnerItSteps: [
      {
        text: "Ask the payer to confirm, in writing, that {egressIps} is allowed to reach {host} on port {port} for your account. Payers often need a ticket and a few working days for this.",
      },
      {
        text: "If you also connect with your own client, test from your office network. On Windows PowerShell the command below should report TcpTestSucceeded : True.",
        command: "Test-NetConnection {host} -Port {port}",
      },
      {
        text: "On Linux or macOS, the same test: a timeout here as well points to the payer's side or your own outbound firewall.",
        command: "nc -vz -w 10 {host} {port}",
      },
    ],
    userSteps: [
      { text: "Your file is safe and the portal is retrying on its own. You do not need to upload it again." },
      { text: "If this is a new payer connection, ask your IT contact whether the payer has confirmed the allow-list entry for the portal's address." },
    ],
    supportNotes: [
      "Check whether other partners delivering to the same host fail at the same time: then it is the payer's server or an allow-list change on their side, not this account.",
      "A timeout (no reply) and a refusal (immediate reset) have different causes; do not treat them as the same ticket.",
      "Confirm the relay's actual egress address matches EGRESS_IPS before telling a payer which address to allow.",
    ],
    related: ["egress-ip-allow-list", "connection-refused", "firewall-sftp", "firewall-ftps"],
    keywords: ["timeout", "timed out", "ETIMEDOUT", "no response", "firewall", "allow-list", "whitelist", "unreachable", "EHOSTUNREACH"],
  },
  {
    slug: "connection-refused",
    kind: "code",
    codes: ["TCP_REFUSED"],
    title: "The payer's server refused the connection",
    protocols: ["sftp", "ftps"],
    summary: "{host} answered immediately on port {port}, but only to say that nothing accepts connections there.",
    meaning:
      "The server's machine is reachable, but no file transfer service is listening on that port, or a firewall is set to reject rather than silently drop. The portal retries for a while in case the service is restarting.",
    causes: [
      "The port does not match the protocol: SFTP normally uses 22, explicit FTPS 21 and implicit FTPS 990, but payers may use other numbers.",
      "The payer's transfer service is stopped or restarting (often during a maintenance window).",
      "A firewall in front of the payer rejects addresses that are not on its allow-list, instead of dropping them.",
    ],
    partnerItSteps: [
      { text: "Compare the port {port} with the payer's connection sheet, and check which protocol the sheet names: {protocolName} is what the portal uses." },
      { text: "Ask the payer whether {egressIps} is on the allow-list, and whether the service was down at the time of the failure." },
      {
        text: "From your own network, check whether anything answers on that port.",
        command: "Test-NetConnection {host} -Port {port}",
      },
    ],
    userSteps: [
      { text: "Your file is waiting in the portal and will be retried automatically." },
      { text: "If the error stays for more than a few hours, open a ticket; the payer may have changed its port or be in a long maintenance window." },
    ],
    supportNotes: [
      "If the payer's sheet lists both 21 and 990, the destination protocol must match the port (explicit on 21, implicit on 990).",
      "Check the payer's status page or maintenance notices before escalating.",
    ],
    related: ["connection-timeout", "protocol-mismatch", "sftp-vs-ftps"],
    keywords: ["refused", "ECONNREFUSED", "connection refused", "port closed", "wrong port", "reset", "maintenance"],
  },
  {
    slug: "connection-lost",
    kind: "code",
    codes: ["CONNECTION_LOST"],
    title: "The connection dropped during the transfer",
    protocols: ["sftp", "ftps"],
    summary: "The connection to {host} closed before the upload had finished.",
    meaning:
      "The session started, but one side or something in between closed it early. The portal uploads under a temporary name first and only gives the file its real name after checking its size, so the payer never sees a half-written file under the final name. The portal retries automatically.",
    causes: [
      "A short network interruption between the portal and the payer.",
      "The payer's server restarted, or it limits how many sessions one account may hold and closed ours.",
      "The payer's server accepts the connection and then closes it straight away because the address is not allowed (some products do this instead of blocking the port).",
      "A firewall on the path ends connections it considers idle during a long upload.",
    ],
    partnerItSteps: [
      { text: "If every attempt drops at the same point right after connecting, ask the payer whether its server blocks or bans {egressIps}; some servers close new sessions from addresses they do not know." },
      { text: "If it drops mid-file on large files only, ask the payer whether it has a session time limit or a maximum file size." },
    ],
    userSteps: [
      { text: "Your file is safe and the portal will resend it. You do not need to upload it again." },
      { text: "If the same file fails several times in a row, open a ticket and attach the transfer report from the file's page." },
    ],
    supportNotes: [
      "Look at the stage in the transcript: a drop before authentication suggests address bans or protocol confusion; a drop during upload suggests network or session limits.",
      "A drop after the temporary file was written can leave a name ending in the destination's temp suffix on the server; the next attempt resumes or replaces it.",
    ],
    related: ["server-stopped-responding", "egress-ip-allow-list", "account-locked"],
    keywords: ["dropped", "disconnected", "ECONNRESET", "reset", "closed", "broken pipe", "426", "451", "interrupted"],
  },
  {
    slug: "server-stopped-responding",
    kind: "code",
    codes: ["TIMEOUT_IDLE"],
    title: "The payer's server stopped responding mid-session",
    protocols: ["sftp", "ftps"],
    summary: "The session to {host} was open, but the server went silent and did not answer in time.",
    meaning:
      "The server accepted the connection and then stopped replying, for example while we waited for its greeting, its login answer or its confirmation that a block of data arrived. The portal gives up after its idle limit and retries later.",
    causes: [
      "The payer's server is overloaded, commonly near month-end or claim deadlines.",
      "For FTPS: a firewall with an FTP inspection filter holds the encrypted session because it cannot read it.",
      "An explicit-FTPS client pointed at an implicit-FTPS port (990): each side waits for the other to speak first.",
      "A firewall on the path silently dropped a session it considered idle.",
    ],
    partnerItSteps: [
      { text: "If you see the same silence with your own client, check your firewall for FTP inspection or an FTP helper on traffic to {host} (see the article on FTP inspection filters).", protocols: ["ftps"] },
      { text: "Confirm with the payer whether it had performance problems or maintenance at the time of the failure." },
    ],
    userSteps: [
      { text: "The portal will try again automatically. Nothing needs to be uploaded again." },
      { text: "If deliveries to this payer keep stalling, tell support; we can compare with other partners who send to the same payer." },
    ],
    supportNotes: [
      "Check which stage went silent in the transcript. Silence before the greeting on port 990 with an explicit destination (or the reverse) is a protocol mix-up, not an outage.",
      "Many simultaneous stalls across partners for one payer point to the payer's server.",
    ],
    related: ["connection-lost", "ftp-inspection-filters", "protocol-mismatch"],
    keywords: ["idle", "stalled", "hang", "hung", "no reply", "keepalive", "slow", "stopped responding", "timeout"],
  },
];
