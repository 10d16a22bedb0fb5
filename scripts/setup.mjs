// Installs what the build and the tests need (idempotent): `npm run setup`.
import { setup, log } from "./lib.mjs";

setup();
log("set-up complete");
