"""common.frozen.maker: the same object as the frozen dataclass's own constructor, built quicker."""
from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from common.frozen import maker
from cti import events as ev
from cti.call_records import CallRecord, _Call


def test_made_event_is_the_frozen_class_in_every_way() -> None:
    values = (12.5, "PJSIP/x-1", "1.1", "1.0", None, 6, "Up")
    made, plain = maker(ev.Newstate)(*values), ev.Newstate(*values)
    assert type(made) is ev.Newstate
    assert made == plain and hash(made) == hash(plain) and repr(made) == repr(plain)
    assert dataclasses.astuple(made) == values
    assert not hasattr(made, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.state = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del made.state  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(made)) == plain
    assert copy.deepcopy(made) == plain
    assert dataclasses.replace(made, state=5) == ev.Newstate(*values[:5], 5, "Up")


def test_call_record_copies_the_variables() -> None:
    call = _Call("1.0", "PJSIP/x-1", "1.0", "98", None, 1.0, 1.0)
    call.variables["HELPLINE_LANG"] = "hi"
    record = call.record()
    assert type(record) is CallRecord
    call.variables["HELPLINE_LANG"] = "en"
    assert record.variables == {"HELPLINE_LANG": "hi"}
    assert record == CallRecord(**{f.name: getattr(record, f.name) for f in dataclasses.fields(CallRecord)})


def test_maker_refuses_what_it_cannot_build() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    with pytest.raises(TypeError):
        maker(NoSlots)
