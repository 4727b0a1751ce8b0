"""HTTP API of the manager's day: activities on deals and clients, tasks, meetings, the queue."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from deals.domain.activity import ActivityFacts
from deals.domain.meeting import Meeting, MeetingPlan
from deals.domain.task import MANUAL, Task, TaskDraft
from deals.entrypoints.access import ACCESS
from deals.entrypoints.api_work import (
    ActivityIn,
    AssigneeIn,
    MeetingIn,
    MeetingMoveIn,
    MeetingOutcomeIn,
    TaskIn,
)
from deals.entrypoints.http_common import DealsHttp, out, out_of_sight_unless, page
from deals.service_layer.errors import NotFound
from deals.service_layer.work import DayWork
from shared.contracts.events.tasks import TaskLinks, TaskResolution
from shared.platform.access import LEADERS, Refused, caller_of, required_actor


def work_router(deps: DealsHttp, work: DayWork) -> APIRouter:
    """Routes under /v1/deals/{id}/activities, /v1/clients/{id}/activities, /v1/tasks,
    /v1/meetings, /v1/my/day and /v1/managers/{id}/day."""
    router = APIRouter(prefix="/v1")
    deal_in_scope = deps.deal_in_scope()
    client_in_scope = deps.client_in_scope()

    async def task_in_scope(task_id: str, request: Request) -> None:
        scope = await deps.scope(request)
        if scope.owners is not None:
            out_of_sight_unless(scope.sees((await work.tasks.get(task_id))["assignee_id"]), "task")

    async def meeting_in_scope(meeting_id: str, request: Request) -> None:
        scope = await deps.scope(request)
        if scope.owners is not None:
            found = await _meeting(work, meeting_id)
            seen = any(scope.sees(p) for p in found["people"])
            out_of_sight_unless(seen, "meeting")

    def facts(body: ActivityIn, request: Request) -> ActivityFacts:
        return ActivityFacts(
            activity_id=body.activity_id or f"activity-{uuid.uuid4().hex[:20]}",
            manager_id=required_actor(request, body.manager_id, field="manager_id"),
            kind=body.kind,
            occurred_at=body.occurred_at or deps.clock.now(),
            direction=body.direction,
            outcome=body.outcome,
            duration_seconds=body.duration_seconds,
            recording_url=None if body.recording_url is None else str(body.recording_url),
            objection_category=body.objection_category,
            summary=body.summary,
        )

    @router.post(
        "/deals/{deal_id}/activities",
        status_code=201,
        tags=["activities"],
        summary="Log a call, e-mail, message, meeting, note or objection on a deal",
        dependencies=[ACCESS.write(), deal_in_scope],
    )
    async def log_on_deal(deal_id: str, body: ActivityIn, request: Request) -> dict[str, Any]:
        activity = await work.activities.on_deal(deal_id, facts(body, request))
        return {"id": activity.aggregate_id, "deal_id": deal_id}

    @router.get(
        "/deals/{deal_id}/activities",
        tags=["activities"],
        summary="A deal's activities, newest first",
        dependencies=[ACCESS.read(), deal_in_scope],
    )
    async def deal_activities(deal_id: str) -> dict[str, Any]:
        return {"items": [out(a) for a in await work.activities.timeline("deal_id", deal_id)]}

    @router.post(
        "/clients/{client_id}/activities",
        status_code=201,
        tags=["activities"],
        summary="Log a call, e-mail, message, meeting, note or objection on a client",
        dependencies=[ACCESS.write(), client_in_scope],
    )
    async def log_on_client(client_id: str, body: ActivityIn, request: Request) -> dict[str, Any]:
        activity = await work.activities.on_client(client_id, facts(body, request))
        return {"id": activity.aggregate_id, "client_id": client_id}

    @router.get(
        "/clients/{client_id}/activities",
        tags=["activities"],
        summary="A client's activities (on it and its deals), newest first",
        dependencies=[ACCESS.read(), client_in_scope],
    )
    async def client_activities(client_id: str) -> dict[str, Any]:
        items = await work.activities.timeline("client_id", client_id)
        return {"items": [out(a) for a in items]}

    @router.post(
        "/tasks",
        status_code=201,
        tags=["tasks"],
        summary="Set a task: for yourself, or for someone in your team",
        dependencies=[ACCESS.write()],
    )
    async def set_task(body: TaskIn, request: Request) -> dict[str, Any]:
        """A due time in the past is refused unless `overdue` says it is meant so."""
        assignee = await deps.account_manager(request, body.assignee_id)
        if assignee is None:
            raise _missing("assignee_id")
        caller = caller_of(request)
        draft = TaskDraft(
            task_id=f"task-{uuid.uuid4().hex[:20]}",
            title=body.title,
            assignee_id=assignee,
            due_at=body.due_at,
            links=TaskLinks(lead_id=body.lead_id, deal_id=body.deal_id, client_id=body.client_id),
            origin=MANUAL,
            priority=body.priority,
            created_by=None if caller is None else caller.id,
        )
        await _known_links(deps, draft)
        return _task(await work.tasks.set(draft, overdue=body.overdue))

    @router.get(
        "/tasks",
        tags=["tasks"],
        summary="Tasks in your sight, earliest due first",
        dependencies=[ACCESS.read()],
    )
    async def list_tasks(
        request: Request,
        assignee_id: Annotated[str | None, Query(description="Only this person's.")] = None,
        state: Annotated[str | None, Query(pattern="^(open|done|cancelled)$")] = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        owners = (await deps.scope(request)).narrow(assignee_id)
        items, total = await work.tasks.page(
            assignees=owners, state=state, offset=offset, limit=limit
        )
        return page([out(t) for t in items], total, offset)

    @router.get(
        "/tasks/{task_id}",
        tags=["tasks"],
        summary="A task",
        dependencies=[ACCESS.read(), Depends(task_in_scope)],
    )
    async def get_task(task_id: str) -> dict[str, Any]:
        return out(await work.tasks.get(task_id))

    @router.post(
        "/tasks/{task_id}/complete",
        tags=["tasks"],
        summary="Mark a task done (a cadence task sets the next touch)",
        dependencies=[ACCESS.write(), Depends(task_in_scope)],
    )
    async def complete_task(task_id: str) -> dict[str, Any]:
        task = await work.tasks.close(task_id, TaskResolution.DONE)
        following = await work.rules.on_task_done(task)
        return {**_task(task), "next_task_id": None if following is None else following.id}

    @router.post(
        "/tasks/{task_id}/cancel",
        tags=["tasks"],
        summary="Cancel a task",
        dependencies=[ACCESS.write(), Depends(task_in_scope)],
    )
    async def cancel_task(task_id: str) -> dict[str, Any]:
        return _task(await work.tasks.close(task_id, TaskResolution.CANCELLED))

    @router.put(
        "/tasks/{task_id}/assignee",
        tags=["tasks"],
        summary="Hand a task to someone else in your team",
        dependencies=[ACCESS.allow(keys=("write",), roles=LEADERS), Depends(task_in_scope)],
    )
    async def hand_over_task(task_id: str, body: AssigneeIn, request: Request) -> dict[str, Any]:
        to = await deps.account_manager(request, body.assignee_id)
        assert to is not None
        return _task(await work.tasks.hand_over(task_id, to, reason="manual"))

    @router.post(
        "/meetings",
        status_code=201,
        tags=["meetings"],
        summary="Schedule a meeting on a deal or a client",
        dependencies=[ACCESS.write()],
    )
    async def schedule_meeting(body: MeetingIn, request: Request) -> dict[str, Any]:
        organizer = required_actor(request, body.organizer_id, field="organizer_id")
        scope = await deps.scope(request)
        if body.deal_id is not None:
            out_of_sight_unless(scope.sees((await deps.deals.get(body.deal_id)).manager_id), "deal")
        elif body.client_id is not None and scope.owners is not None:
            client = await deps.clients.get(body.client_id)
            out_of_sight_unless(scope.sees(client.get("manager_id")), "client")
        meeting = await work.meetings.schedule(
            _plan(body), organizer_id=organizer, deal_id=body.deal_id, client_id=body.client_id
        )
        return _meeting_view(meeting)

    @router.get(
        "/meetings/{meeting_id}",
        tags=["meetings"],
        summary="A meeting",
        dependencies=[ACCESS.read(), Depends(meeting_in_scope)],
    )
    async def get_meeting(meeting_id: str) -> dict[str, Any]:
        return out(await _meeting(work, meeting_id))

    @router.post(
        "/meetings/{meeting_id}/move",
        tags=["meetings"],
        summary="Move a meeting (logged as an activity; the reminder follows)",
        dependencies=[ACCESS.write(), Depends(meeting_in_scope)],
    )
    async def move_meeting(
        meeting_id: str, body: MeetingMoveIn, request: Request
    ) -> dict[str, Any]:
        current = await _meeting(work, meeting_id)
        plan = MeetingPlan(
            title=current["title"],
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            place=body.place if body.place is not None else current.get("place"),
            link=str(body.link) if body.link is not None else current.get("link"),
            staff_ids=tuple(current.get("staff_ids") or ()),
            client_attendees=tuple(current.get("client_attendees") or ()),
        )
        by = _actor(request)
        return _meeting_view(await work.meetings.move(meeting_id, plan, by=by))

    @router.post(
        "/meetings/{meeting_id}/held",
        tags=["meetings"],
        summary="The meeting took place (logged as a meeting activity)",
        dependencies=[ACCESS.write(), Depends(meeting_in_scope)],
    )
    async def meeting_held(
        meeting_id: str, body: MeetingOutcomeIn, request: Request
    ) -> dict[str, Any]:
        meeting = await work.meetings.held(meeting_id, by=_actor(request), summary=body.summary)
        return _meeting_view(meeting)

    @router.post(
        "/meetings/{meeting_id}/cancel",
        tags=["meetings"],
        summary="The meeting will not take place (logged as an activity)",
        dependencies=[ACCESS.write(), Depends(meeting_in_scope)],
    )
    async def cancel_meeting(
        meeting_id: str, body: MeetingOutcomeIn, request: Request
    ) -> dict[str, Any]:
        meeting = await work.meetings.cancel(meeting_id, by=_actor(request), reason=body.summary)
        return _meeting_view(meeting)

    @router.get(
        "/my/day",
        tags=["work queue"],
        summary="Your work queue for today",
        dependencies=[ACCESS.read()],
    )
    async def my_day(request: Request) -> dict[str, Any]:
        """Leads to call warmest first with their SLA clocks, overdue and today's tasks,
        today's meetings, stuck deals and installments falling due, in your time zone."""
        caller = caller_of(request)
        if caller is None or caller.kind != "person":
            raise Refused("a person's own day; systems read /v1/managers/{id}/day", "person")
        return {"manager_id": caller.id, **await work.queue.day_of(caller.id)}

    @router.get(
        "/managers/{manager_id}/day",
        tags=["work queue"],
        summary="A manager's work queue for today",
        dependencies=[ACCESS.read()],
    )
    async def manager_day(manager_id: str, request: Request) -> dict[str, Any]:
        out_of_sight_unless((await deps.scope(request)).sees(manager_id), "manager")
        return {"manager_id": manager_id, **await work.queue.day_of(manager_id)}

    return router


