#!/usr/bin/env node
// The CLI entry (`npx status-relay …`): loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/index.ts');
await runCli(process.argv);
