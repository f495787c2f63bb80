#!/bin/sh
# Example hook: keeps each event as a file in ../orders/ (beside this
# folder) and prints one line, which `hookbox show ID` displays.
#
# hookbox runs it with the event on stdin (the body as received; for a
# Quickbutik GET, the query as a JSON object), in this script's folder,
# with HOOKBOX_* variables describing the event. Exit 0 when done; exit 65
# to give up on this event for good; any other exit is retried later.
set -eu
dir=../orders
mkdir -p "$dir"
file="$dir/$HOOKBOX_ENDPOINT-$HOOKBOX_EVENT_ID.json"
# Write to a temporary name first, so a half-written file never looks done.
cat > "$file.tmp"
mv "$file.tmp" "$file"
echo "saved $HOOKBOX_EVENT_TYPE $HOOKBOX_RESOURCE_ID to $file"
