import type { Guide } from "@/lib/guides/types";

/** FTPS data connections: the passive port range and the address the server hands out for it. */
export const ftpDataGuides: Guide[] = [
  {
    slug: "passive-data-blocked",
    kind: "code",
    codes: ["PASV_BLOCKED"],
    title: "Logged in, but the passive data connection failed",
    protocols: ["ftps"],
    summary: "The login to {host} worked, but the separate connection FTPS needs for listings and file data could not be opened.",
    meaning:
      "FTPS uses two kinds of connection: a control connection for commands (port 21 or 990) and a new data connection for every listing and every file. In passive mode the server names a port from its passive range ({passiveRange}) and the client connects to it. When the control connection works and the data connection does not, a firewall is letting the first through but not the second. The portal retries automatically, but the retries only help if the block was temporary.",
    causes: [
      "The payer's allow-list for {egressIps} covers the control port {port} but not the passive range {passiveRange}.",
      "A firewall on the path uses FTP inspection to open data ports on demand; with TLS the commands are encrypted, so it never learns which port to open.",
      "The payer's server hands out passive ports outside the range it documents, or its own firewall or NAT does not forward the whole range.",
    ],
    partnerItSteps: [
      { text: "Ask the payer to confirm that {egressIps} may connect to {host} on port {port} and on every port in {passiveRange} (the range is inclusive)." },
      {
        text: "If your own client shows the same thing (connects and logs in, then the directory listing hangs or fails), allow outbound TCP from your network to {host} on {passiveRange} as well as on {port}. An iptables example for a Linux gateway:",
        command: "iptables -A OUTPUT -p tcp -d {host} --dport {passiveRange} -j ACCEPT",
      },
      { text: "If the firewall has an FTP inspection feature, exempt traffic to {host} from it and rely on the static rule for the range instead." },
    ],
    userSteps: [
      { text: "Your file is waiting and the portal will retry it. This is a network setting that the payer or IT must change; you cannot fix it from the portal." },
      { text: "If you use your own FTP program and it connects but shows no folder listing, pass this page to your IT contact." },
    ],
    supportNotes: [
      "The transcript shows the passive port the server offered and whether it lay inside the documented range; a port outside the range is a payer-side configuration issue.",
      "A control connection that works while data connections time out is the classic allow-list gap on the passive range.",
      "Active mode is never used: it would need inbound connections to the relay.",
    ],
    related: ["firewall-ftps", "ftp-inspection-filters", "passive-address-refused", "egress-ip-allow-list"],
    keywords: ["passive", "pasv", "epsv", "data connection", "data channel", "port range", "425", "listing fails", "directory listing", "can't open data connection"],
  },
  {
    slug: "passive-address-refused",
    kind: "code",
    codes: ["PASV_ADDRESS_REFUSED"],
    title: "The server pointed the data connection at another address",
    protocols: ["ftps"],
    summary: "In its passive-mode reply, {host} told the portal to open the data connection to a different IP address than the one it is connected to.",
    meaning:
      "When FTPS switches to passive mode, the server replies with an address and a port for the data connection. The portal only ever connects to the address it already talks to, because following an arbitrary address could be abused to reach other machines. This server named a different address, usually its own internal one, so the portal stopped.",
    causes: [
      "The payer's server sits behind NAT and announces its internal address (10.x, 172.16-31.x, 192.168.x) instead of its public one.",
      "A cluster where the control and data connections are served by different nodes with different public addresses.",
    ],
    partnerItSteps: [
      { text: "Ask the payer's server team to set the public address the server announces in passive mode (often called the passive IP, external IP or masquerade address) so that it matches {host}." },
      { text: "Many desktop clients quietly replace such an address with the server's own, so your own client may work while the portal refuses. That does not mean the payer's setting is correct." },
    ],
    userSteps: [
      { text: "Nothing was sent. The payer must correct a server setting; support will contact them or tell you what to ask for." },
    ],
    supportNotes: [
      "The detail shows the address from the PASV reply and the control address; quote both to the payer.",
      "Do not work around this on the relay; ignoring the PASV address is exactly the protection in place.",
    ],
    related: ["passive-data-blocked", "firewall-ftps"],
    keywords: ["pasv address", "227", "nat", "private address", "masquerade", "passive ip", "external ip", "bounce", "different host"],
  },
];
