#!/usr/bin/env node
import { main } from './program.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// A command that failed has said why; a connection still retrying in the background must not keep it running.
if (code !== 0) setTimeout(() => process.exit(code), 2_000).unref();
