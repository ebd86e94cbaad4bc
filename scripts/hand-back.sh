#!/usr/bin/env bash
# After `sudo make test` (or build, test-unit, fuzz): gives what the run made in this tree as root
# (every target/, webui/e2e/node_modules, a fuzz target's saved inputs, ...) back to the user who ran
# sudo, so that a later `make run` or `make test` as that user can write there again. The Makefile
# calls it when those targets end, also when they fail or are stopped with Ctrl-C. Not image/: the
# image build's root file system (image/work), its output and its signing key (image/keys) must stay
# root's, or the next image would ship files owned by that user. Not ./data either (`sudo make run`
# makes it, and the running service's database stays as it was made).
# Does nothing unless root through sudo (SUDO_UID set and not 0): CI runs as root without sudo, and
# its files stay as they are. Only in a tree that user owns; .git is left alone.
set -u
[ "$(id -u)" = 0 ] && [ -n "${SUDO_UID:-}" ] && [ "$SUDO_UID" != 0 ] || exit 0
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(stat -c %u "$top")" = "$SUDO_UID" ] || exit 0
group=${SUDO_GID:-$(id -g "$SUDO_UID")}
changed=$(find "$top" -xdev \( -path "$top/.git" -o -path "$top/image" -o -path "$top/data" \) -prune -o -uid 0 -print0 \
  | xargs -0r chown -h -v "$SUDO_UID:$group" | wc -l)
[ "$changed" -eq 0 ] || echo "hand-back: $changed files made as root given back to ${SUDO_USER:-uid $SUDO_UID}"
