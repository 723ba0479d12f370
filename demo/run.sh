#!/usr/bin/env bash
# Builds cargo-perf-budget and runs the whole gate on this demo crate, in a scratch git
# repository (target/demo-run) so that your clone is left alone:
#
#   main  the demo as it is here;
#   pr    one commit that makes `parse_csv` allocate a String per field (a real regression).
#
# On `pr`, `cargo perf-budget check` builds `main` in a temporary worktree, runs the criterion
# benches of both interleaved, counts the instructions of the gungraun benches on both sides,
# evaluates budgets.toml and prints one verdict. Exit code: 0 pass, 1 a budget is violated
# (expected here), 2 an error.
#
#   bash demo/run.sh                  # with the planted regression
#   bash demo/run.sh --no-regression  # pr changes nothing: the gate should pass
#   bash demo/run.sh --install        # first install valgrind and gungraun-runner if missing
#
# The gungraun benches need valgrind and `gungraun-runner` of the version demo/Cargo.toml pins.
# Without them the gate refuses the budget file (exit 2) rather than skip its [[gungraun]]
# table; the script shows that, then goes on with criterion alone, on a copy of the budget file
# without the gungraun table and rule, and says so.
set -euo pipefail

demo="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$demo")"
regress=yes
install=no
for arg in "$@"; do
  case "$arg" in
    --no-regression) regress=no ;;
    --install) install=yes ;;
    *) echo "usage: bash demo/run.sh [--no-regression] [--install]" >&2; exit 2 ;;
  esac
done

# valgrind and the runner of the pinned gungraun version, for benches/instructions.rs.
gungraun_version=$(sed -n 's/^gungraun = "=\(.*\)"$/\1/p' "$demo/Cargo.toml")
runner_install="cargo install --locked gungraun-runner --version $gungraun_version"
gungraun_missing() {
  local missing=()
  valgrind --version >/dev/null 2>&1 \
    || missing+=("valgrind (Debian/Ubuntu: sudo apt-get install valgrind; macOS has none: run the demo in Linux)")
  [ "$(gungraun-runner --version 2>/dev/null | awk '{print $NF}')" = "$gungraun_version" ] \
    || missing+=("gungraun-runner $gungraun_version ($runner_install; a few minutes of compiling)")
  [ ${#missing[@]} -eq 0 ] || printf '   %s\n' "${missing[@]}"
}
if [ "$install" = yes ] && [ -n "$(gungraun_missing)" ]; then
  echo "== installing valgrind and gungraun-runner $gungraun_version"
  if ! valgrind --version >/dev/null 2>&1; then
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    if command -v apt-get >/dev/null 2>&1; then
      "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq valgrind
    else
      echo "   no apt-get here: install valgrind with this system's package manager" >&2
    fi
  fi
  [ "$(gungraun-runner --version 2>/dev/null | awk '{print $NF}')" = "$gungraun_version" ] || $runner_install
fi
missing=$(gungraun_missing)

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
git commit --quiet -m "demo: parsing, sorting and hashing with criterion and gungraun benches"
if [ -n "$missing" ]; then
  echo "== the gungraun benches cannot run here; missing:"
  echo "$missing"
  echo "   (bash demo/run.sh --install installs them)"
  echo "== cargo perf-budget run with budgets.toml as it is: the gate stops rather than skip [[gungraun]]"
  set +e
  cargo perf-budget run
  echo "   exit code $? (2: the budget file asks for what this machine cannot measure)"
  set -e
  # Paragraphs of the budget file: drop the [[gungraun]] table and the rule on its metrics.
  awk 'BEGIN { RS = ""; ORS = "\n\n" } !/\[\[gungraun\]\]/ && !/metric = "gungraun\//' \
    "$demo/budgets.toml" >budgets.toml
  git commit --quiet -am "demo: criterion only (no valgrind or gungraun-runner here)"
  echo "== going on with criterion alone: this scratch copy of budgets.toml has no [[gungraun]] table"
fi
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
# planted regression (criterion's parse/csv and gungraun's parse, nothing else), or pass when
# nothing changed.
failed=$(grep -E '^ *FAIL ' "$repo/target/demo-check.txt" | awk '{print $2}' | sort -u || true)
if [ -n "$missing" ]; then
  echo "== without valgrind and gungraun-runner only criterion was gated; install them for the full demo:"
  echo "$missing"
fi
# parse_csv is benched by both harnesses: criterion's parse/csv and gungraun's parse.
unexpected=$(printf '%s\n' "$failed" \
  | grep -v -e '^criterion/parse/csv' -e '^gungraun/instructions/demo/parse/' -e '^$' || true)
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
