import type { Guide } from "@/lib/guides/types";

/** What the payer's answers (TA1, 999, 277CA) mean for a delivered file, and what to do when none comes. */
export const responseGuides: Guide[] = [
  {
    slug: "no-payer-response",
    kind: "article",
    codes: [],
    title: "The payer has not answered a delivered file",
    protocols: ["sftp", "ftps"],
    summary: "Your file reached the payer's server, but no acknowledgement saying whether it was accepted (a 999 or 277CA, or a TA1 rejecting it) turned up in the payer's response folder within the waiting time set for this payer.",
    meaning:
      "Delivery and acceptance are two separate steps. \"Delivered\" only says that the payer's server stored the complete file under its final name. Afterwards the payer's own systems open the envelope and answer: a TA1 about the interchange envelope, a 999 about the X12 syntax, and later a 277CA about each claim. The portal looks for those answers in the payer's response folder and links each one to the file it belongs to. When the waiting time configured for this payer runs out and no answer has said whether the file was accepted (a TA1 that merely accepts the envelope does not count; a 999 or 277CA does), the transfer is marked \"needs attention\" with the code NO_RESPONSE. The file is not lost and nothing is resent automatically: an answer that arrives late is still linked to it, and its status changes by itself.",
    causes: [
      "The payer processes incoming files in batches (once or twice a day, or only on business days), so a file sent on Friday evening or before a holiday may be answered days later.",
      "The file was sent in test mode, or the payer routes it to a test system that never writes answers to the production folder.",
      "The response folder set up for this payer is not the one where the payer writes answers for this account, so the portal looks in an empty place.",
      "The payer returns answers through a different channel, such as its own web portal, e-mail or a clearinghouse, and never puts them on the server.",
      "The payer's system discarded the file without saying so, usually because the ISA or GS envelope named a sender or receiver id it does not know for this account.",
      "The portal could not look in the response folder lately: the account's \"Payer responses\" line then shows a failed check with its own code.",
    ],
    partnerItSteps: [
      { text: "Compare the sender and receiver ids in the file's ISA and GS segments with the ids the payer assigned to your account; a mismatch is the most common reason for a silent drop." },
      { text: "Check the usage indicator in ISA15: T (test) files are often answered only on the payer's test system, if at all." },
      { text: "Confirm with the payer's EDI team in which folder, and under which file names, they leave acknowledgements for your user name, and tell your portal administrator if it differs from what the portal uses." },
    ],
    userSteps: [
      { text: "Look at the file's page first: if an answer arrived after the waiting time, it is listed there and the status has already changed." },
      { text: "Allow for the payer's schedule: after a weekend or holiday, wait one more business day before sending the file again." },
      { text: "Use \"Check for responses now\" on your account (Keys & credentials page) to make the portal look right away instead of at the next scheduled check." },
      { text: "Do not upload the same claims again just because no answer came: if the payer did receive them, a second copy can be rejected as a duplicate or paid twice. Ask the payer whether they have the file, quoting its name and the time it was delivered." },
      { text: "If the payer confirms they never answer on the server, ask your administrator to turn off response collection for this payer, so files stop waiting for an answer that will not come." },
    ],
    supportNotes: [
      "Open the account's status: a failed response check (with a connection or login code) explains the silence better than the payer does; fix that first and let the next check run.",
      "Compare the destination's response folder and file name pattern with a listing of the payer's server made with the partner's credentials; a pattern that is too narrow (for example upper-case endings only) hides real answers.",
      "Look in the payer files inbox for files from the same account that are not linked to any transfer: an answer whose control numbers do not match the submission means the payer read a different envelope than expected.",
      "Other transfers of the same account that were answered normally point to this file (envelope ids, test indicator); none answered for days points to the folder, the schedule or the payer's channel.",
    ],
    related: ["remote-folder-missing", "remote-permission"],
    keywords: ["no response", "no answer", "acknowledgement", "acknowledgment", "ack", "TA1", "999", "277CA", "277", "NO_RESPONSE", "missing acknowledgement", "not answered", "payer response"],
  },
];
