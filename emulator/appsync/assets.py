"""GraphiQL's browser files for the page at `/graphql`, served by the local AppSync itself at
`/local/assets/<package>/<file>` so the page loads nothing from outside this machine.

They come from the pinned npm project in `emulator/static/graphiql` (`make playground` runs `npm ci` there).
Only the packages its package.json names are served, and only their script, style and source-map files.
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

PROJECT = Path(__file__).resolve().parents[1] / "static" / "graphiql"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
}


class Assets:
    def __init__(self, project: Path = PROJECT) -> None:
        self.modules = project / "node_modules"
        manifest = project / "package.json"
        # An install without the npm project (a wheel) serves nothing; the page then says what to run.
        self.packages = frozenset(json.loads(manifest.read_text())["dependencies"] if manifest.is_file() else ())

    def find(self, package: str, path: str) -> Path | None:
        """The installed file, or None when it is missing or not one this route serves."""
        if package not in self.packages:
            return None
        base = (self.modules / package).resolve()
        file = (base / path).resolve()
        if not file.is_relative_to(base) or file.suffix not in CONTENT_TYPES or not file.is_file():
            return None
        return file

    async def endpoint(self, request: Request) -> Response:
        file = self.find(request.path_params["package"], request.path_params["path"])
        if file is None:
            return PlainTextResponse(
                "Not found. GraphiQL's files are installed by `make playground` (npm ci in emulator/static/graphiql).",
                status_code=404,
            )
        # Revalidate each load: a `make playground` after a version bump is seen at once.
        return FileResponse(file, media_type=CONTENT_TYPES[file.suffix], headers={"cache-control": "no-cache"})
