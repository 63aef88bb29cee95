import type { Guide } from "@/lib/guides/types";

/** Failures on the portal's own side, and the catch-all. */
export const portalGuides: Guide[] = [
  {
    slug: "staged-file-missing",
    kind: "code",
    codes: ["LOCAL_FILE_MISSING"],
    title: "The uploaded file is no longer available in the portal",
    protocols: ["sftp", "ftps"],
    summary: "The copy of your file that the portal keeps for delivery could not be read.",
    meaning:
      "When you upload, the portal stores the file until it has been delivered to the payer. That stored copy is gone, or it changed while it was being sent. The portal cannot deliver a file it does not have, so it stops.",
    causes: [
      "The file waited longer than the portal keeps undelivered files (for example while a problem with the payer was being fixed) and was removed by the clean-up.",
      "The file was withdrawn or deleted from the portal while a delivery attempt was running.",
      "A storage problem on the portal's side.",
    ],
    partnerItSteps: [],
    userSteps: [
      { text: "Upload the file again from your own copy. The new upload gets a new delivery." },
      { text: "If you cannot find your own copy, open a ticket with the file name and upload date; support can tell you whether it was ever delivered." },
    ],
    supportNotes: [
      "Check the transfer's history: a file removed by retention after a long \"needs attention\" phase is expected behaviour; a file missing shortly after upload is a storage incident.",
      "\"The staged file changed size while it was being sent\" points to the staging store, not the payer.",
    ],
    related: ["unknown-error"],
    keywords: ["file missing", "staged", "deleted", "retention", "expired file", "upload again", "not found locally"],
  },
  {
    slug: "staged-file-damaged",
    kind: "code",
    codes: ["STAGED_FILE_DAMAGED"],
    title: "The portal's stored copy of your file failed its integrity check",
    protocols: ["sftp", "ftps"],
    summary: "The portal stopped the delivery to {host} because its stored copy of your file is not exactly what you uploaded.",
    meaning:
      "Claim files hold patient information, so the portal keeps every uploaded file encrypted, in segments that each carry a seal. Before any segment is sent it is checked against its seal. One segment of this file did not match, or the file ended before its last segment: the stored copy was changed, damaged or cut short after you uploaded it. The portal sends nothing it cannot vouch for, so it stopped instead of sending altered bytes to the payer. Nothing incomplete was left under the final name on the payer's server.",
    causes: [
      "A fault of the portal's storage (a damaged disk or file system, a restore from an incomplete backup).",
      "Someone with access to the portal's servers changed the stored file.",
    ],
    partnerItSteps: [],
    userSteps: [
      { text: "Upload the file again from your own copy. The new upload is stored and checked afresh and gets its own delivery." },
      { text: "If it happens to more than one file, tell support: it is the portal's problem, not your file's." },
    ],
    supportNotes: [
      "The transcript names the segment that failed, or says the file is cut short. Treat it as a storage or security incident: check the staging volume (dmesg, file system errors) and who had write access to it.",
      "The file's SHA-256 recorded at upload is unchanged in the database; the partner's new upload of the same file shows the same hash.",
    ],
    related: ["staged-file-missing", "unknown-error"],
    keywords: ["integrity", "damaged", "tampered", "corrupt", "encrypted", "segment", "authentication tag"],
  },
  {
    slug: "relay-interrupted",
    kind: "code",
    codes: ["RELAY_INTERRUPTED"],
    title: "The portal's relay worker stopped during the delivery",
    protocols: ["sftp", "ftps"],
    summary: "The attempt to deliver your file to {host} was cut short on the portal's side, not by the payer.",
    meaning:
      "The portal sends files from separate worker threads so that a slow or unusual payer never freezes the website. One of those workers stopped (it crashed, or stopped answering) while it was sending your file. Nothing is wrong with your file, your password or your key: the portal keeps the file and sends it again, continuing from what already reached the payer.",
    causes: [
      "The portal was restarted or a worker thread was ended during the attempt.",
      "A fault inside the portal's relay worker; support sees the details in the portal's log.",
    ],
    partnerItSteps: [],
    userSteps: [
      { text: "Nothing to do: the file is retried automatically and delivered once. Follow it on its page." },
      { text: "If the same file is interrupted again and again, open a ticket with the transfer report." },
    ],
    supportNotes: [
      "The portal's log has \"worker thread exited\" or \"worker thread stopped answering\" with the pool name at the same time as the attempt. Repeated interruptions of one destination's transfers point to a bug to report with that log.",
    ],
    related: ["unknown-error", "connection-lost"],
    keywords: ["interrupted", "worker", "restart", "stopped", "crash", "retry"],
  },
  {
    slug: "unknown-error",
    kind: "code",
    codes: ["UNKNOWN"],
    title: "An unexpected error",
    protocols: ["sftp", "ftps"],
    summary: "The delivery to {host} failed in a way the portal does not have a specific explanation for.",
    meaning:
      "Something went wrong that does not match any of the known failure types. The portal keeps a full record of the attempt (without passwords or keys) and retries automatically, because many unusual errors are one-off events.",
    causes: [
      "An unusual reply from the payer's server that the portal does not recognise.",
      "A temporary problem on the portal or on the network in between.",
      "A new kind of failure that support should know about.",
    ],
    partnerItSteps: [
      { text: "If it repeats, copy the transfer report from the file's page into a ticket; it contains the server's replies and no secrets." },
    ],
    userSteps: [
      { text: "Your file is kept and will be retried. If the page still shows this error after a few tries, open a ticket and attach the transfer report." },
    ],
    supportNotes: [
      "Read the detail and the last transcript stage; if the failure is recognisable, map it to a specific code so the next partner gets a precise guide.",
    ],
    related: ["connection-lost"],
    keywords: ["unknown", "unexpected", "error", "other", "failed"],
  },
];
