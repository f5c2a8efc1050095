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
CodePath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
UsernamePath = Annotated[str, Path(min_length=1, max_length=64)]
PhonePath = Annotated[str, Path(min_length=1, max_length=32, description="a phone number in any usual form")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# A password is taken exactly as typed (never stripped), by the API and the login form alike.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=256)]


class TokenRequest(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: Password


class CitizenIn(Strict):
    phone: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=150)
    district: str = Field(min_length=1, max_length=16)
    language: Literal["hi", "en"] = "hi"


class ComplaintIn(Strict):
    citizen: CitizenIn
    department: str = Field(min_length=1, max_length=16)
    category: str = Field(min_length=1, max_length=32)
    description: str = Field(min_length=1, max_length=4000)
    channel: str = Field(default="phone", max_length=16)


class DisposeIn(Strict):
    report: str = Field(min_length=1, max_length=4000)


class FeedbackIn(Strict):
    result: Literal["satisfied", "dissatisfied", "unreachable"]


class TransferIn(Strict):
    department: str = Field(min_length=1, max_length=16)
    reason: str = Field(min_length=1, max_length=1000)
    category: str | None = Field(default=None, max_length=32)
