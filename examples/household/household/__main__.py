"""``python -m household``: migrate `shop`'s schema and serve the service over HTTP."""

from __future__ import annotations

import os

import uvicorn
from shop_adapters.http import create_app
from shop_adapters.settings import MEMORY_URL, Settings
from shop_adapters.sql.engine import upgrade

from household.app import build_runtime


def main() -> None:
    settings = Settings.from_env()
    if settings.database_url != MEMORY_URL:
        os.makedirs("var", exist_ok=True)
        upgrade(settings.database_url)  # `shop`'s tables; the household's are made at start
    app = create_app(build_runtime(settings), owns_runtime=True)
    uvicorn.run(app, host=settings.http_host, port=int(os.environ.get("PORT", "8001")))


if __name__ == "__main__":
    main()
