"""E-mail: the messages the service writes to the outbox, and the SMTP sender that delivers them.

Composing: each message is written to the outbox in the transaction of the change that causes it
(a request filed, a status changed, a sign-in link asked for). Its body is French plain text;
the HTML part is drawn from it when sent. Subjects hold no personal data. A message to the
applicant names no recipient: the sender reads the case's contact address when it sends, so that
a message never outlives the address it goes to (an erased case's message is not sent).

Sending: `EmailSender` is the outbox's sender of the `email` channel (app.services.outbox.Sender:
`due`, `prepare`, `gave_up`): `prepare` reads the recipient and builds the message in the claiming
transaction, the returned attempt speaks SMTP with no transaction open and raises `DeliveryFailed`
with a reason safe for the logs (an SMTP code, an exception's class, never an address).
"""

from __future__ import annotations

import html
import re
import smtplib
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from app.models import CaseFile, OutboxMessage
from app.services.outbox import Attempt, DeliveryFailed
from app.settings import Settings

CHANNEL = "email"
#: the outbox kinds of e-mails (one place: what the sender does with each is read from here)
STAFF_SIGN_IN_LINK = "staff_sign_in_link"
STAFF_NEW_REQUEST = "staff_new_request"
STAFF_OVERDUE_DIGEST = "staff_overdue_digest"
APPLICANT_FILED = "applicant_filed"
APPLICANT_STATUS = "applicant_status"
#: a staff member may stop these from their settings page: they carry List-Unsubscribe
UNSUBSCRIBABLE = frozenset({STAFF_NEW_REQUEST, STAFF_OVERDUE_DIGEST})
SIGNATURE = "L'équipe du guichet unique Territoires d'industrie"
_URL = re.compile(r"https?://[^\s<>\"]+")


def email_row(
    kind: str,
    *,
    dedupe_key: str,
    subject: str,
    body: str,
    now: datetime,
    recipient: str | None = None,
    case_id: uuid.UUID | None = None,
    case_version: int | None = None,
    queue_id: str | None = None,
) -> dict[str, Any]:
    """An e-mail for the outbox, as the values of its row (`email_message` to add it to a
    session): to `recipient`, or (None) to the applicant of the case `case_id`, of which it tells
    `case_version`."""
    return {
        "id": uuid.uuid4(),
        "dedupe_key": dedupe_key,
        "channel": CHANNEL,
        "kind": kind,
        "case_id": case_id,
        "case_version": case_version,
        "queue_id": queue_id,
        "recipient": recipient,
        "subject": subject,
        "body": body + f"\n\n--\n{SIGNATURE}",
        "created_at": now,
    }


def email_message(kind: str, **fields: Any) -> OutboxMessage:
    """The e-mail `email_row` makes (its keywords are `fields`), as an object to add to a session."""
    return OutboxMessage(**email_row(kind, **fields))


def sign_in_link_message(*, recipient: str, link: str, now: datetime) -> OutboxMessage:
    """Asked for by its recipient: not a notification, nothing to unsubscribe from."""
    return email_message(
        STAFF_SIGN_IN_LINK,
        dedupe_key=f"{STAFF_SIGN_IN_LINK}:{uuid.uuid4()}",
        subject="Votre lien de connexion à l'espace des chefs de projet",
        body="\n".join(
            [
                "Bonjour,",
                "",
                "Pour vous connecter à l'espace des chefs de projet du guichet unique Territoires d'industrie, "
                "ouvrez ce lien :",
                link,
                "",
                "Il est valable 15 minutes et ne sert qu'une fois. Ne le transmettez à personne.",
                "",
                "Si vous n'avez pas demandé à vous connecter, ignorez ce message : sans ce lien, personne ne "
                "peut ouvrir de session à votre nom.",
            ]
        ),
        now=now,
        recipient=recipient,
    )


def html_of(text: str) -> str:
    """The HTML part: the text's paragraphs, its links clickable; nothing the text does not say."""
    paragraphs = []
    for block in text.split("\n\n"):
        lines = [
            _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', html.escape(line))
            for line in block.split("\n")
        ]
        paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"></head>'
        "<body>\n" + "\n".join(paragraphs) + "\n</body></html>\n"
    )


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str
    password: str
    starttls: bool
    timeout: float

    @staticmethod
    def of(settings: Settings) -> SmtpServer:
        return SmtpServer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_user,
            settings.smtp_password,
            settings.smtp_starttls,
            settings.smtp_timeout_seconds,
        )

    def send(self, message: EmailMessage) -> None:
        """One message over one connection; DeliveryFailed with a reason that names no address."""
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            raise DeliveryFailed(f"destinataire refusé par le serveur SMTP (code {codes[0]})") from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"serveur SMTP : réponse {exc.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"serveur SMTP injoignable ({type(exc).__name__})") from None


class EmailSender:
    """The outbox's sender of e-mails (channel `email`)."""

    def __init__(
        self, server: SmtpServer, mail_from: str, public_url: str, send: Callable[[EmailMessage], None] | None = None
    ) -> None:
        self.server = server
        self.mail_from = mail_from
        self.public_url = public_url.rstrip("/")
        self._send = send or server.send

    @staticmethod
    def of(settings: Settings) -> EmailSender:
        return EmailSender(SmtpServer.of(settings), settings.mail_from, settings.public_url)

    def due(self) -> ColumnElement[bool]:
        return true()

    def prepare(self, session: Session, message: OutboxMessage, now: datetime) -> Attempt:
        recipient = self.recipient(session, message)
        if recipient is None:
            return partial(_refuse, "aucun destinataire (adresse effacée ou message sans destinataire)")
        return partial(self._send, self.compose(message, recipient, now))

    def gave_up(self, session: Session, message: OutboxMessage, now: datetime) -> None:
        """Nothing more to do: the failed message stays in the outbox, counted by /health."""

    @staticmethod
    def recipient(session: Session, message: OutboxMessage) -> str | None:
        if message.recipient:
            return message.recipient
        if message.case_id is not None and message.kind.startswith("applicant_"):
            case = session.get(CaseFile, message.case_id)
            return case.contact_email if case is not None and case.contact_email else None
        return None

    def compose(self, message: OutboxMessage, recipient: str, now: datetime) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.mail_from
        email["To"] = recipient
        email["Subject"] = message.subject
        email["Date"] = format_datetime(now)
        email["Message-ID"] = make_msgid(idstring=str(message.id), domain="guichet-ti")
        email["Auto-Submitted"] = "auto-generated"
        if message.kind in UNSUBSCRIBABLE:
            email["List-Unsubscribe"] = f"<{self.public_url}/espace/compte>"
        email.set_content(message.body)
        email.add_alternative(html_of(message.body), subtype="html")
        return email


def _refuse(reason: str) -> None:
    raise DeliveryFailed(reason)


@dataclass(frozen=True)
class OutboxCounts:
    #: waiting for their first attempt or a retry
    pending: int
    #: retries exhausted: never sent
    failed: int


def email_outbox_counts(session: Session) -> OutboxCounts:
    """The e-mails not sent, in one query (for /health and the desk)."""
    pending, failed = session.execute(
        select(
            func.count().filter(OutboxMessage.failed_at.is_(None)),
            func.count().filter(OutboxMessage.failed_at.is_not(None)),
        ).where(OutboxMessage.channel == CHANNEL, OutboxMessage.sent_at.is_(None))
    ).one()
    return OutboxCounts(pending, failed)
