"""Request bodies of the HTTP API (DESIGN §9), validated strictly."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints


MAX_DB_ID = 2_147_483_647  # PostgreSQL integer: a larger id is refused (422), never a 500

# Path parameters, bounded so no id or text from a URL can overflow a column or a converter.
RowId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
ComplaintNumberPath = Annotated[str, Path(min_length=1, max_length=32, description="11 digits")]
CallIdPath = Annotated[str, Path(min_length=1, max_length=64, description="the call's Linkedid")]
CodePath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]  # = CODE_PATTERN
UsernamePath = Annotated[str, Path(min_length=1, max_length=64)]
PhonePath = Annotated[str, Path(min_length=1, max_length=32, description="a phone number in any usual form")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# A password is taken exactly as typed (never stripped), by the API and the login form alike.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=256)]


class TokenRequest(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: Password


# What normalise_phone accepts, in ASCII: 10 digits (not starting with 0), optionally +91 or 0
# before them, with spaces, '-', '.', '(' or ')' anywhere. Digits of other scripts (Devanagari,
# full-width) are read as ASCII too, so the pattern documents the form but is not enforced here.
PHONE_PATTERN = r"^[\s().-]*(\+[\s().-]*9[\s().-]*1|0)?[\s().-]*[1-9]([\s().-]*[0-9]){9}[\s().-]*$"
PhoneText = Annotated[str, Field(min_length=1, max_length=20, json_schema_extra={"pattern": PHONE_PATTERN},
                                 description="an Indian phone number: 98123 45678, 09812345678, +91 98123-45678 "
                                             "(digits in any script)")]
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
DistrictCode = Annotated[str, Field(min_length=1, max_length=16, pattern=CODE_PATTERN,
                                    description="a district code from GET /api/v1/reference")]
Role = Literal["agent", "supervisor", "officer", "admin", "collector", "state_nodal"]


class CitizenIn(Strict):
    phone: PhoneText
    name: str = Field(min_length=1, max_length=150)
    district: DistrictCode
    language: Literal["hi", "en"] = "hi"


class ComplaintIn(Strict):
    citizen: CitizenIn
    department: str = Field(min_length=1, max_length=16)
    category: str = Field(min_length=1, max_length=32)
    description: str = Field(min_length=1, max_length=4000)
    channel: str = Field(default="phone", max_length=16)


class DisposeIn(Strict):
    report: str = Field(min_length=1, max_length=4000)
    kind: Literal["resolved", "partially_resolved"] = Field(
        default="resolved", description="how it ended; a complaint outside the remit is transferred, and one that "
                                        "needs a field visit gets an interim reply")


class FeedbackIn(Strict):
    result: Literal["satisfied", "dissatisfied", "unreachable"]


class TransferIn(Strict):
    department: str = Field(min_length=1, max_length=16)
    reason: str = Field(min_length=1, max_length=1000)
    category: str | None = Field(default=None, max_length=32)


# --- responses -----------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    id: str = Field(description="a stable error id: invalid_input, unauthorized, forbidden, not_found, …")
    message: str
    details: dict[str, object]


class ErrorBody(BaseModel):
    """Every error: `{"error": {"id", "message", "details"}}`."""

    error: ErrorDetail


_ERROR_TEXT = {
    400: "bad request", 401: "not signed in, or the token is invalid, expired or revoked",
    403: "signed in, but this needs another role (or another officer's complaint)",
    404: "no such resource", 409: "conflicts with the current state", 413: "the request body is too large",
    422: "invalid input (also: control characters, which are never accepted)",
    429: "too many attempts (Retry-After says when to try again)",
    502: "the PBX refused the action",
    503: "the PBX or the CTI service is unavailable (or text-to-speech failed: nothing was saved)",
    504: "the PBX did not answer in time",
}


def errors(*codes: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI `responses` for these error statuses, all with the error body."""
    return {code: {"model": ErrorBody, "description": _ERROR_TEXT[code]} for code in codes}


# The statuses any signed-in API operation may answer besides its own success and errors.
SIGNED_IN = (401, 403, 413, 422)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"]
    role: Role


class PbxLink(BaseModel):
    url: str
    connected: bool
    owner: bool = Field(False, description="this process owns the server's event stream (writes its call "
                        "rows, publishes its pops); exactly one process does at a time")


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]
    pbx: list[PbxLink]


class UserOut(BaseModel):
    username: str
    role: Role
    officer: str | None
    extension: str | None
    active: bool
    ui_language: str


class UsersOut(BaseModel):
    users: list[UserOut]


class DncEntry(BaseModel):
    phone: str = Field(description="+91 and ten digits")
    reason: str
    added_at: str


class DncList(BaseModel):
    numbers: list[DncEntry]


class DncAdded(BaseModel):
    phone: str
    reason: str


class DncRemoved(BaseModel):
    removed: str


CSV_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"description": "the results, one line per contact (UTF-8 CSV)",
          "content": {"text/csv": {"schema": {"type": "string"}}}}}

# The contacts upload: the raw CSV, or a multipart form with the file as `file`.
CSV_UPLOAD: dict[str, object] = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string", "description": "UTF-8 CSV with a header row naming name and phone"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "properties": {"file": {"type": "string", "format": "binary"}}}}}}}
