"""Writes a local copy of the suite's gateway configuration (deploy/gateway/nginx.conf).

clients/run-smoke runs nginx with it, without Docker and without root: the same
locations, prefix stripping and blocked paths as the real gateway, but listening on a
loopback port, proxying to the ports of `atvsld up`, serving openapi/atvsld.json from
the checkout and keeping its pid, logs and temp files in one folder.

Each rewrite must match the real file exactly as often as expected, so a change to
deploy/gateway/nginx.conf that this copy would silently miss fails here instead.

    python3 clients/gateway_conf.py --dir DIR --listen 18080 \
        --upstream incidents=127.0.0.1:8081 --upstream health-stats=127.0.0.1:8082 \
        --upstream tasks=127.0.0.1:8083 --spec openapi/atvsld.json > DIR/nginx.conf
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

SERVICES = ("incidents", "health-stats", "tasks")


def rewrite(text: str, pattern: str, replacement: str, count: int = 1) -> str:
    new, found = re.subn(pattern, lambda _: replacement, text, flags=re.MULTILINE)
    if found != count:
        sys.exit(
            f"gateway_conf: expected {count} match(es) of {pattern!r} in the gateway configuration, found {found}"
        )
    return new


def local_config(source: str, folder: Path, listen: int, upstreams: dict[str, str], spec: Path) -> str:
    text = source
    text = rewrite(text, r"^pid .*;$", f"pid {folder}/nginx.pid;")
    text = rewrite(text, r"^error_log .*;$", f"error_log {folder}/error.log warn;")
    text = rewrite(text, r"^(\s*)access_log .*;$", f"    access_log {folder}/access.log;")
    text = rewrite(text, r"^\s*resolver 127\.0\.0\.11 .*;$", "    # (local copy: loopback upstreams, nothing to resolve)")
    text = rewrite(text, r"^(\s*)listen 8080;$", f"        listen 127.0.0.1:{listen};")
    text = rewrite(
        text,
        r"^(\s*)alias /usr/share/atvsld/openapi/atvsld\.json;$",
        f"            alias {spec};",
    )
    for service in SERVICES:
        text = rewrite(
            text,
            rf"^(\s*)set \$upstream {re.escape(service)}:8080;$",
            f"            set $upstream {upstreams[service]};",
        )
    # Temp files in the folder, so a non-root nginx never touches /var/lib/nginx.
    temp_paths = "".join(
        f"    {kind}_temp_path {folder}/{kind}_temp;\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = rewrite(text, r"^http \{$", "http {\n" + temp_paths.rstrip("\n"))
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="deploy/gateway/nginx.conf", type=Path)
    parser.add_argument("--dir", required=True, type=Path, help="folder for pid, logs and temp files")
    parser.add_argument("--listen", required=True, type=int, help="loopback port of the gateway")
    parser.add_argument(
        "--upstream", action="append", default=[], metavar="SERVICE=HOST:PORT", help="one per service"
    )
    parser.add_argument("--spec", default="openapi/atvsld.json", type=Path, help="served at /openapi.json")
    args = parser.parse_args()
    upstreams = dict(u.split("=", 1) for u in args.upstream)
    missing = [s for s in SERVICES if s not in upstreams]
    if missing:
        parser.error(f"no --upstream for {', '.join(missing)}")
    folder = args.dir.resolve()
    sys.stdout.write(
        local_config(args.source.read_text(), folder, args.listen, upstreams, args.spec.resolve())
    )


if __name__ == "__main__":
    main()
