/**
 * What a partner calls the 837 fields a 999 most often points at. An IK4 only gives a position
 * ("element 9 of NM1"); the same NM109 is the billing provider's NPI in loop 2010AA and the member
 * ID in 2010BA, so names are looked up by loop first, then by segment alone where the meaning does
 * not depend on the loop. Positions outside this list get no name rather than a guess.
 */
const byLoop: Readonly<Record<string, string>> = {
  "1000A NM109": "the submitter ID the payer assigned",
  "1000B NM109": "the receiver's ID",
  "2010AA NM103": "the billing provider's name",
  "2010AA NM109": "the billing provider's NPI",
  "2010AA N301": "the billing provider's street address",
  "2010AA N403": "the billing provider's ZIP code",
  "2010AA REF02": "the billing provider's tax ID",
  "2010AB NM109": "the pay-to provider's identifier",
  "2010BA NM103": "the subscriber's last name",
  "2010BA NM104": "the subscriber's first name",
  "2010BA NM109": "the subscriber's member ID",
  "2010BA DMG02": "the subscriber's date of birth",
  "2010BA DMG03": "the subscriber's gender",
  "2010BB NM103": "the payer's name",
  "2010BB NM109": "the payer ID",
  "2010CA NM109": "the patient's member ID",
  "2010CA DMG02": "the patient's date of birth",
  "2310A NM109": "the referring provider's NPI",
  "2310B NM109": "the rendering provider's NPI",
  "2310C NM109": "the service facility's NPI",
  "2310D NM109": "the supervising provider's NPI",
  "2330B NM109": "the other payer's ID",
  "2420A NM109": "the line's rendering provider NPI",
};

const bySegment: Readonly<Record<string, string>> = {
  BHT03: "the batch reference number",
  BHT04: "the file creation date",
  CLM01: "the patient control number (your claim ID)",
  CLM02: "the total claim charge",
  "CLM05-1": "the place of service or facility type code",
  "CLM05-3": "the claim frequency code",
  CLM06: "the provider signature indicator",
  CLM08: "the benefits assignment indicator",
  CLM09: "the release of information code",
  DMG02: "the date of birth",
  DMG03: "the gender code",
  "HI01-1": "the diagnosis code qualifier",
  "HI01-2": "the principal diagnosis code",
  N401: "the city",
  N402: "the state code",
  N403: "the ZIP code",
  NM108: "the identification code qualifier",
  PRV03: "the provider taxonomy code",
  SBR01: "the payer responsibility sequence code",
  SBR02: "the relationship to the subscriber",
  SBR09: "the claim filing indicator code",
  "SV101-2": "the procedure code",
  SV102: "the line charge",
  SV104: "the units of service",
  SV105: "the place of service code",
  "SV107-1": "the diagnosis code pointer",
  SV201: "the revenue code",
  SV203: "the line charge",
  SV205: "the units of service",
  DTP03: "the date",
  REF02: "the reference number",
};

/** "NM109", "CLM05-1": the reference a person reads in a companion guide. */
export function elementReference(segmentId: string, position: number, componentPosition?: number): string {
  const base = `${segmentId}${String(position).padStart(2, "0")}`;
  return componentPosition ? `${base}-${componentPosition}` : base;
}

export function claimElementName(segmentId: string, position: number, componentPosition?: number, loopId?: string): string | undefined {
  const reference = elementReference(segmentId, position, componentPosition);
  const whole = elementReference(segmentId, position);
  if (loopId) {
    const inLoop = byLoop[`${loopId} ${reference}`] ?? byLoop[`${loopId} ${whole}`];
    if (inLoop) return inLoop;
  }
  return bySegment[reference] ?? bySegment[whole];
}
