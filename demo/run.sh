#!/usr/bin/env bash
# Builds cargo-perf-budget and runs the whole gate on this demo crate, in a scratch git
# repository (target/demo-run) so that your clone is left alone:
#
#   main  the demo as it is here;
#   pr    one commit that makes `parse_csv` allocate a String per field (a real regression).
#
# On `pr`, `cargo perf-budget check` builds `main` in a temporary worktree, runs the benches of
# both interleaved, evaluates budgets.toml and prints the verdict. Exit code: 0 pass,
# 1 a budget is violated (expected here), 2 an error.
#
#   bash demo/run.sh                  # with the planted regression
#   bash demo/run.sh --no-regression  # pr changes nothing: the gate should pass
set -euo pipefail

demo="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$demo")"
regress=yes
[ "${1:-}" = "--no-regression" ] && regress=no

echo "== building cargo-perf-budget"
# The tool's own work is small next to the benchmarks it runs: the unoptimised build is fast to
# compile (and the one `cargo test` builds anyway), so a fresh clone reaches the benchmarks sooner.
cargo build --locked --quiet --manifest-path "$repo/Cargo.toml" --target-dir "$repo/target"
export PATH="$repo/target/debug:$PATH"   # `cargo perf-budget` finds cargo-perf-budget here

# A fresh repository each time; its target/ is kept so criterion is compiled only once.
work="$repo/target/demo-run"
mkdir -p "$work"
find "$work" -mindepth 1 -maxdepth 1 ! -name target -exec rm -rf {} +
cp -R "$demo/Cargo.toml" "$demo/Cargo.lock" "$demo/budgets.toml" "$demo/.gitignore" \
  "$demo/src" "$demo/benches" "$work/"
cd "$work"
git() { command git -c user.name=demo -c user.email=demo@example.invalid "$@"; }
git init --quiet --initial-branch=main
git add -A
git commit --quiet -m "demo: parsing, sorting and hashing with criterion benches"
echo "== cargo perf-budget run on main: measure it and save the results in the git store (refs/perf-budget/results)"
cargo perf-budget run

git checkout --quiet -b pr
if [ "$regress" = yes ]; then
  sed -i.orig 's/field.trim().parse().ok()/field.trim().to_string().parse().ok()/' src/lib.rs
  rm -f src/lib.rs.orig
  grep -q 'to_string().parse()' src/lib.rs
  git commit --quiet -am "parse_csv: copy each field first (slower)"
else
  git commit --quiet --allow-empty -m "no code change"
fi

echo "== cargo perf-budget check in $work (branch pr against main)"
set +e
cargo perf-budget check --no-comment | tee "$repo/target/demo-check.txt"
status=${PIPESTATUS[0]}
set -e
echo "== exit code $status (0 pass, 1 budget violated, 2 error)"

echo "== cargo perf-budget history: what the store holds"
cargo perf-budget history 'criterion/parse/**' || true

# The script itself succeeds when the gate did what the scenario expects: fail exactly the
# planted regression (the parse/csv benchmarks, nothing else), or pass when nothing changed.
failed=$(grep -E '^ *FAIL ' "$repo/target/demo-check.txt" | awk '{print $2}' | sort -u)
unexpected=$(printf '%s\n' "$failed" | grep -v -e '^criterion/parse/csv' -e '^$' || true)
if [ "$regress" = no ]; then
  if [ "$status" -eq 0 ]; then
    echo "== as expected: nothing changed and the gate passed"
    exit 0
  fi
  echo "== unexpected: the gate exited $status on unchanged code; failed: ${failed:-none}"
  exit 1
fi
if [ "$status" -eq 1 ] && [ -n "$failed" ] && [ -z "$unexpected" ]; then
  echo "== as expected: the gate failed exactly the planted regression:"
  printf '   %s\n' $failed
  exit 0
fi
if [ "$status" -eq 0 ] && grep -q "machine was noisy" "$repo/target/demo-check.txt"; then
  echo "== inconclusive: the machine was too noisy to decide in these rounds (see the note above);"
  echo "   rerun on a quieter machine or with more rounds: cargo perf-budget check --rounds 6"
  exit 1
fi
echo "== unexpected: the gate exited $status; failed: ${failed:-none}${unexpected:+ (not planted: $unexpected)}"
exit 1
