"""Channel variable names shared by the dialplan, the FastAGI flows, the dialer and the CTI.

Every variable the application or `dialplans/` set starts with `HELPLINE_`. Each constant says
who sets it and who reads it; the allowed values are listed next to it. Flows read them with
GET VARIABLE and set them with SET VARIABLE; the CTI sees them as AMI `VarSet` events of the
caller's channel.
"""
from __future__ import annotations

# --- globals (dialplans/extensions_helpline_globals.conf, set once by the admin) -----------

AGI = "HELPLINE_AGI"                    # FastAGI base URL, agi://host:4573; read by the dialplan
TRUNK = "HELPLINE_TRUNK"                # PJSIP endpoint of the SIP trunk; read by [helpline-outbound]
CALLERID = "HELPLINE_CALLERID"          # caller ID number on agents' outbound calls; read by the dialplan
QUEUE_MAX_WAIT = "HELPLINE_QUEUE_MAX_WAIT"  # seconds in a queue before Queue() returns TIMEOUT

# --- the call's language and path -----------------------------------------------------------

LANG = "HELPLINE_LANG"
# "hi" or "en". Set by the dialplan (default hi; the language menu; a known caller's language)
# and by the dialer's Originate for outbound calls (anything but "en" becomes "hi"). Read by
# every flow (which prompts to speak), the dialplan (queue helpline-<lang>) and the CTI.
LANGUAGES = ("hi", "en")

IVR_PATH = "HELPLINE_IVR_PATH"
# The menu path the caller took, set by the dialplan ([helpline-ivr-path]), read by the CTI for
# the screen pop. Steps `menu:key` joined by ">", oldest first, e.g. "lang:hi>main:2>main:0";
# key is the digit pressed, "t" for no input, "i" for an invalid key; the language step records
# the language chosen (lang:hi / lang:en). Menus: lang, main, info (schemes), queue (key pressed
# while waiting), cbk (callback offer), fail (n-th application failure), desk (an agent sent
# the caller to a flow: desk:feedback), closed (the after-hours menu; closed:in on arrival).
# Stops growing past 200 characters.
IVR_PATH_SEPARATOR = ">"
IVR_MENUS = ("lang", "main", "info", "queue", "cbk", "fail", "desk", "closed")

TRIES = "HELPLINE_TRIES"                # dialplan only: wrong or missing choices in the current menu
FAILURES = "HELPLINE_FAILURES"          # dialplan only: application failures in this call (loop guard)

# --- caller-lookup (inbound, before the language menu) ---------------------------------------

CALLER_KNOWN = "HELPLINE_CALLER_KNOWN"
# "1" when at least one citizen is registered with the caller's number, else "0". Set by
# caller-lookup; read by the CTI (screen pop) and later flows.
OPEN_COMPLAINTS = "HELPLINE_OPEN_COMPLAINTS"
# Number of open (not closed) complaints of the caller's citizens, digits. Set by
# caller-lookup; the main menu mentions them (option 2) when above 0.
CITIZEN_NAME = "HELPLINE_CITIZEN_NAME"
# The citizen's name (UTF-8) when exactly one citizen has the number, else unset. Set by
# caller-lookup; read by the CTI.
CITIZEN_LANG = "HELPLINE_CITIZEN_LANG"
# The known citizen's preferred language (hi/en). Set by caller-lookup; the dialplan makes it
# the language menu's default.

# --- complaint status and feedback ----------------------------------------------------------

COMPLAINT_NO = "HELPLINE_COMPLAINT_NO"
# The 11-digit complaint number the call is about. Set by complaint-status and feedback once
# the caller typed a valid number, and by the dialer's Originate for feedback calls. Read by
# the CTI (screen pop) and feedback-call.
STATUS_RESULT = "HELPLINE_STATUS_RESULT"
# Outcome of complaint-status, set by that flow, read by the CTI and reports.
STATUS_RESULTS = ("found", "not-found", "invalid-number", "no-input", "hangup")
FEEDBACK_RESULT = "HELPLINE_FEEDBACK_RESULT"
# Outcome of feedback (inbound) and feedback-call (outbound), set by those flows; read by the
# dialer (attempt outcome) and the CTI. not-eligible: the complaint is not waiting for feedback.
FEEDBACK_RESULTS = (
    "satisfied", "dissatisfied", "no-input", "invalid-number", "not-found", "not-eligible", "hangup",
)

