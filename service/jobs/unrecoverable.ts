// BullMQ's UnrecoverableError ("fail for good, no retry") without loading BullMQ itself: job
// handlers throw it in every process, inline ones included, while BullMQ (~170 modules) is
// only needed where jobs go through Redis. It is the very class BullMQ's CommonJS build uses
// (the same file, so one instance), and BullMQ also recognises it by name.
import { createRequire } from "node:module";
import type { UnrecoverableError as BullUnrecoverableError } from "bullmq";

const { UnrecoverableError } = createRequire(import.meta.url)(
  "bullmq/dist/cjs/classes/errors/unrecoverable-error.js",
) as { UnrecoverableError: typeof BullUnrecoverableError };

export { UnrecoverableError };
