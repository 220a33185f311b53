"""The ORM models, one table per module; importing the package registers them all on `Base.metadata`."""

from app.models.access_token import AccessToken
from app.models.base import Base
from app.models.case_event import CaseEvent
from app.models.case_file import CaseFile
from app.models.case_note import CaseNote
from app.models.case_scheme import CaseScheme
from app.models.idempotency_key import IdempotencyKey
from app.models.outbox_message import OutboxMessage
from app.models.partner import Partner
from app.models.partner_case import PartnerCase
from app.models.partner_key import PartnerKey
from app.models.queue_scheme_tally import QueueSchemeTally
from app.models.queue_status_tally import QueueStatusTally
from app.models.sign_in_request import SignInRequest
from app.models.staff_member import StaffMember
from app.models.webhook_endpoint import WebhookEndpoint

__all__ = [
    "AccessToken",
    "Base",
    "CaseEvent",
    "CaseFile",
    "CaseNote",
    "CaseScheme",
    "IdempotencyKey",
    "OutboxMessage",
    "Partner",
    "PartnerCase",
    "PartnerKey",
    "QueueSchemeTally",
    "QueueStatusTally",
    "SignInRequest",
    "StaffMember",
    "WebhookEndpoint",
]
