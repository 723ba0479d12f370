#!/usr/bin/env bash
# Installs cargo-perf-budget for the GitHub Action (action.yml): the prebuilt binary of the
# action's release when there is one, verified against its SHA-256 checksum, else a build of the
# action's own source with `cargo install --locked`.
#
#   install-action.sh resolve       which release (or `source`) this action ref maps to; writes
#                                   version, target, key and dir to $GITHUB_OUTPUT
#   install-action.sh install       downloads, verifies and unpacks that release's binary into
#                                   $DIR/bin, or builds from source (VERSION=source)
#   install-action.sh source-hash D the hash of D's Cargo.toml, Cargo.lock and src/ (the release
#                                   workflow publishes it; `resolve` compares the action's own)
#
# How a ref maps to a release:
#   - `version:` input `vX.Y.Z`: that release; `source`: build from source.
#   - the action used at a release tag (`@v0.3.1`): that release.
#   - any other ref (`@v1`, `@v0.3`, a commit SHA, a branch): the release named by the action's
#     own Cargo.toml version, used only when that release was built from this very code: its
#     `cargo-perf-budget-release.txt` names the commit (compared with a SHA ref, or with the
#     action directory's git HEAD when it has one) and the source hash (compared with the
#     action's own files). Otherwise, and when no such release exists: source.
#   - a runner with no prebuilt binary (not Linux/macOS/Windows on x64 or ARM64), or a release
#     without one for it: source when the release is the action's own version, else an error.
#
# A release has a binary for a runner when it has the binary's checksum file,
# `cargo-perf-budget-<target>.tar.gz.sha256`. A binary whose SHA-256 does not match it is
# refused: the step fails with a message; it is never installed, nor silently replaced by a build.
#
# Environment (set by the runner or action.yml): RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP,
# GITHUB_OUTPUT, GITHUB_ACTION_PATH, GITHUB_ACTION_REF (or ACTION_REF from `github.action_ref`),
# GITHUB_ACTION_REPOSITORY (or ACTION_REPO), GITHUB_SERVER_URL, INPUT_VERSION; for `install`
# also VERSION, TARGET, SHA256 and DIR (the outputs of `resolve`).
#
# PERF_BUDGET_RELEASE_BASE_URL replaces `$GITHUB_SERVER_URL/<action repository>/releases/download`
# as the place release assets are downloaded from (`<base>/<tag>/<asset>`). It exists for testing
# this script against a local server (tests/integration/action.rs); workflows should not set it.
set -euo pipefail

readonly NAME=cargo-perf-budget
readonly RELEASE_INFO="$NAME-release.txt"

say() { printf '%s\n' "$*"; }
# Errors are annotations on the run (on stderr, so `$(…)` never captures them); the text is ours,
# refs and URLs come from the runner, and the one user input shown is flattened first.
fail() {
    printf '::error title=%s::%s\n' "$NAME" "$*" >&2
    exit 2
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

# The hash of the source a binary is built from: every file of Cargo.toml, Cargo.lock and src/
# (names and contents, in byte order). The release workflow and this script compute it the same
# way, so a commit whose source equals a release's can use that release's binary.
source_hash() {
    local dir=$1 list
    list=$(mktemp)
    (cd "$dir" && find Cargo.toml Cargo.lock src -type f 2>/dev/null | LC_ALL=C sort) > "$list"
    [ -s "$list" ] || { rm -f "$list"; fail "no Cargo.toml or src/ in $dir"; }
    local sums
    sums=$(mktemp)
    while IFS= read -r file; do
        printf '%s  %s\n' "$(sha256_of "$dir/$file")" "$file"
    done < "$list" > "$sums"
    sha256_of "$sums"
    rm -f "$list" "$sums"
}

# The release asset target for this runner, or nothing when there is no prebuilt binary.
runner_target() {
    case "${RUNNER_OS:-}-${RUNNER_ARCH:-}" in
        Linux-X64) echo x86_64-unknown-linux-musl ;;
        Linux-ARM64) echo aarch64-unknown-linux-musl ;;
        macOS-X64) echo x86_64-apple-darwin ;;
        macOS-ARM64) echo aarch64-apple-darwin ;;
        Windows-X64) echo x86_64-pc-windows-msvc ;;
        *) echo "" ;;
    esac
}

