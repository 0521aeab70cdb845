#!/usr/bin/env bash
# Thin wrapper kept for `./build.ps1 -Task Bench`: the benchmark is bench/bench.py (Python 3,
# standard library only). See bench/README.md. Every argument is passed through.
exec /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/bench.py" "$@"
