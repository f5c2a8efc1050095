"""Response bodies of the HTTP API, declared so the OpenAPI document says what each operation
returns (and schemathesis checks it). Models whose source has more fields than they name
(`extra="allow"`) still check every field they declare."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

State = Literal["registered", "at_l1", "disposed", "at_l2", "disposed_l2", "closed"]


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- reference and complaints ---------------------------------------------------------------------


class Named(BaseModel):
    code: str
    name_hi: str
    name_en: str


class CategoryOut(Named):
    sla_days: int


class DepartmentOut(Named):
    categories: list[CategoryOut]


class ReferenceOut(BaseModel):
    districts: list[Named]
    departments: list[DepartmentOut]
    pause_reasons: list[Named]


class OfficerRef(BaseModel):
    code: str
    name: str
    name_hi: str
    level: int


class EventOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    at: str | None
    actor_kind: str
    actor: str
    action: str
    from_: str | None = Field(alias="from")
    to: str | None
    detail: dict[str, object] | None


class InterimOut(BaseModel):
    at: str | None
    by: str
    text: str
    expected_on: str | None = Field(description="YYYY-MM-DD")
    expected_at: str | None


class TransferRequestOut(BaseModel):
    id: int
    to_officer: str
    to_officer_ref: OfficerRef | None
    to_district: str | None
    to_department: str | None
    reason: str
    requested_by: str
    requested_at: str | None


class ComplaintOut(BaseModel):
    number: str = Field(description="11 digits: YYMM, a six-digit sequence, a Verhoeff check digit")
    state: State
    level: int
    phone: str = Field(description="+91 and ten digits")
    citizen_id: int | None
    district: str
    department: str
    category: str
    description: str
    channel: str
    registered_at: str | None = Field(description="ISO 8601 with offset")
    due_at: str | None
    disposed_at: str | None
    closed_at: str | None
    overdue: bool
    days_overdue: int
    reopen_count: int
    escalated: bool
    feedback: str | None
    l1_report: str | None
    l2_report: str | None
    officer: OfficerRef | None
    events: list[EventOut] | None = Field(default=None, description="the audit trail (single complaint answers)")
    expected_at: str | None = Field(default=None, description="the date the officer's interim reply promised")
    interim: InterimOut | None = Field(default=None, description="the officer's latest interim reply while open "
                                                                 "(single complaint answers)")
    transfer_request: TransferRequestOut | None = Field(
        default=None, description="a transfer asked for and not yet decided (single complaint answers)")


class ComplaintList(BaseModel):
    complaints: list[ComplaintOut]


class Counts(Open):
    received: int
    disposed: int
    closed: int
    pending: int
    overdue: int
    reopened: int
    escalated: int
    satisfaction_pct: float | None


class GroupCounts(Counts):
    code: str | None


class SummaryOut(Counts):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    from_: str = Field(alias="from")
    to: str
    by_department: list[GroupCounts]
    by_district: list[GroupCounts]


# --- agents and calls ------------------------------------------------------------------------------


class AgentMe(Open):
    username: str
    logged_in: bool
    pbx_connected: bool
    state: str


class QueueLogin(Open):
    extension: str


class CallAction(Open):
    call_id: str


class Originated(CallAction):
    number: str
    extension: str


class Wallboard(Open):
    type: Literal["wallboard"]
    calls_waiting: int
    longest_wait_s: int | float
    agents_by_state: dict[str, int]
    agents: list[dict[str, object]]
    today: dict[str, object]


class DispositionOut(BaseModel):
    call: str
    disposition: str
    complaint_number: str | None


class AbandonedCall(BaseModel):
    id: str
    caller: str | None
    queue: str | None
    waited_s: int | float | None
    outcome: str | None
    at: str
    calls: int = Field(description="how often this number rang and hung up in the period")
    callback: Literal["open", "taken", "done", "failed", "merged"] | None = Field(
        description="where its callback stands; null: none asked for since")
    callback_id: int | None


class AbandonedList(BaseModel):
    calls: list[AbandonedCall]


# --- campaigns -------------------------------------------------------------------------------------


class Progress(Open):
    contacts: int
    queued: int
    in_progress: int
    completed: int
    failed: int
    cancelled: int
    dialled: int
    answered: int


class CampaignOut(Open):
    id: int
    name: str
    kind: str
    state: str
    window: str
    days: list[str]
    max_channels: int
    calls_per_second: float
    max_attempts: int
    progress: Progress


class CampaignChangeOut(BaseModel):
    id: int
    at: str
    by: str
    before: dict[str, object]
    after: dict[str, object]


class CampaignEdited(CampaignOut):
    change: CampaignChangeOut | None


class CampaignChanges(BaseModel):
    changes: list[CampaignChangeOut]


class CampaignList(BaseModel):
    campaigns: list[CampaignOut]


class RejectedRow(BaseModel):
    row: int
    reason: str
    value: str


class ImportOut(BaseModel):
    campaign: int
    rows: int
    imported: int
    rejected: list[RejectedRow]


# --- administration --------------------------------------------------------------------------------


class OfficerOut(BaseModel):
    code: str
    name_en: str
    name_hi: str
    designation: str
    department: str
    district: str | None
    level: int
    active: bool


class OfficerList(BaseModel):
    officers: list[OfficerOut]


class OfficerSaved(BaseModel):
    code: str
    department: str
    district: str | None
    level: int
    active: bool


class CategorySaved(Named):
    department: str
    sla_days: int


# --- agent desk (issue 12) -------------------------------------------------------------------------


class CallbackTry(BaseModel):
    at: str | None
    agent: str
    outcome: str
    note: str


class CallbackOut(Open):
    id: int
    kind: Literal["request", "abandoned", "voicemail"]
    recording: str | None = None
    phone: str
    state: str
    joined_at: str | None
    attempts: int
    last_outcome: str | None
    taken_by: str | None
    tries: list[CallbackTry]


class CallbackList(BaseModel):
    callbacks: list[CallbackOut]


class TransferTargets(BaseModel):
    agents: list[dict[str, object]]
    queues: list[str]
    officers: list[dict[str, object]]


class DispositionChoice(BaseModel):
    code: str
    name_en: str
    name_hi: str


class DispositionList(BaseModel):
    dispositions: list[DispositionChoice]


class DispositionSaved(DispositionChoice):
    active: bool


class QueueSettingOut(BaseModel):
    queue: str
    wrapup_s: int
    record: bool


class HandoverOut(BaseModel):
    from_: str = Field(alias="from")
    to: str
    complaints: list[str]
    model_config = ConfigDict(populate_by_name=True)


class CallsReport(Open):
    total: dict[str, object]
    queues: list[dict[str, object]]
    by_hour: list[dict[str, int]]
    lost_by_wait: dict[str, int]
    agents: list[dict[str, object]]
    dispositions: list[dict[str, object]]


# --- service hours, holidays, the emergency message (issue 14) -------------------------------------


class EmergencyOut(BaseModel):
    text_hi: str
    text_en: str
    since: str | None
    by: str | None


class QueueHoursOut(BaseModel):
    queue: str
    open: bool
    next_change: str | None
    days: list[str]
    opens: str | None
    closes: str | None
    always_open: bool


class HolidayOut(BaseModel):
    day: str
    name_en: str
    name_hi: str


class HoursOut(BaseModel):
    queue: str
    open: bool
    next_change: str | None
    holiday: bool
    emergency: EmergencyOut | None
    queues: list[QueueHoursOut]
    holidays: list[HolidayOut]


class HolidayList(BaseModel):
    holidays: list[HolidayOut]


class HolidayRemoved(BaseModel):
    removed: str


class EmergencyState(BaseModel):
    active: bool
    text_hi: str
    text_en: str
    updated_by: str | None
    updated_at: str | None


# --- recorded voices (issue 14) ----------------------------------------------------------------------


class PromptRecordingOut(BaseModel):
    name: str
    language: str
    duration_s: float
    sha256: str
    uploaded_by: str | None
    uploaded_at: str
    audio: str


class PromptRecordingList(BaseModel):
    recordings: list[PromptRecordingOut]
    prompts: list[str]


class PromptRemoved(BaseModel):
    name: str
    language: str
