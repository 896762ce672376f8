#!/bin/sh
# Runs the binary the command names: incidents, health-stats, tasks or atvsld.
set -eu
if [ "$#" -eq 0 ]; then
    set -- atvsld --help
fi
case "$1" in
    incidents|health-stats|tasks|atvsld)
        exec "/usr/local/bin/$@"
        ;;
    *)
        echo "usage: IMAGE incidents|health-stats|tasks|atvsld [ARGS...]" >&2
        exit 64
        ;;
esac
