#!/usr/bin/env bash
# One command for everything: typecheck, lint, all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
tsc -p tsconfig.test.json
eslint .
vitest run "$@"
