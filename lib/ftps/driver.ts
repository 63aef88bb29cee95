import "server-only";
import type { ProtocolDriver } from "@/lib/transfers/types";
import { deliverOverFtps } from "@/lib/ftps/deliver";
import { fetchFtpsServerIdentity } from "@/lib/ftps/identity";

/** The FTPS (explicit and implicit) implementation of the protocol-neutral delivery interface. */
export const ftpsDriver: ProtocolDriver = {
  deliver: deliverOverFtps,
  fetchServerIdentity: fetchFtpsServerIdentity,
};
