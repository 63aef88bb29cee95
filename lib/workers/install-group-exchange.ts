// Side effect, imported first by the thread entry: ssh2 must see the group-exchange override the
// first time it loads in this thread (see lib/sftp/group-exchange.ts for why).
import { installFastGroupExchange } from "@/lib/sftp/group-exchange";

if (!installFastGroupExchange()) throw new Error("ssh2 was loaded before the group-exchange override could be installed.");
