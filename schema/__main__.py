"""`python -m schema [PATH]` writes the AppSync SDL (default: schema.graphql)."""

from __future__ import annotations

import sys
from pathlib import Path

from schema import sdl


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "schema.graphql")
    target.write_text(sdl())
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
