// examples/node-http from the packed tarball in a fresh project: `node server.mjs`, then
// signed, tampered and unsigned deliveries.
import { describeServerExample } from "./helpers.mjs";

describeServerExample("node-http", { runtime: () => process.execPath, script: "server.mjs" });
