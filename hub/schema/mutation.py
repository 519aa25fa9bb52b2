"""The root Mutation."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from hub.schema.dispatch import (
    CommitDispatchPayload,
    DispatchPlan,
    commit_dispatch,
    preview_dispatch,
)
from hub.schema.records_mutations import RecordsMutation
from hub.schema.registration import RegistrationMutation
from hub.schema.workflow import WorkflowMutation


@strawberry.type
class DispatchMutation:
    preview_dispatch: DispatchPlan = strawberry.mutation(
        resolver=preview_dispatch,
        description="派单 preview: solve the open demands of a region subtree starting in "
                    "[from, to) with the matcher and store the plan (nothing is dispatched).")
    commit_dispatch: CommitDispatchPayload = strawberry.mutation(
        resolver=commit_dispatch,
        description="Offer every assignment of a previewed plan to its volunteer.")


Mutation = merge_types(
    "Mutation", (DispatchMutation, WorkflowMutation, RecordsMutation, RegistrationMutation))
