"""`python -m schema [DIRECTORY]` writes the SDLs derived from the schema module (default: here):
schema.graphql for AppSync and schema.tools.graphql for client tooling (codegen, IDEs)."""

from __future__ import annotations

import sys
from pathlib import Path

from schema import sdl, tools_sdl

FILES = {"schema.graphql": sdl, "schema.tools.graphql": tools_sdl}


def main() -> None:
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    if not directory.is_dir():
        sys.exit(f"{directory} is not a directory")
    # Both texts are built before either file is written, so a schema error leaves both files as they were.
    texts = {name: build() for name, build in FILES.items()}
    for name, text in texts.items():
        target = directory / name
        target.write_text(text)
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
