import "server-only";
import type { ProtocolDriver } from "@/lib/transfer/types";
import { deliverOverFtps } from "./deliver";
import { fetchFtpsServerIdentity } from "./identity";

/** The FTPS (explicit and implicit) implementation of the protocol-neutral delivery interface. */
export const ftpsDriver: ProtocolDriver = {
  deliver: deliverOverFtps,
  fetchServerIdentity: fetchFtpsServerIdentity,
};
