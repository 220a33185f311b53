from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime


class SignInRequest(Base):
    """One request for a sign-in link, known address or not: counted for the rate limits, and, for
    an active staff member, the link sent (its digest only) until it is used or expires.

    The address and the client's address are kept as keyed digests: enough to count, nothing to read.
    """

    __tablename__ = "sign_in_request"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    email_digest: Mapped[str] = mapped_column(String(64), index=True)
    client_digest: Mapped[str] = mapped_column(String(64), index=True)
    #: the link's token digest (an unknown address gets none: nothing is sent)
    link_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    staff_member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: the desk page asked for before signing in (a path of this site), opened after
    next_path: Mapped[str | None] = mapped_column(String(300))
