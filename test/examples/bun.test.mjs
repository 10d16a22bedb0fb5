// examples/bun from the packed tarball in a fresh project, run by Bun (the repository's
// devDependency): `bun server.js`, then signed, tampered and unsigned deliveries.
import { runtimeBinary } from "../tarball/project.mjs";
import { describeServerExample } from "./helpers.mjs";

describeServerExample("bun", { runtime: () => runtimeBinary("bun"), script: "server.js" });
