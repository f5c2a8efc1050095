"""What happened to an Originate, from the AMI events of its channel (pure).

With chan_pjsip, OriginateResponse `Reason` is 4 when answered, 3 for no answer or no SIP
response at all, and 0 for busy, congestion and an unregistered endpoint alike. The real
outcome is in `DialEnd DialStatus` and `Hangup Cause` (17 busy, 19 no answer, 34 congestion),
correlated by the ChannelId sent with the Originate; OriginateResponse and DialEnd/Hangup
arrive in either order. `AttemptTrack` collects them and says when the outcome is known.

Outcomes: answered, busy, no_answer (rang, nobody answered), unreachable (never rang),
congestion, failed (unregistered endpoint, channel unavailable, Originate refused), unknown
(no answer from Asterisk in time).
"""
from __future__ import annotations

from dataclasses import dataclass

from cti import events as ev

OUTCOMES = ("answered", "busy", "no_answer", "unreachable", "congestion", "failed", "unknown")
BUSY_CAUSES = frozenset({17})
NO_ANSWER_CAUSES = frozenset({18, 19, 21})
CONGESTION_CAUSES = frozenset({34, 38, 41, 42, 44})
DIAL_STATUS = {"BUSY": "busy", "CONGESTION": "congestion", "NOANSWER": "no_answer",
               "CHANUNAVAIL": "failed", "ANSWER": "answered"}
RINGING = 5


def classify(*, reason: int | None, dial_status: str | None, cause: int | None, ringing: bool) -> str:
    """The outcome of a finished originate from what was seen (any of it may be missing)."""
    if reason == 4:
        return "answered"
    if dial_status in DIAL_STATUS and dial_status != "ANSWER":
        return DIAL_STATUS[dial_status]
    if cause in BUSY_CAUSES:
        return "busy"
    if cause in CONGESTION_CAUSES:
        return "congestion"
    if reason == 3 or cause in NO_ANSWER_CAUSES:
        return "no_answer" if ringing else "unreachable"
    if reason is None and cause is None:
        return "unknown"
    return "failed"


@dataclass
class AttemptTrack:
    """The events of one originated channel, matched by its ChannelId."""

    channel_id: str
    reason: int | None = None
    response: str | None = None
    dial_status: str | None = None
    cause: int | None = None
    ringing: bool = False
    channel_seen: bool = False
    hung_up: bool = False

    def feed(self, event: object) -> None:
        if isinstance(event, ev.OriginateResponse):
            self.reason, self.response = event.reason, event.response
        elif isinstance(event, ev.DialEnd):
            self.channel_seen = True
            if event.dial_status not in ("", "RINGING", "PROCEEDING", "PROGRESS"):
                self.dial_status = event.dial_status
        elif isinstance(event, ev.Hangup):
            self.channel_seen = self.hung_up = True
            self.cause = event.cause
        elif isinstance(event, ev.Newstate):
            self.channel_seen = True
            self.ringing = self.ringing or event.state == RINGING
        elif isinstance(event, (ev.Newchannel, ev.HangupRequest, ev.DialBegin)):
            self.channel_seen = True

    @property
    def responded(self) -> bool:
        return self.response is not None

    @property
    def answered(self) -> bool:
        return self.reason == 4

    @property
    def finished(self) -> bool:
        """The outcome is known and no channel of this attempt is left."""
        if not self.responded:
            return False
        return self.hung_up or not self.channel_seen

    @property
    def outcome(self) -> str:
        return classify(reason=self.reason, dial_status=self.dial_status, cause=self.cause, ringing=self.ringing)


#: AMI events the dialer looks at, and the header naming the channel (ChannelId) in each.
WATCHED = {"OriginateResponse": "Uniqueid", "DialEnd": "DestUniqueid", "DialBegin": "DestUniqueid",
           "Hangup": "Uniqueid", "Newstate": "Uniqueid", "Newchannel": "Uniqueid", "HangupRequest": "Uniqueid"}
