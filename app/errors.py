"""Domain errors: what went wrong, said in French for people, with no HTTP in sight.

Services raise these; the API maps each `ErrorKind` to a status code and a problem+json body
(app/problems.py) and the web pages to a French page. `errors` names the fields at fault, as
paths in the submitted data (`company.headcount`, `needs[1]`), so that each surface can point
at them in its own terms.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    """What kind of failure this is, for the caller to react to (and the API to give a status)."""

    BAD_REQUEST = "bad_request"
    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    STALE = "stale"
    VERSION_REQUIRED = "version_required"
    UNAVAILABLE = "unavailable"
    TIMED_OUT = "timed_out"
    RATE_LIMITED = "rate_limited"


class DomainError(Exception):
    """An error a person or a client can act on. `slug` names the problem type, `extra` adds members."""

    kind: ErrorKind = ErrorKind.BAD_REQUEST
    slug: str = "requete-invalide"
    title: str = "Requête invalide"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    @property
    def errors(self) -> list[dict[str, str]]:
        """The fields at fault: `[{"field": path, "message": French text}]`."""
        return list(self.extra.get("errors") or [])

    def within(self, prefix: str) -> DomainError:
        """The same problem, its fields named from an enclosing object (`territory` -> `profile.territory`)."""
        errors = self.extra.get("errors")
        if errors:
            self.extra["errors"] = [{**e, "field": f"{prefix}.{e['field']}"} for e in errors]
        return self


class InvalidInput(DomainError):
    kind = ErrorKind.INVALID
    slug = "donnees-invalides"
    title = "Données invalides"

    def __init__(self, field: str, message: str, **extra: Any) -> None:
        super().__init__(message, errors=[{"field": field, "message": message}], **extra)


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND
    slug = "introuvable"
    title = "Ressource introuvable"


class RateLimited(DomainError):
    """Too many requests from one caller: it may try again in `retry_after_seconds`."""

    kind = ErrorKind.RATE_LIMITED
    slug = "trop-de-requetes"
    title = "Trop de requêtes"

    def __init__(self, *, policy: str, limit: int, window_seconds: int, retry_after_seconds: int) -> None:
        super().__init__(
            f"Limite de {limit} requêtes en {window_seconds} secondes atteinte : réessayez dans "
            f"{retry_after_seconds} seconde(s).",
            policy=policy,
            limit=limit,
            window_seconds=window_seconds,
            retry_after_seconds=retry_after_seconds,
        )
