"""Container health check for the web service: GET /healthz must answer 200 "ok".

Run by the image's HEALTHCHECK (python, since the slim image has no curl). The request carries a
Host header taken from ALLOWED_HOSTS, so Django does not refuse it when localhost is not allowed.
/healthz is exempt from the HTTPS redirect and touches neither the database nor the broker.
With the argument /readyz (compose's web service) it checks readiness instead: 200 only when
the database and the broker answer.
"""

import os
import sys
import urllib.request


def host_header(allowed_hosts: str) -> str:
    """A host name that ALLOWED_HOSTS accepts: its first entry, made concrete."""
    for entry in (part.strip() for part in allowed_hosts.split(",")):
        if not entry:
            continue
        if entry == "*":
            return "localhost"
        # ".example.go.id" allows example.go.id and every subdomain of it.
        return entry.lstrip(".")
    return "localhost"


def main(path: str = "/healthz") -> int:
    port = os.environ.get("HEALTHCHECK_PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": host_header(os.environ.get("ALLOWED_HOSTS", ""))},
    )
    try:
        with urllib.request.urlopen(request, timeout=8) as response:  # noqa: S310
            body = response.read()
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    if response.status != 200 or (path == "/healthz" and body.strip() != b"ok"):
        print(f"unhealthy: HTTP {response.status} {body[:100]!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
