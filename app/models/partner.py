from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UtcDateTime


class Partner(Base):
    """A partner site (a CCI, Bpifrance, a Région's portal) that files requests on behalf of SMEs.

    An organisation, never a person: its contact is a role and, for the notices of keys about to
    expire, the organisation's address.
    """

    __tablename__ = "partner"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    siren: Mapped[str | None] = mapped_column(String(9))
    #: who answers for the integration at the partner: a role (« Service numérique »)
    contact_role: Mapped[str] = mapped_column(String(120))
    #: the organisation's address for notices (a key about to expire)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