NEXT = "HELPLINE_NEXT"
# Where the caller goes after an inbound flow or an answered outbound flow. Cleared by the
# dialplan before each FastAGI script, set by the flow, read by [helpline-next] and the
# outbound contexts: "" or "menu" = back to the main menu (outbound: hang up), "agent" = the
# agent queue, "hangup" = goodbye (the flow has said what it had to say).
NEXT_VALUES = ("menu", "agent", "hangup")

# --- agent queues and callbacks -----------------------------------------------------------

QUEUE = "HELPLINE_QUEUE"
# The agent queue the caller waits in: helpline-hi, helpline-en or helpline-video. Set by the
# dialplan; read by callback-request and the CTI.
QUEUE_JOINED = "HELPLINE_QUEUE_JOINED"
# Unix time (seconds, Asterisk's ${EPOCH}) the caller first joined an agent queue in this call;
# kept when the caller comes back to the queue. Set by the dialplan; read by callback-request
# (callbacks are made in this order, so a callback keeps the caller's place) and the CTI.
CALLBACK_REASON = "HELPLINE_CALLBACK_REASON"
# Why a callback is requested, set by the dialplan, passed to callback-request as its argument.
# caller: pressed 1 while waiting; timeout: waited HELPLINE_QUEUE_MAX_WAIT; full: queue full;
# unavailable: no agent logged in or reachable (JOINEMPTY, JOINUNAVAIL, LEAVEEMPTY, LEAVEUNAVAIL);
# closed: asked after hours ([helpline-closed]).
CALLBACK_REASONS = ("caller", "timeout", "full", "unavailable", "closed")
CALLBACK = "HELPLINE_CALLBACK"
# Id of the recorded (or already open) callback request for this caller; empty = not recorded.
# Cleared by the dialplan, set by callback-request; the dialplan confirms and hangs up when
# set, else puts the caller back in the queue. Read by the CTI.
CALLBACK_TRIES = "HELPLINE_CALLBACK_TRIES"  # dialplan only: callback requests that were not recorded

# --- service hours, holidays, the emergency message (FastAGI hours) ---------------------------

OPEN = "HELPLINE_OPEN"
# "1" when agents answer the queue now (service hours, holiday calendar), "0" when not. Set by
# hours (inbound, and again for the queue the caller asks for); the dialplan sends a closed
# caller to [helpline-closed]. Unset (the application did not answer) counts as open.
CLOSED_REASON = "HELPLINE_CLOSED_REASON"
# Why the queue is closed: "holiday" or "hours"; empty when open. Set by hours.
CLOSED_REASONS = ("holiday", "hours")
EMERGENCY = "HELPLINE_EMERGENCY"
# The emergency message's prompt (helpline/emergency) while a supervisor has it switched on,
# else empty. Set by hours; [helpline-main] plays it once before the menu, then clears it.
RECORDING = "HELPLINE_RECORDING"
# Base name of an after-hours recorded complaint (no folder, no extension). Set by
# voice-complaint; the dialplan records ${HELPLINE_RECORDINGS}/${HELPLINE_RECORDING}.wav.
RECORDINGS = "HELPLINE_RECORDINGS"      # global: the folder Record() writes to (HELPLINE_RECORDINGS_DIR)

# --- recordings (the queue's administrator setting) ------------------------------------------

CALL_RECORDING = "HELPLINE_CALL_RECORDING"
# The call's recording, relative to HELPLINE_CALL_RECORDINGS_DIR: YYYY/MM/DD/<uniqueid>.wav. Set by
# the `recording` flow when the caller's queue records; read by the CTI (the call's row).
CALL_RECORDING_FILE = "HELPLINE_CALL_RECORDING_FILE"
# The same file as Asterisk sees it (HELPLINE_CALL_RECORDINGS_PBX_DIR); empty = not recorded. Cleared
# by the dialplan, set by `recording`; the dialplan plays helpline/recording-notice and starts
# MixMonitor(<file>,b) on the caller's channel (both legs, while bridged with an agent).

VIDEO_OK = "HELPLINE_VIDEO_OK"
# "1" when a call from the public video page brought a valid ticket. Cleared by the dialplan
# ([helpline-video-web]), set by `video-ticket`; without it the call is refused.
VIDEO_WEB = "HELPLINE_VIDEO_WEB"
# "1" on a call from the public video page, set first thing by [helpline-video-web]; read by
# [helpline-failure], which refuses such a call (cause 38) instead of the voice queues.
VIDEO_TICKET = "HELPLINE_VIDEO_TICKET"
# The page's ticket (X-Helpline-Ticket, filtered to 0-9a-f.), set by the dialplan: the argument of
# `video-ticket`, and the GROUP() that lets one ticket carry one call at a time.

