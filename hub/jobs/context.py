"""What a running task may use, handed to it by the worker (``additional_context["hub"]``)."""

from __future__ import annotations

from dataclasses import dataclass

import procrastinate

from hub.services.channels.kit import Kit
from hub.services.sweeps import StepOutcome
from hub.settings import Settings
from hub.store.base import Database


@dataclass(frozen=True)
class Resources:
    """What a running task may use: the hub's database (its own pool in the worker), the
    settings, where a step's outcome is counted (the worker's metrics), and the notification
    channels (``kit``: made and closed by the worker; None where no delivery runs)."""

    db: Database
    settings: Settings
    outcome: StepOutcome
    kit: Kit | None = None

    def channels(self) -> Kit:
        """The worker's channel kit; an error if this worker was started without one."""
        if self.kit is None:
            raise RuntimeError("this worker has no notification channels (run `hub worker`)")
        return self.kit


def resources(context: procrastinate.JobContext) -> Resources:
    """The running job's :class:`Resources`."""
    found = context.additional_context.get("hub")
    if not isinstance(found, Resources):
        raise RuntimeError("a hub task ran in a worker without hub resources "
                           "(run workers with `hub worker`)")
    return found
