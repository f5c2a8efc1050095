"""Domain errors. The API renders each with a status and an error id; nothing is changed."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every refusal the domain explains to a user."""

    error_id = "domain_error"
    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    error_id = "invalid_input"
    status = 422


class NotFound(DomainError):
    error_id = "not_found"
    status = 404


class TransitionRefused(DomainError):
    error_id = "transition_refused"
    status = 409


class Forbidden(DomainError):
    error_id = "forbidden"
    status = 403


class LimitReached(DomainError):
    error_id = "limit_reached"
    status = 429


class Conflict(DomainError):
    error_id = "conflict"
    status = 409
