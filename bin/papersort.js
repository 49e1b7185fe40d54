#!/usr/bin/env node
// The papersort command: the TypeScript sources run directly on Node 22's type stripping.
import "../pipeline/cli.ts"
