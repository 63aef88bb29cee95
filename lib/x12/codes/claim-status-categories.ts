import type { CodeMeaning } from "./code-list";

/**
 * STC01-1, the claim status category: the headline of a 277CA status. In a 277CA the A group
 * is what matters (did the claim get into the payer's adjudication system?); E means the payer
 * could not process what was sent. The P, F and D groups belong to claim status answers (277) but
 * some payers send them in acknowledgements too.
 */
export type CategoryOutcome = "accepted" | "rejected" | "pending" | "finalized";

export interface ClaimStatusCategory extends CodeMeaning {
  outcome: CategoryOutcome;
}

export const claimStatusCategories: Readonly<Record<string, ClaimStatusCategory>> = {
  A0: { outcome: "accepted", meaning: "Forwarded: the claim was passed on to another entity" },
  A1: { outcome: "accepted", meaning: "Received: the claim arrived (this alone does not mean it was accepted for processing)" },
  A2: { outcome: "accepted", meaning: "Accepted into the payer's adjudication system" },
  A3: { outcome: "rejected", meaning: "Returned as unprocessable: rejected and not entered into adjudication", fix: "Correct what the status codes name and submit the claim again as a new claim." },
  A4: { outcome: "rejected", meaning: "Not found: the payer cannot find the claim", fix: "Check the claim reached this payer; submit it again if it did not." },
  A5: { outcome: "accepted", meaning: "Split: the claim was accepted and split into several claims for processing" },
  A6: { outcome: "rejected", meaning: "Rejected for missing information", fix: "Add the information the status code names and submit the claim again as a new claim." },
  A7: { outcome: "rejected", meaning: "Rejected for invalid information", fix: "Correct the information the status code names and submit the claim again as a new claim." },
  A8: { outcome: "rejected", meaning: "Rejected because related fields contradict each other", fix: "Make the related fields the status codes name agree, then submit the claim again as a new claim." },
  D0: { outcome: "rejected", meaning: "Data search unsuccessful: the payer found nothing matching what was sent", fix: "Check the patient, subscriber and claim identifiers against the payer's records." },
  E0: { outcome: "rejected", meaning: "Response not possible: there is an error in the submitted data", fix: "Correct the data the status code names and submit again." },
  E1: { outcome: "rejected", meaning: "Response not possible: the payer's system is unavailable", fix: "Nothing is wrong with the claim; submit it again later." },
  E2: { outcome: "rejected", meaning: "Response not possible: the holder of the information is not responding", fix: "Submit the claim again later." },
  E3: { outcome: "rejected", meaning: "Correction required: related fields are in error", fix: "Make the related fields the status codes name agree, then submit again." },
  E4: { outcome: "rejected", meaning: "A requirement of the trading partner agreement is not met: data correction required", fix: "Check the payer's companion guide for the requirement the status code names, correct it and submit again." },
  F0: { outcome: "finalized", meaning: "Finalized: the claim has completed adjudication" },
  F1: { outcome: "finalized", meaning: "Finalized and paid" },
  F2: { outcome: "finalized", meaning: "Finalized and denied" },
  F3: { outcome: "finalized", meaning: "Finalized: the claim was revised" },
  F3F: { outcome: "finalized", meaning: "Finalized: the claim was revised and forwarded" },
  F3N: { outcome: "finalized", meaning: "Finalized: the claim was revised, not forwarded" },
  F4: { outcome: "finalized", meaning: "Finalized: adjudication complete, no payment forthcoming" },
  P0: { outcome: "pending", meaning: "Pending: adjudication is not complete" },
  P1: { outcome: "pending", meaning: "Pending: the claim is being processed" },
  P2: { outcome: "pending", meaning: "Pending: the claim is held for review" },
  P3: { outcome: "pending", meaning: "Pending: the payer is waiting for information from the provider", fix: "Send the payer the information it asked for." },
  P4: { outcome: "pending", meaning: "Pending: the payer is waiting for information from the patient" },
  P5: { outcome: "pending", meaning: "Pending: held by the payer for administrative or system reasons" },
};

export function lookUpClaimStatusCategory(code: string): ClaimStatusCategory & { code: string; known: boolean } {
  const key = code.trim();
  const entry = Object.hasOwn(claimStatusCategories, key) ? claimStatusCategories[key] : undefined;
  if (entry) return { code: key, known: true, ...entry };
  // Unknown E- and A3–A8-like codes are not guessed at: only the known rejection codes reject.
  return { code: key, known: false, outcome: "pending", meaning: `category ${key === "" ? "(empty)" : key} (not in our list)` };
}
