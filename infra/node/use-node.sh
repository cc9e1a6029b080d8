# Source this file (". infra/node/use-node.sh") to get a Node.js that meets the
# project's floor (package.json "engines": >=22.18, the first Node 22 that runs
# TypeScript files without flags). When the Node on PATH is older,
# Node 24 is installed from the npm registry (the `node` package carries the
# binaries) into a per-user cache and put first on PATH. Nothing is downloaded
# from anywhere but the npm registry.
SLUICE_NODE_VERSION="${SLUICE_NODE_VERSION:-24.21.0}"
SLUICE_NODE_FLOOR="22.18.0"

_sluice_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e '
    const [a, b] = process.versions.node.split(".").map(Number);
    const [fa, fb] = process.argv[1].split(".").map(Number);
    process.exit(a > fa || (a === fa && b >= fb) ? 0 : 1);
  ' "$SLUICE_NODE_FLOOR"
}

if ! _sluice_node_ok; then
  _sluice_node_dir="${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}/node/$SLUICE_NODE_VERSION"
  if [ ! -x "$_sluice_node_dir/node_modules/node/bin/node" ]; then
    echo "sluice: Node $(node --version 2>/dev/null || echo 'not found') is older than $SLUICE_NODE_FLOOR;" \
      "installing Node $SLUICE_NODE_VERSION from the npm registry into $_sluice_node_dir" >&2
    mkdir -p "$_sluice_node_dir"
    npm install --no-save --no-audit --no-fund --loglevel=error \
      --prefix "$_sluice_node_dir" "node@$SLUICE_NODE_VERSION" >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$_sluice_node_dir/node_modules/node/bin:$PATH"
  hash -r 2>/dev/null || true
  echo "sluice: using Node $(node --version) from $_sluice_node_dir" >&2
fi
unset -f _sluice_node_ok
