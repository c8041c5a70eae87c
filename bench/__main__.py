"""`python -m bench` (make bench): every benchmark, printed as the tables in bench/README.md."""

from __future__ import annotations

import os
import platform

from bench import cold_start, ddb_requests, events, fanout, scale, startup


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print("## Cold start\n")
    print("| measure | median of 15 |\n|---|---|")
    cold_start.main()
    print("\n## DynamoDB requests per operation\n")
    ddb_requests.main()
    print("\n## Subscription fan-out\n")
    fanout.main()
    print("\n## Stream events through the local stack\n")
    events.main()
    print("\n## Scale: work per invocation as popularity grows\n")
    scale.main()
    print("\n## Start-up and footprint of ugc dev\n")
    startup.main()


if __name__ == "__main__":
    main()
