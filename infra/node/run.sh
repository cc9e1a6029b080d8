#!/bin/sh
# Runs a command with a Node.js that meets the project's floor (see use-node.sh),
# so that `npm test` and `npm start` work even when the Node on PATH is older.
. "$(dirname "$0")/use-node.sh" || exit 1
exec "$@"
