#!/usr/bin/env bash
# One command for everything: system packages the tests need (as root), the build,
# typecheck, lint, all tests. As root on Linux the real-kernel tests run too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm run --silent build
tsc -p tsconfig.test.json
eslint .
vitest run "$@"
