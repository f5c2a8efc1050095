"""The explicit route table of the FastAGI server: script name → flow (DESIGN §9).

No registration by import side effects: every script of ivr.scripts.AGI_SCRIPTS is listed
here, bound to the services it needs.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from ivr import scripts
from ivr.fastagi import Route
from ivr.flows import (callback_request, caller_lookup, complaint_status, feedback, feedback_call, hours, recording,
                       survey, video_ticket, voice_complaint)
from ivr.flows.common import Flow, FlowDeps

FLOWS: Mapping[str, Flow] = {
    scripts.CALLER_LOOKUP: caller_lookup.run,
    scripts.COMPLAINT_STATUS: complaint_status.run,
    scripts.FEEDBACK: feedback.run,
    scripts.FEEDBACK_CALL: feedback_call.run,
    scripts.CALLBACK_REQUEST: callback_request.run,
    scripts.SURVEY: survey.run,
    scripts.HOURS: hours.run,
    scripts.VOICE_COMPLAINT: voice_complaint.run,
    scripts.RECORDING: recording.run,
    scripts.VIDEO_TICKET: video_ticket.run,
}


def build_routes(deps: FlowDeps) -> dict[str, Route]:
    """One route per AGI script, each a flow bound to `deps`."""
    return {name: partial(flow, deps=deps) for name, flow in FLOWS.items()}


__all__ = ["FLOWS", "FlowDeps", "build_routes"]
