"""The FastAGI scripts the dialplan calls: `AGI(agi://HOST:4573/NAME[,arg])`.

These names are the dialplan ↔ application contract (DESIGN §9): admins who edit the
dialplan rely on them, and `ivr.dialplan_check` refuses an `AGI()` naming any other script.
The dialplan calls them through the `[helpline-agi]` subroutine of
`dialplans/extensions_helpline.conf`; the channel variables they read and set are in
`ivr.variables`.
"""
from __future__ import annotations

import re

CALLER_LOOKUP = "caller-lookup"
COMPLAINT_STATUS = "complaint-status"
FEEDBACK = "feedback"
FEEDBACK_CALL = "feedback-call"
CALLBACK_REQUEST = "callback-request"
SURVEY = "survey"
HOURS = "hours"
VOICE_COMPLAINT = "voice-complaint"
RECORDING = "recording"
VIDEO_TICKET = "video-ticket"

AGI_SCRIPTS = (
    CALLER_LOOKUP,
    COMPLAINT_STATUS,
    FEEDBACK,
    FEEDBACK_CALL,
    CALLBACK_REQUEST,
    SURVEY,
    HOURS,
    VOICE_COMPLAINT,
    RECORDING,
    VIDEO_TICKET,
)

SCRIPT_MEANINGS = {
    CALLER_LOOKUP: "inbound, before the language menu: who calls (citizen, open complaints, language)",
    COMPLAINT_STATUS: "inbound: caller types a complaint number, hears state, department, level, due date",
    FEEDBACK: "inbound: the caller types the number of a disposed complaint and says satisfied or not",
    FEEDBACK_CALL: "outbound feedback call answered; argument = the dialer's attempt id",
    CALLBACK_REQUEST: "caller waiting for an agent asks for a callback; argument = why (CALLBACK_REASONS)",
    SURVEY: "outbound scheme-survey call answered; argument = the dialer's attempt id",
    HOURS: "inbound: are agents on duty (service hours, holidays) and is there an emergency message; "
           "argument = the queue (default helpline-<language>)",
    VOICE_COMPLAINT: "after hours: the caller records a complaint; stores a callback request with the recording's name",
    RECORDING: "caller about to wait in a queue; argument = the queue; names the recording when that queue records",
    VIDEO_TICKET: "video call from the public page /video; argument = its ticket (X-Helpline-Ticket); admits it to helpline-video",
}

# Where a flow that fails sends the call (the FastAGI server does this before it closes the
# session): SET VARIABLE HELPLINE_AGI_FAILED <script>, then SET CONTEXT, SET EXTENSION and,
# last, SET PRIORITY (res_agi makes the priority land exactly on 1 only when set last).
# The context apologises and hands the caller to an agent.
FAILURE_CONTEXT = "helpline-failure"
FAILURE_EXTENSION = "s"
FAILURE_PRIORITY = 1

# Contexts the dialer's AMI Originate lands answered calls in (Exten s, Priority 1).
FEEDBACK_CONTEXT = "helpline-feedback"
SURVEY_CONTEXT = "helpline-survey"
# Click-to-call: Originate Channel PJSIP/<agent extension>, this context, Exten <number>.
CLICK_TO_CALL_CONTEXT = "helpline-outbound"

# The agent queues; an agent's interface in them is PJSIP/<extension>.
QUEUES = ("helpline-hi", "helpline-en", "helpline-video")

# An agent's extension is its PJSIP endpoint name and must be reachable in [helpline-agents]
# (blind transfers): lowercase letters and digits starting with a letter (agent1001), or a
# four-digit 2XXX number.
AGENT_EXTENSION = re.compile(r"[a-z][a-z0-9]{0,31}|2[0-9]{3}")
