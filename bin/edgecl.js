#!/usr/bin/env node
// The edgecl command. The TypeScript sources are compiled to dist/ by `make build`.
import('../dist/compiler/cli/main.js').then((m) => m.main(process.argv.slice(2)));
