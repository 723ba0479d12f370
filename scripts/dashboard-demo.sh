#!/usr/bin/env bash
# Builds the demo dashboard that README.md shows: a throwaway git repository with 30 commits of
# stored results (a +20 % step in one benchmark, a Lighthouse improvement, steady k6 latency),
# a budget file, a PR report, then `history --html`, and a screenshot with headless Chromium.
#
# Usage: scripts/dashboard-demo.sh OUT-DIR   (needs python3, git, chromium; builds the binary)
set -euo pipefail
out=$(realpath -m "${1:?usage: $0 OUT-DIR}")
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/debug/cargo-perf-budget"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
git init -q -b main
git remote add origin https://github.com/acme/widgets.git
cat > budgets.toml <<'TOML'
[[budget]]
metric = "criterion/**"
max-regression = "5%"

[[budget]]
metric = "lighthouse/home/largest-contentful-paint"
max = "2.5 s"
TOML
results() { # results FILE COMMIT INDEX SCALE
  python3 - "$@" <<'PY'
import json, math, random, sys
path, commit, i, scale = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
rnd = random.Random(i * 7919 + int(scale * 1000))
def samples(center, n, sd):
    return [center * math.exp(rnd.gauss(0, sd)) for _ in range(n)]
def metric(id, unit, center, n, sd, kind):
    s = samples(center * math.exp(rnd.gauss(0, sd / 3)), n, sd)
    return {"id": id, "unit": unit, "direction": "lower", "value": sorted(s)[n // 2],
            "samples": s, "sample-kind": kind}
parse = 41_800.0 * (1.2 if i >= 18 else 1.0) * scale
lcp = 2_300.0 * (0.85 if i >= 10 else 1.0)
doc = {"schema": "perf-budget/results/v1", "commit": commit,
       "time": "2026-11-%02dT12:00:00Z" % (1 + i % 28), "suite": "default",
       "environment": {"os": "linux", "arch": "x86_64", "runner": "GitHub Actions %d" % (1 + i % 3)},
       "metrics": [
           metric("criterion/parse/1000", "ns", parse, 100, 0.02, "iterations"),
           metric("criterion/parse/10000", "ns", parse * 10.4, 100, 0.02, "iterations"),
           metric("criterion/fib 20", "ns", 21_300.0, 100, 0.015, "iterations"),
           metric("lighthouse/home/largest-contentful-paint", "ms", lcp, 3, 0.03, "runs"),
           metric("lighthouse/home/total-blocking-time", "ms", 180.0, 3, 0.08, "runs"),
           {"id": "k6/api/http_req_duration/p(95)", "unit": "ms", "direction": "lower",
            "value": 212.0 * math.exp(rnd.gauss(0, 0.03))},
       ]}
json.dump(doc, open(path, "w"))
PY
}
for i in $(seq 0 29); do
  echo "$i" > src.txt
  git add src.txt
  git -c user.name=Dev -c user.email=dev@example.com commit -q -m "change $i"
  sha=$(git rev-parse HEAD)
  results r.json "$sha" "$i" 1.0
  "$bin" perf-budget run --results r.json --quiet
done
results base.json "$sha" 30 1.0
results head.json 1234567890abcdef1234567890abcdef12345678 31 1.08
"$bin" perf-budget compare base.json head.json --format json --output report.json || [ $? -eq 1 ]
"$bin" perf-budget history --html "$out" --report report.json --quiet
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1280,900 --virtual-time-budget=5000 \
  --screenshot="$out/screenshot.png" "file://$out/index.html#filter=criterion/parse" 2>/dev/null
echo "wrote $out/index.html and $out/screenshot.png"
