import type { Guide } from "@/lib/guides/types";

/** After login: the folder, the account's rights, the payer's disk, the final rename and the size check. */
export const remoteGuides: Guide[] = [
  {
    slug: "remote-folder-missing",
    kind: "code",
    codes: ["REMOTE_DIR_NOT_FOUND"],
    title: "The upload folder does not exist on the payer's server",
    protocols: ["sftp", "ftps"],
    summary: "After logging in, the portal could not find the folder {remoteDir} on {host}.",
    meaning:
      "The login worked, so your credentials are fine. The folder the portal is told to upload into is not there for this account, or is a file rather than a folder.",
    causes: [
      "The folder name differs in upper and lower case (\"/Incoming\" and \"/incoming\" are different folders on most servers).",
      "The payer places each account in its own home folder, so the path is relative to that home (\"incoming\") rather than absolute (\"/incoming\"), or the other way round.",
      "The payer has not created the folder for a new account yet, or uses different folders for test and production.",
    ],
    partnerItSteps: [
      { text: "Log in with your own client and look at the folder names you see right after login; note the exact spelling, including upper and lower case." },
      { text: "Check the payer's connection sheet for the upload folder (often called inbound, incoming, or toPayer) and send the exact path to support." },
    ],
    userSteps: [
      { text: "Nothing was uploaded. Support needs the exact folder name the payer told you to upload into; attach the payer's instructions to your ticket." },
    ],
    supportNotes: [
      "The destination's remote folder is set by an admin; correct it there, then run the connection check.",
      "An SFTP \"no such file\" on the folder, or FTP 550/501 to CWD, lands here; a 550 that mentions permission is the permissions guide instead.",
    ],
    related: ["remote-permission"],
    keywords: ["folder", "directory", "not found", "no such file", "550", "cwd", "path", "incoming", "inbound", "remote dir"],
  },
  {
    slug: "remote-permission",
    kind: "code",
    codes: ["REMOTE_PERMISSION"],
    title: "The account is not allowed to upload there",
    protocols: ["sftp", "ftps"],
    summary: "The payer's server refused to let {username} list or write in {remoteDir}.",
    meaning:
      "The login worked and the folder exists, but the account's rights on the payer's server do not allow what the portal tried: listing the folder, creating the file, or overwriting one with the same name.",
    causes: [
      "The account only has read access to this folder; uploads belong in a different folder (for example an inbound folder next to an outbound one).",
      "The payer forbids overwriting and a file with the same name is already there.",
      "The payer only accepts certain file names or extensions and refuses others (FTP replies 550 or 553).",
      "The account is set up but its write permission was never granted, which is common for brand-new accounts.",
    ],
    partnerItSteps: [
      { text: "Ask the payer which folder {username} may upload into and whether it enforces a file naming pattern; pass both to support." },
      { text: "With your own client, try uploading a small test file to {remoteDir} only if the payer agrees to test files; some payers process everything that arrives." },
    ],
    userSteps: [
      { text: "Nothing was delivered. Check the payer's instructions for the folder and file name rules and attach them to a ticket." },
      { text: "If the payer gave your files a required naming pattern, make sure the file you uploaded follows it." },
    ],
    supportNotes: [
      "The detail quotes the server's reply (SFTP status 3, or FTP 550/553/532) and the operation (listing, storing, renaming).",
      "A server that allows upload but not listing needs the destination's folder check to tolerate that; discuss with the payer before changing anything.",
    ],
    related: ["remote-folder-missing", "rename-refused"],
    keywords: ["permission denied", "access denied", "not allowed", "550", "553", "532", "read-only", "write", "overwrite", "file name"],
  },
  {
    slug: "remote-disk-full",
    kind: "code",
    codes: ["REMOTE_NO_SPACE"],
    title: "The payer's server has no room for the file",
    protocols: ["sftp", "ftps"],
    summary: "{host} reported that the disk or the account's storage allowance is full.",
    meaning:
      "The payer's server could not store the file. Either its disk is full or your account has a quota and the files in it already use it up. The portal retries later, which helps once the payer has collected or cleared files.",
    causes: [
      "The account's quota is full of files the payer has not collected yet.",
      "Reply or report files for you (acknowledgements, remittances) pile up in the account and count toward the quota.",
      "The payer's whole disk is full, which affects every partner sending to it.",
    ],
    partnerItSteps: [
      { text: "With your own client, check whether old reply files are waiting in your account folders; download and remove those you no longer need if the payer allows it." },
      { text: "Ask the payer whether your account has a quota, how large it is, and how often their side collects files." },
    ],
    userSteps: [
      { text: "Your file is safe in the portal and will be retried. If it still fails tomorrow, contact the payer's EDI support: their storage is full." },
    ],
    supportNotes: [
      "FTP replies 452/552 and SFTP errors that mention quota or disk space land here.",
      "Several partners failing at once for one payer means the payer's disk, not one account's quota.",
    ],
    related: ["remote-permission", "size-mismatch"],
    keywords: ["disk full", "quota", "no space", "storage", "452", "552", "insufficient storage", "full"],
  },
  {
    slug: "rename-refused",
    kind: "code",
    codes: ["RENAME_REFUSED"],
    title: "The server would not give the uploaded file its final name",
    protocols: ["sftp", "ftps"],
    summary: "The file reached {host} under a temporary name, but the server refused to rename it to its real name.",
    meaning:
      "To stop the payer from picking up half-written files, the portal uploads under a temporary name (the file name plus a suffix such as .part), checks the size, and then renames it. This server refused the rename step. The full file may still be sitting on the server under the temporary name.",
    causes: [
      "The payer's server does not allow renaming at all, which is common on servers that process every upload automatically.",
      "The payer's automation already picked up or moved the temporary file, so there was nothing left to rename.",
      "A file with the final name already exists and the server does not allow replacing it.",
      "The server only accepts certain file extensions and refuses the final name, or it refused the temporary name's suffix earlier and kept a truncated name.",
    ],
    partnerItSteps: [
      { text: "Ask the payer whether its server allows renaming uploaded files and whether it processes files as soon as they appear. Tell support the answer." },
      { text: "Ask the payer to remove any leftover file ending in the temporary suffix, so it is not processed by mistake." },
    ],
    userSteps: [
      { text: "Do not upload the file again yet: the payer may already have a copy under the temporary name. Open a ticket so support can check with the payer first." },
    ],
    supportNotes: [
      "If the payer forbids renames, an admin can set the destination's upload strategy to direct. The trade-off: an interrupted direct upload leaves a partial file under the final name, so confirm how the payer treats incomplete files.",
      "Check the transcript for the rename source and target names, and whether the size check before the rename passed.",
    ],
    related: ["remote-permission", "size-mismatch"],
    keywords: ["rename", "temporary file", ".part", "move", "rnfr", "rnto", "final name", "upload strategy", "direct upload"],
  },
  {
    slug: "size-mismatch",
    kind: "code",
    codes: ["SIZE_MISMATCH"],
    title: "The file on the server is a different size from the file sent",
    protocols: ["sftp", "ftps"],
    summary: "After the upload, {host} reported a file size that differs from the file the portal sent.",
    meaning:
      "The portal asks the server for the size of every uploaded file before giving it its final name. This time the numbers did not match, or the file was no longer there, so the portal did not finish the delivery. It retries automatically.",
    causes: [
      "The server changed the file while storing it, for example by converting line endings (a text-mode transfer setting on the payer's server).",
      "The payer's automation moved or started processing the file immediately after it arrived.",
      "The payer's disk filled up during the upload and the file was cut short.",
      "Another upload wrote to the same file name at the same moment.",
    ],
    partnerItSteps: [
      { text: "If this repeats, ask the payer whether their server converts line endings or processes files as soon as they arrive." },
    ],
    userSteps: [
      { text: "The portal will try again. If the same file keeps failing, open a ticket; do not send it by another route until support knows whether the payer already has a copy." },
    ],
    supportNotes: [
      "The message gives both sizes. A server size that is larger by exactly the number of lines suggests line-ending conversion; zero or missing suggests the payer's automation took the file.",
      "If the payer processes temporary files immediately, switching to the direct upload strategy may be the right fix; coordinate with the payer.",
    ],
    related: ["rename-refused", "remote-disk-full"],
    keywords: ["size", "mismatch", "truncated", "incomplete", "line endings", "ascii", "binary", "verify", "checksum"],
  },
];