def _actor(request: Request) -> str:
    caller = caller_of(request)
    return "system" if caller is None else caller.id


def _missing(field: str) -> Exception:
    return RequestValidationError(
        [{"loc": ("body", field), "msg": "Field required", "type": "missing"}]
    )


async def _known_links(deps: DealsHttp, draft: TaskDraft) -> None:
    """A task about an unknown deal or client is refused as 404."""
    if draft.links.deal_id is not None:
        await deps.deals.get(draft.links.deal_id)
    if draft.links.client_id is not None:
        await deps.clients.get(draft.links.client_id)


async def _meeting(work: DayWork, meeting_id: str) -> dict[str, Any]:
    found: dict[str, Any] | None = await work.meeting_records.record(meeting_id)
    if found is None:
        raise NotFound("meeting")
    return found


def _plan(body: MeetingIn) -> MeetingPlan:
    return MeetingPlan(
        title=body.title,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        place=body.place,
        link=None if body.link is None else str(body.link),
        staff_ids=tuple(body.staff_ids),
        client_attendees=tuple(body.client_attendees),
    )


def _task(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "assignee_id": task.assignee_id,
        "team": task.team,
        "due_at": task.due_at,
        "priority": task.priority.value,
        "state": task.state.value,
        "origin": task.origin,
        "lead_id": task.links.lead_id,
        "deal_id": task.links.deal_id,
        "client_id": task.links.client_id,
        "created_by": task.created_by,
        "closed_at": task.closed_at,
        "told": [level.value for level in task.told],
    }


def _meeting_view(meeting: Meeting) -> dict[str, Any]:
    plan = meeting.plan
    return {
        "id": meeting.id,
        "title": plan.title,
        "organizer_id": meeting.organizer_id,
        "deal_id": meeting.deal_id,
        "client_id": meeting.client_id,
        "starts_at": plan.starts_at,
        "ends_at": plan.ends_at,
        "place": plan.place,
        "link": plan.link,
        "staff_ids": list(plan.staff_ids),
        "state": meeting.state.value,
        "outcome": meeting.outcome,
    }
