"""Every allowed and every refused transition of the complaint state machine."""
from __future__ import annotations

import itertools

import pytest

from grievance.errors import TransitionRefused
from grievance.lifecycle import Action, Actor, Effect, State, allowed_actions, decide

FEEDBACK = {Actor.AGENT, Actor.SUPERVISOR, Actor.ADMIN, Actor.IVR, Actor.DIALER, Actor.CHAT}
CLOSERS = {Actor.DIALER, Actor.SYSTEM, Actor.SUPERVISOR, Actor.ADMIN, Actor.AGENT}
MOVERS = {Actor.OFFICER, Actor.SUPERVISOR, Actor.ADMIN}

# (state, action, reopen_count) → (target, actors allowed)
EXPECTED: dict[tuple[State, Action, int], tuple[State, set[Actor]]] = {
    (State.REGISTERED, Action.ASSIGN, 0): (State.AT_L1, {Actor.SYSTEM, Actor.AGENT, Actor.IVR, Actor.SUPERVISOR, Actor.ADMIN}),
    (State.AT_L1, Action.DISPOSE, 0): (State.DISPOSED, {Actor.OFFICER}),
    (State.AT_L2, Action.DISPOSE, 0): (State.DISPOSED_L2, {Actor.OFFICER}),
    (State.DISPOSED, Action.SATISFIED, 0): (State.CLOSED, FEEDBACK),
    (State.DISPOSED, Action.DISSATISFIED, 0): (State.AT_L1, FEEDBACK),
    (State.DISPOSED, Action.DISSATISFIED, 1): (State.AT_L2, FEEDBACK),
    (State.DISPOSED_L2, Action.SATISFIED, 0): (State.CLOSED, FEEDBACK),
    (State.DISPOSED_L2, Action.DISSATISFIED, 0): (State.CLOSED, FEEDBACK),
    (State.DISPOSED, Action.UNREACHABLE, 0): (State.CLOSED, CLOSERS),
    (State.DISPOSED_L2, Action.UNREACHABLE, 0): (State.CLOSED, CLOSERS),
    (State.AT_L1, Action.TRANSFER, 0): (State.AT_L1, MOVERS),
    (State.AT_L2, Action.TRANSFER, 0): (State.AT_L1, MOVERS),
    (State.AT_L2, Action.RETURN, 0): (State.AT_L1, {Actor.OFFICER}),
    (State.AT_L1, Action.ESCALATE, 0): (State.AT_L2, {Actor.SYSTEM}),
}


@pytest.mark.parametrize("state,action,actor", list(itertools.product(State, Action, Actor)))
def test_every_state_action_actor(state: State, action: Action, actor: Actor) -> None:
    for reopen in (0, 1):
        key = (state, action, reopen) if (state, action, reopen) in EXPECTED else (state, action, 0)
        expected = EXPECTED.get(key)
        if expected is None or actor not in expected[1]:
            with pytest.raises(TransitionRefused) as info:
                decide(state, action, actor, reopen_count=reopen)
            assert state.value in info.value.message
        else:
            t = decide(state, action, actor, reopen_count=reopen)
            assert t.from_state is state and t.to_state is expected[0]


def test_first_dissatisfaction_reopens_second_escalates() -> None:
    first = decide("disposed", "dissatisfied", "dialer", reopen_count=0)
    assert first.to_state is State.AT_L1 and Effect.REOPEN in first.effects
    second = decide("disposed", "dissatisfied", "dialer", reopen_count=1)
    assert second.to_state is State.AT_L2 and Effect.ROUTE_L2 in second.effects


def test_l2_disposal_is_final_but_feedback_kept() -> None:
    t = decide("disposed_l2", "dissatisfied", "ivr")
    assert t.to_state is State.CLOSED and Effect.KEEP_FEEDBACK in t.effects


def test_disposal_queues_feedback() -> None:
    assert Effect.QUEUE_FEEDBACK in decide("at_l1", "dispose", "officer").effects
    assert Effect.QUEUE_FEEDBACK in decide("at_l2", "dispose", "officer").effects


def test_refusal_names_allowed_actions() -> None:
    with pytest.raises(TransitionRefused) as info:
        decide("closed", "dispose", "officer")
    assert info.value.details["allowed"] == []
    with pytest.raises(TransitionRefused) as info:
        decide("at_l1", "satisfied", "agent")
    assert info.value.details["allowed"] == ["dispose", "escalate", "transfer"]
    assert "cannot be given satisfied feedback" in info.value.message


def test_unknown_names_are_refused() -> None:
    with pytest.raises(TransitionRefused):
        decide("lost", "dispose", "officer")
    with pytest.raises(TransitionRefused):
        decide("at_l1", "burn", "officer")
    with pytest.raises(TransitionRefused):
        decide("at_l1", "dispose", "citizen")


def test_allowed_actions() -> None:
    assert allowed_actions("disposed") == ["dissatisfied", "satisfied", "unreachable"]
    assert allowed_actions("closed") == []
