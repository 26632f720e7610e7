"""Serve an app the way `leadform serve` does (uvloop, httptools, leadform's
logging, no access log), for bench variants that are not leadform itself.

    python -m bench.serve MODULE:FACTORY PORT [WORKERS]
"""

from __future__ import annotations

import sys

import uvicorn

from leadform.web.log_format import log_config


def main(argv: list[str]) -> None:
    target, port = argv[0], int(argv[1])
    workers = int(argv[2]) if len(argv) > 2 else 1
    uvicorn.run(
        target,
        factory=target.endswith(":create_app"),
        host="127.0.0.1",
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        proxy_headers=False,
        log_level="info",
        log_config=log_config(),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