# --- outbound (dialer) -----------------------------------------------------------------------

ATTEMPT = "HELPLINE_ATTEMPT"
# The dialer's attempt id (digits). Set by the dialer's AMI Originate (Variable:); the dialplan
# passes it to feedback-call and survey as their argument; the CTI correlates with it.
SURVEY_DONE = "HELPLINE_SURVEY_DONE"
# "1" when the citizen answered every survey question, "0" otherwise. Set by survey; read by
# the dialer (attempt outcome).

# --- failures --------------------------------------------------------------------------------

AGI_FAILED = "HELPLINE_AGI_FAILED"
# What failed: the FastAGI script name, or "queue:<name>" when Queue() could not run. Set by
# the FastAGI server before it sends the call to helpline-failure,s,1, and by the dialplan
# ([helpline-agi] on AGISTATUS=FAILURE, [helpline-queue-exit] i). Read by [helpline-failure]
# and the CTI.

# --- transfers between pods (issue 10, docs/scale-out.md) -----------------------------------

POD_TRUNK = "HELPLINE_POD_TRUNK"
# The PJSIP endpoint of the inter-pod trunk to the pod where the transfer's target agent is
# registered (Helpline's HELPLINE_POD_TRUNKS). Set by the CTI (AMI Setvar on the caller's
# channel) before it redirects the caller to [helpline-to-pod]; filtered there to -a-z0-9_.
TRANSFER_TO = "HELPLINE_TRANSFER_TO"
# The extension (agent, officer's or typed number) a blind transfer within the pod moves the
# caller to: set by the CTI (AMI Setvar on the caller's channel) before its Redirect into
# [helpline-agents]. The CTI ends the moving agent's pop as `transferred` and pops the agent it
# names; not answered, [helpline-transfer-back] clears it and takes the caller back to the queue.
# A blind transfer to a queue sets it to the queue's name before its Redirect into
# [helpline-transfer-queue]: the moving agent's pop ends as `transferred`, and the agent that
# queue connects becomes the call's agent.
ATXFER_TO = "HELPLINE_ATXFER_TO"
# The agent endpoint (agent1002) an attended transfer rings: set by the CTI (AMI Setvar on the
# transferring agent's leg) before its Atxfer names extension 1 of [helpline-atxfer], which reads
# it back from that leg (AMI Atxfer plays its extension as DTMF: letters cannot pass).
POD_AGENT = "HELPLINE_POD_AGENT"        # dialplan only: the filtered agent endpoint a pod transfer rings
FROM_POD = "HELPLINE_FROM_POD"
# On the receiving pod: the peer pod's endpoint a transferred call came in on, set by
# [helpline-from-pods]. Read by the CTI: the call is a transfer, its Dial to the agent pops the
# agent's desk (call.ringing / call.answered) as a queue call does.
TRANSFER_OF = "HELPLINE_TRANSFER_OF"
# On the receiving pod: the call's id on the pod it came from (the X-Helpline-Call header the
# sending pod adds, filtered to -a-z0-9_.), set by [helpline-from-pods]. Read by the CTI.

DIAL_NUMBER = "HELPLINE_DIAL_NUMBER"    # dialplan only: the filtered number an agent dials out to

ALL = (
    AGI, TRUNK, CALLERID, QUEUE_MAX_WAIT, LANG, IVR_PATH, TRIES, FAILURES, CALLER_KNOWN,
    OPEN_COMPLAINTS, CITIZEN_NAME, CITIZEN_LANG, COMPLAINT_NO, STATUS_RESULT, FEEDBACK_RESULT,
    NEXT, QUEUE, QUEUE_JOINED, CALLBACK_REASON, CALLBACK, CALLBACK_TRIES, ATTEMPT, SURVEY_DONE,
    AGI_FAILED, DIAL_NUMBER, OPEN, CLOSED_REASON, EMERGENCY, RECORDING, RECORDINGS, CALL_RECORDING,
    CALL_RECORDING_FILE, VIDEO_OK, VIDEO_TICKET, VIDEO_WEB, TRANSFER_TO, ATXFER_TO, POD_TRUNK, POD_AGENT, FROM_POD, TRANSFER_OF,
)


def ivr_path_steps(path: str) -> list[tuple[str, str]]:
    """Split a HELPLINE_IVR_PATH value into (menu, key) steps; malformed steps are skipped."""
    steps = []
    for step in path.split(IVR_PATH_SEPARATOR):
        menu, sep, key = step.partition(":")
        if sep and menu and key:
            steps.append((menu, key))
    return steps
