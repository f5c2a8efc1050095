"""The complaint lifecycle (DESIGN §2) as a pure, table-driven state machine.

```
registered ─assign→ at_l1 ─dispose→ disposed ─feedback: satisfied→ closed
                      ▲                  │ feedback: dissatisfied, first time → at_l1 (reopened)
                      └──────────────────┤ feedback: dissatisfied again  → at_l2 (escalated)
at_l2 ─dispose→ disposed_l2 ─feedback (any)→ closed   (L2's disposal is final; the feedback is kept)
disposed / disposed_l2 ─no answer after max attempts→ closed (feedback = unreachable)
at_l1 / at_l2 ─transfer→ at_l1 of another department (deadline restarts)
at_l2 ─return (L2 officer, with a direction)→ at_l1 (deadline restarts)
at_l1 ─escalate (system: overdue past the category's rule)→ at_l2
```
`decide()` knows nothing of storage: it takes the facts it needs and returns a `Transition`
naming the target state and its effects, or raises `TransitionRefused`.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from grievance.errors import TransitionRefused


class State(StrEnum):
    REGISTERED = "registered"
    AT_L1 = "at_l1"
    DISPOSED = "disposed"
    AT_L2 = "at_l2"
    DISPOSED_L2 = "disposed_l2"
    CLOSED = "closed"


class Action(StrEnum):
    ASSIGN = "assign"
    DISPOSE = "dispose"
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"
    UNREACHABLE = "unreachable"
    TRANSFER = "transfer"
    RETURN = "return"  # L2 sends the complaint back to L1 with a direction
    ESCALATE = "escalate"  # the deadline rules: overdue long enough at L1 → L2


class Actor(StrEnum):
    AGENT = "agent"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    IVR = "ivr"
    DIALER = "dialer"
    SYSTEM = "system"
    CHAT = "chat"  # the WhatsApp bot, acting on what the citizen chose
    COLLECTOR = "collector"  # district collector / state nodal officer: reads, never moves a complaint


class Effect(StrEnum):
    """What the service must do besides changing the state."""

    ROUTE_L1 = "route_l1"  # assign the department's L1 officer, restart the deadline
    ROUTE_L2 = "route_l2"  # assign the L2 officer, restart the deadline, mark escalated
    REOPEN = "reopen"  # count the reopening, restart the deadline
    STORE_REPORT = "store_report"
    STAMP_DISPOSED = "stamp_disposed"
    QUEUE_FEEDBACK = "queue_feedback"
    KEEP_FEEDBACK = "keep_feedback"
    STAMP_CLOSED = "stamp_closed"
    CHANGE_DEPARTMENT = "change_department"


FEEDBACK_ACTORS = frozenset({Actor.AGENT, Actor.SUPERVISOR, Actor.ADMIN, Actor.IVR, Actor.DIALER, Actor.CHAT})


@dataclass(frozen=True, slots=True)
class Rule:
    to: State
    actors: frozenset[Actor]
    effects: tuple[Effect, ...]


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    from_state: State
    to_state: State
    effects: tuple[Effect, ...]


def _rule(to: State, actors: set[Actor], *effects: Effect) -> Rule:
    return Rule(to, frozenset(actors), effects)


_FEEDBACK_L1 = (Effect.KEEP_FEEDBACK,)
# (state, action) → rule.  The dissatisfied-at-L1 case depends on the reopen count and is
# resolved in decide(): first time → at_l1 (reopen), again → at_l2 (escalate).
TABLE: dict[tuple[State, Action], Rule] = {
    (State.REGISTERED, Action.ASSIGN): _rule(
        State.AT_L1, {Actor.SYSTEM, Actor.AGENT, Actor.IVR, Actor.SUPERVISOR, Actor.ADMIN}, Effect.ROUTE_L1
    ),
    (State.AT_L1, Action.DISPOSE): _rule(
        State.DISPOSED, {Actor.OFFICER}, Effect.STORE_REPORT, Effect.STAMP_DISPOSED, Effect.QUEUE_FEEDBACK
    ),
    (State.AT_L2, Action.DISPOSE): _rule(
        State.DISPOSED_L2, {Actor.OFFICER}, Effect.STORE_REPORT, Effect.STAMP_DISPOSED, Effect.QUEUE_FEEDBACK
    ),
    (State.DISPOSED, Action.SATISFIED): _rule(
        State.CLOSED, set(FEEDBACK_ACTORS), Effect.KEEP_FEEDBACK, Effect.STAMP_CLOSED
    ),
    (State.DISPOSED, Action.DISSATISFIED): _rule(
        State.AT_L1, set(FEEDBACK_ACTORS), Effect.KEEP_FEEDBACK, Effect.REOPEN
    ),
    (State.DISPOSED_L2, Action.SATISFIED): _rule(
        State.CLOSED, set(FEEDBACK_ACTORS), Effect.KEEP_FEEDBACK, Effect.STAMP_CLOSED
    ),
    (State.DISPOSED_L2, Action.DISSATISFIED): _rule(
        State.CLOSED, set(FEEDBACK_ACTORS), Effect.KEEP_FEEDBACK, Effect.STAMP_CLOSED
    ),
    (State.DISPOSED, Action.UNREACHABLE): _rule(
        State.CLOSED, {Actor.DIALER, Actor.SYSTEM, Actor.SUPERVISOR, Actor.ADMIN, Actor.AGENT},
        Effect.KEEP_FEEDBACK, Effect.STAMP_CLOSED,
    ),
    (State.DISPOSED_L2, Action.UNREACHABLE): _rule(
        State.CLOSED, {Actor.DIALER, Actor.SYSTEM, Actor.SUPERVISOR, Actor.ADMIN, Actor.AGENT},
        Effect.KEEP_FEEDBACK, Effect.STAMP_CLOSED,
    ),
    (State.AT_L1, Action.TRANSFER): _rule(
        State.AT_L1, {Actor.OFFICER, Actor.SUPERVISOR, Actor.ADMIN}, Effect.CHANGE_DEPARTMENT, Effect.ROUTE_L1
    ),
    (State.AT_L2, Action.TRANSFER): _rule(
        State.AT_L1, {Actor.OFFICER, Actor.SUPERVISOR, Actor.ADMIN}, Effect.CHANGE_DEPARTMENT, Effect.ROUTE_L1
    ),
    (State.AT_L2, Action.RETURN): _rule(State.AT_L1, {Actor.OFFICER}, Effect.ROUTE_L1),
    (State.AT_L1, Action.ESCALATE): _rule(State.AT_L2, {Actor.SYSTEM}, Effect.ROUTE_L2),
}

MAX_REOPENS = 1


def decide(state: State | str, action: Action | str, actor: Actor | str, *, reopen_count: int = 0) -> Transition:
    """The transition `action` by `actor` causes from `state`, or TransitionRefused."""
    try:
        state, action, actor = State(state), Action(action), Actor(actor)
    except ValueError as exc:
        raise TransitionRefused(f"unknown state, action or actor: {exc}") from exc
    rule = TABLE.get((state, action))
    if rule is None:
        allowed = sorted(a.value for (s, a) in TABLE if s is state)
        raise TransitionRefused(
            f"a complaint in state {state.value!r} cannot be {_verb(action)}",
            state=state.value, action=action.value, allowed=allowed,
        )
    if actor not in rule.actors:
        raise TransitionRefused(
            f"{actor.value} may not {action.value} a complaint in state {state.value!r}",
            state=state.value, action=action.value, actor=actor.value,
        )
    if state is State.DISPOSED and action is Action.DISSATISFIED and reopen_count >= MAX_REOPENS:
        return Transition(action, state, State.AT_L2, (Effect.KEEP_FEEDBACK, Effect.ROUTE_L2))
    return Transition(action, state, rule.to, rule.effects)


def allowed_actions(state: State | str) -> list[str]:
    state = State(state)
    return sorted(a.value for (s, a) in TABLE if s is state)


def _verb(action: Action) -> str:
    return {
        Action.ASSIGN: "assigned",
        Action.DISPOSE: "disposed",
        Action.SATISFIED: "given satisfied feedback",
        Action.DISSATISFIED: "given dissatisfied feedback",
        Action.UNREACHABLE: "closed as unreachable",
        Action.TRANSFER: "transferred",
        Action.RETURN: "returned to L1",
        Action.ESCALATE: "escalated",
    }[action]
