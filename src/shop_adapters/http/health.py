"""Liveness and readiness probes, open to anyone (no token, no internals in the answers)."""

from __future__ import annotations

import asyncio
import logging

from litestar import Controller, get
from litestar.di import NamedDependency

from shop_adapters.http.auth import PUBLIC
from shop_adapters.http.problems import HttpProblem, problem_spec
from shop_adapters.http.schemas import Status
from shop_adapters.runtime import Runtime
from shop_app.shared.errors import StorageUnavailable

log = logging.getLogger("shop_adapters.http")

READY_TIMEOUT_SECONDS = 5.0


class HealthController(Controller):
    path = "/health"
    tags = ["health"]
    opt = dict(PUBLIC)

    @get("/live", summary="The process is up", cache=False)
    async def live(self) -> Status:
        return Status(status="ok")

    @get(
        "/ready",
        summary="Dependencies (the database) are usable",
        cache=False,
        responses={503: problem_spec("A dependency is not usable (`health.not_ready`)")},
    )
    async def ready(self, runtime: NamedDependency[Runtime]) -> Status:
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                await runtime.check_ready()
        except (StorageUnavailable, TimeoutError) as exc:
            # expected while the database is away: one line per probe, no traceback
            log.warning("readiness check failed: %s", exc)
            raise HttpProblem(503, "health.not_ready", "the service is not ready") from None
        except Exception as exc:
            log.warning("readiness check failed: %s", type(exc).__name__, exc_info=exc)
            raise HttpProblem(503, "health.not_ready", "the service is not ready") from None
        return Status(status="ok")
