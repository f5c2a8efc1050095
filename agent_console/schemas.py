"""Request bodies of the HTTP API (DESIGN §9), validated strictly."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


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