release_base() {
    if [ -n "${PERF_BUDGET_RELEASE_BASE_URL:-}" ]; then
        echo "${PERF_BUDGET_RELEASE_BASE_URL%/}"
        return
    fi
    local repo="${ACTION_REPO:-${GITHUB_ACTION_REPOSITORY:-}}"
    [ -n "$repo" ] || return 0
    echo "${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download"
}

# download URL FILE: 0 when downloaded, 1 when the server says it does not exist (404);
# anything else (no connection, a 5xx after retries) stops the step.
download() {
    local url=$1 out=$2 code
    if ! code=$(curl --silent --show-error --location --retry 3 --connect-timeout 20 \
        --output "$out" --write-out '%{http_code}' "$url"); then
        fail "could not download $url (see curl's message above)"
    fi
    case "$code" in
        200) return 0 ;;
        404) rm -f "$out"; return 1 ;;
        *) fail "downloading $url answered HTTP $code" ;;
    esac
}

# The version in the action's own Cargo.toml ([package] comes first in ours).
own_version() {
    sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$GITHUB_ACTION_PATH/Cargo.toml" 2>/dev/null | head -n 1
}

is_release_tag() { [[ $1 =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; }

# field NAME FILE: the value of `NAME value` in a release info file.
field() { sed -n "s/^$1 \\([0-9a-fA-F]*\\)\$/\\1/p" "$2" | head -n 1 | tr 'A-F' 'a-f'; }

# Does release TAG hold a binary built from the action's code at REF? Prints the reason.
release_matches() {
    local tag=$1 ref=$2 base=$3 info commit source head
    info=$(mktemp)
    if ! download "$base/$tag/$RELEASE_INFO" "$info"; then
        rm -f "$info"
        echo "there is no release $tag"
        return 1
    fi
    commit=$(field commit "$info")
    source=$(field source "$info")
    rm -f "$info"
    [ ${#commit} -eq 40 ] || fail "$base/$tag/$RELEASE_INFO names no commit"
    local lower_ref
    lower_ref=$(printf '%s' "$ref" | tr 'A-F' 'a-f')
    if [[ $lower_ref =~ ^[0-9a-f]{7,40}$ ]] && [ "${commit#"$lower_ref"}" != "$commit" ]; then
        echo "$ref is the commit release $tag was built from"
        return 0
    fi
    head=$(git -C "$GITHUB_ACTION_PATH" rev-parse HEAD 2>/dev/null || true)
    if [ "$head" = "$commit" ]; then
        echo "the action's checkout is at $commit, the commit release $tag was built from"
        return 0
    fi
    if [ -n "$source" ] && [ "$(source_hash "$GITHUB_ACTION_PATH")" = "$source" ]; then
        echo "the action's source at $ref is the source release $tag was built from"
        return 0
    fi
    echo "the action's source at $ref is not what release $tag was built from (commit $commit)"
    return 1
}

resolve() {
    : "${GITHUB_OUTPUT:?}" "${GITHUB_ACTION_PATH:?}" "${RUNNER_TEMP:?}"
    local version="${INPUT_VERSION:-}" ref="${ACTION_REF:-${GITHUB_ACTION_REF:-}}"
    local target base why
    target=$(runner_target)
    base=$(release_base)
    if [ -n "$version" ]; then
        if [ "$version" != source ] && ! is_release_tag "$version"; then
            local shown=${version//[$'\r\n']/ }
            fail "input version must be a release tag (v1.2.3) or 'source', not '${shown:0:40}'"
        fi
        say "version: $version (the action's \`version\` input)"
    elif [ -z "$ref" ] || [ -z "$base" ]; then
        version=source
        say "the action runs from a local path (uses: ./): building its source"
    elif is_release_tag "$ref"; then
        version=$ref
        say "the action's ref $ref is a release"
    else
        local own rc
        own=$(own_version)
        if [ -z "$own" ]; then
            version=source
            say "the action's Cargo.toml names no version: building its source"
        else
            set +e
            why=$(release_matches "v$own" "$ref" "$base")
            rc=$?
            set -e
            case $rc in
                0) version="v$own"; say "$why: using its binary" ;;
                1) version=source; say "$why: building the action's source" ;;
                *) exit "$rc" ;;
            esac
        fi
    fi
    if [ "$version" != source ] && [ -z "$base" ]; then
        fail "no repository to download release $version from (the action runs from a local path); use version: source"
    fi
    if [ "$version" != source ] && [ -z "$target" ]; then
        say "no prebuilt binary for ${RUNNER_OS:-?} ${RUNNER_ARCH:-?}: building the action's source"
        version=source
    fi

    # Does the release have a binary for this runner? Its checksum file says so (and is the
    # checksum `install` verifies against). Decided here because the cache key depends on it.
    local sha256=""
    if [ "$version" != source ]; then
        local asset="$NAME-$target.tar.gz" sums
        sums=$(mktemp)
        if download "$base/$version/$asset.sha256" "$sums"; then
            sha256=$(head -n 1 "$sums" | cut -d' ' -f1 | tr 'A-F' 'a-f')
            rm -f "$sums"
            [[ $sha256 =~ ^[0-9a-f]{64}$ ]] \
                || fail "refusing release $version: $base/$version/$asset.sha256 does not start with a SHA-256 checksum"
        elif [ "$version" = "v$(own_version)" ]; then
            say "release $version has no checksummed $asset: building the action's source (the same version)"
            version=source
        else
            fail "release $version has no binary for $target ($base/$version/$asset.sha256 not found); use a release that has one, or version: source"
        fi
    fi

    local key
    if [ "$version" = source ]; then
        # Keyed on the action's own source, so a changed action rebuilds and an unchanged one
        # does not; a binary built from source links the image's libc, so images stay apart
        # (ImageOS is ubuntu22, ubuntu24 … on GitHub-hosted runners).
        key="source-${ImageOS:-any}-$(source_hash "$GITHUB_ACTION_PATH" | cut -c1-16)"
    else
        # The checksum too: a release asset replaced since is fetched (and verified) anew.
        key="$version-${sha256:0:16}"
    fi
    {
        echo "version=$version"
        echo "target=$target"
        echo "sha256=$sha256"
        echo "key=$NAME-${RUNNER_OS:-any}-${RUNNER_ARCH:-any}-$key"
        echo "dir=$RUNNER_TEMP/$NAME"
    } >> "$GITHUB_OUTPUT"
}

install() {
    : "${VERSION:?}" "${DIR:?}" "${GITHUB_ACTION_PATH:?}"
    mkdir -p "$DIR/bin"
    if [ "$VERSION" = source ]; then
        say "building cargo-perf-budget from the action's source with cargo install (a few minutes)"
        cargo install --locked --path "$GITHUB_ACTION_PATH" --root "$DIR"
        return
    fi
    : "${TARGET:?}" "${SHA256:?}"
    local base
    base=$(release_base)
    [ -n "$base" ] || fail "no repository to download release $VERSION from (GITHUB_ACTION_REPOSITORY is empty); use version: source"
    local asset="$NAME-$TARGET.tar.gz"
    local url="$base/$VERSION/$asset"
    local tmp
    tmp=$(mktemp -d)
    # shellcheck disable=SC2064 # expand now: tmp is local
    trap "rm -rf '$tmp'" EXIT
    download "$url" "$tmp/$asset" \
        || fail "release $VERSION has a checksum for $asset but not the file itself ($url not found)"
    local actual
    actual=$(sha256_of "$tmp/$asset")
    if [ "$SHA256" != "$actual" ]; then
        fail "checksum mismatch for $url: expected $SHA256 (from $asset.sha256), downloaded $actual; refusing to install it"
    fi
    say "verified $asset: sha256 $actual"

    local exe=$NAME
    [ "${RUNNER_OS:-}" = Windows ] && exe=$NAME.exe
    mkdir "$tmp/unpacked"
    tar -xzf "$tmp/$asset" -C "$tmp/unpacked" || fail "$url is not a readable .tar.gz"
    [ -f "$tmp/unpacked/$exe" ] || fail "$url does not contain $exe"
    mv -f "$tmp/unpacked/$exe" "$DIR/bin/$exe"
    chmod +x "$DIR/bin/$exe"
    local shown
    if ! shown=$("$DIR/bin/$exe" perf-budget --version 2>&1); then
        shown=${shown//[$'\r\n']/ }
        fail "the downloaded $exe does not run on this runner ($TARGET): ${shown:0:200}"
    fi
    say "installed $shown ($VERSION, $TARGET) in $DIR/bin"
}

case "${1:-}" in
    resolve) resolve ;;
    install) install ;;
    source-hash) source_hash "${2:-.}" ;;
    *)
        echo "usage: install-action.sh resolve | install | source-hash DIR" >&2
        exit 2
        ;;
esac
