"""Who is signed in on the desk (/espace): the staff member of the session.

The desk's pages depend on `SignedIn`; the sign-in module (e-mailed link today, an OpenID Connect
provider such as ProConnect tomorrow) decides how a session is opened and read. Until a session is
open, `signed_in` refuses: the desk's pages are never served to an anonymous visitor.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.errors import DomainError, ErrorKind
from app.services.tokens import Staff


class NotSignedIn(DomainError):
    kind = ErrorKind.UNAUTHENTICATED
    slug = "connexion-requise"
    title = "Connexion requise"


async def signed_in(request: Request) -> Staff:  # noqa: ARG001 - read by the sign-in module
    raise NotSignedIn("Connectez-vous à l'espace des chefs de projet pour ouvrir cette page.")


SignedIn = Annotated[Staff, Depends(signed_in)]
