/**
 * STC01-3 (and NM101): which party a claim status is about. A status code such as 562 "NPI" means
 * nothing until it says whose NPI: the billing provider's (85) or the rendering provider's (82).
 */
export const entityIdentifiers: Readonly<Record<string, string>> = {
  "03": "dependent",
  "1P": "provider",
  "1Z": "home health care provider",
  "2B": "third-party administrator",
  "36": "employer",
  "40": "receiver",
  "41": "submitter",
  "45": "drop-off location",
  "71": "attending physician",
  "72": "operating physician",
  "73": "other physician",
  "77": "service location",
  "82": "rendering provider",
  "85": "billing provider",
  "87": "pay-to provider",
  DK: "ordering physician",
  DN: "referring provider",
  DQ: "supervising physician",
  FA: "facility",
  GB: "other insured",
  HK: "subscriber",
  IL: "insured or subscriber",
  P3: "primary care provider",
  PR: "payer",
  PW: "pick-up address",
  QC: "patient",
  SJ: "service provider",
  TT: "transfer-to party",
};

export function entityName(code: string): string | undefined {
  return Object.hasOwn(entityIdentifiers, code) ? entityIdentifiers[code] : undefined;
}
