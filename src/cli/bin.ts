#!/usr/bin/env node
import { main } from './main.js';

const status = await main(process.argv.slice(2));
// A write failure node reported before the command returned has set the status already (src/cli/io.ts)
process.exitCode ??= status;
