"""Partner webhooks: endpoints, the events written to the outbox with each change of a partner's
case, and their delivery, signed per the Standard Webhooks specification.

A payload carries the case id, its status and dates: nothing about the applicant. The address of
an endpoint is checked when it is registered and again, resolved, at each connection (SSRF guard):
https only, no redirect followed, no loopback, private, link-local, multicast or reserved address
(nor their IPv4-mapped IPv6 forms); `GUICHET_WEBHOOK_ALLOW_LOCAL` lets tests and local development
use http and the loopback address.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import socket
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import httpx
from sqlalchemy import ColumnElement, and_, exists, select, update
from sqlalchemy.orm import Session, aliased
from standardwebhooks import Webhook

from app.errors import DomainError, ErrorKind, InvalidInput, NotFound
from app.models import OutboxMessage, PartnerCase, WebhookEndpoint
from app.services.outbox import Attempt, DeliveryFailed
from app.services.tokens import PartnerSite

CHANNEL = "webhook"
CONNECT_SECONDS = 3.0
READ_SECONDS = 5.0
#: what is read of an endpoint's answer, at most (its status is what counts)
RESPONSE_BYTES = 4096
MAX_ENDPOINTS = 5


class WebhookEvent(StrEnum):
    CASE_FILED = "case.filed"
    CASE_STATUS_CHANGED = "case.status_changed"
    CASE_WITHDRAWN = "case.withdrawn"


class DeliveryNotFound(NotFound):
    slug = "envoi-introuvable"
    title = "Envoi introuvable"


class EndpointRemoved(DomainError):
    kind = ErrorKind.CONFLICT
    slug = "adresse-retiree"
    title = "Adresse retirée"


#: why a message to an endpoint the partner removed was never sent
REMOVED = "adresse retirée par le partenaire"


# --- Addresses -----------------------------------------------------------------------------------


def refused_address(address: str, *, allow_local: bool) -> str | None:
    """Why a connection to this IP address is refused, or None."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if allow_local else "adresse de bouclage"
    for refused, why in (
        (ip.is_link_local, "adresse lien-local"),
        (ip.is_multicast, "adresse multicast"),
        (ip.is_private, "adresse privée"),
        (ip.is_reserved, "adresse réservée"),
        (ip.is_unspecified, "adresse non spécifiée"),
        (not ip.is_global, "adresse non publique"),
    ):
        if refused:
            return why
    return None


def check_url(url: str, *, allow_local: bool) -> str:
    """The endpoint's address, if it may be registered; InvalidInput on `url` otherwise."""
    try:
        parsed = httpx.URL(url.strip())
    except httpx.InvalidURL:
        raise InvalidInput("url", "adresse invalide") from None
    schemes = ("https", "http") if allow_local else ("https",)
    if parsed.scheme not in schemes:
        raise InvalidInput("url", "adresse https:// attendue")
    if not parsed.host or parsed.userinfo:
        raise InvalidInput("url", "adresse https://hôte/chemin attendue, sans identifiant ni mot de passe")
    if len(str(parsed)) > 2000:
        raise InvalidInput("url", "adresse trop longue (2 000 caractères au plus)")
    try:
        why = refused_address(parsed.host, allow_local=allow_local)
    except ValueError:
        why = None  # a name: checked, resolved, at each connection
        if parsed.host == "localhost" and not allow_local:
            why = "adresse de bouclage"
    if why:
        raise InvalidInput("url", f"adresse refusée : {why}")
    return str(parsed)


def resolve_checked(host: str, port: int, *, allow_local: bool) -> str:
    """The address to connect to: every address the name resolves to must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise DeliveryFailed("nom d'hôte introuvable") from None
    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        why = refused_address(address, allow_local=allow_local)
        if why:
            raise DeliveryFailed(f"adresse refusée : {why}")
    if not addresses:
        raise DeliveryFailed("nom d'hôte introuvable")
    return addresses[0]


def post(url: str, body: bytes, headers: dict[str, str], *, allow_local: bool) -> int:
    """POST to the endpoint through the address checked at connection time; its status.

    The connection goes to the checked IP address, with the name as Host and as TLS server name
    (so that the certificate is checked against the name): a name that resolves to another
    address a moment later (DNS rebinding) cannot move the connection.
    """
    try:
        parsed = httpx.URL(check_url(url, allow_local=allow_local))
    except InvalidInput as exc:
        raise DeliveryFailed(exc.detail) from None
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    address = resolve_checked(host, port, allow_local=allow_local)
    target = parsed.copy_with(host=address)
    host_header = host if parsed.port is None else f"{host}:{parsed.port}"
    timeout = httpx.Timeout(READ_SECONDS, connect=CONNECT_SECONDS)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream(
                "POST",
                target,
                content=body,
                headers={**headers, "Host": host_header},
                extensions={"sni_hostname": host},
            ) as response,
        ):
            read = 0
            for chunk in response.iter_raw():
                read += len(chunk)
                if read >= RESPONSE_BYTES:
                    break
            return response.status_code
    except httpx.TimeoutException:
        raise DeliveryFailed("pas de réponse dans le délai") from None
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"connexion impossible ({type(exc).__name__})") from None


# --- Endpoints -----------------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _events(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events)) or sorted(WebhookEvent)
    for i, event in enumerate(chosen):
        if event not in set(WebhookEvent):
            raise InvalidInput(f"events[{i}]", f"événement « {event} » inconnu (possibles : {', '.join(WebhookEvent)})")
    return chosen


def add_endpoint(
    session: Session, partner_id: uuid.UUID, url: str, events: Iterable[str], now: datetime, *, allow_local: bool
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        partner_id=partner_id,
        url=check_url(url, allow_local=allow_local),
        events=_events(events),
        secret=new_secret(),
        created_at=now,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def endpoints_of(session: Session, partner_id: uuid.UUID) -> list[WebhookEndpoint]:
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.partner_id == partner_id, WebhookEndpoint.removed_at.is_(None))
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        )
    )


@dataclass(frozen=True)
class EndpointWanted:
    url: str
    events: Sequence[str]


def replace_endpoints(
    session: Session, partner: PartnerSite, wanted: Sequence[EndpointWanted], now: datetime, *, allow_local: bool
) -> list[WebhookEndpoint]:
    """The partner's endpoints become `wanted`: an address kept keeps its secret (and its events are
    updated); the others are removed, the new ones get a secret."""
    if len(wanted) > MAX_ENDPOINTS:
        raise InvalidInput("endpoints", f"{MAX_ENDPOINTS} adresses au plus")
    checked: dict[str, list[str]] = {}
    for i, item in enumerate(wanted):
        try:
            url = check_url(item.url, allow_local=allow_local)
            events = _events(item.events)
        except InvalidInput as exc:
            raise exc.within(f"endpoints[{i}]") from None
        if url in checked:
            raise InvalidInput(f"endpoints[{i}].url", "adresse donnée deux fois")
        checked[url] = events
    removed = []
    for endpoint in endpoints_of(session, partner.partner_id):
        if endpoint.url in checked:
            endpoint.events = checked.pop(endpoint.url)
        else:
            endpoint.removed_at = now
            removed.append(endpoint.id)
    if removed:
        # What was still to be sent there is given up: listed with the failed deliveries.
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.endpoint_id.in_(removed),
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.failed_at.is_(None),
            )
            .values(failed_at=now, last_error=REMOVED)
            .execution_options(synchronize_session=False)
        )
    for url, events in checked.items():
        add_endpoint(session, partner.partner_id, url, events, now, allow_local=allow_local)
    session.flush()
    return endpoints_of(session, partner.partner_id)


# --- Events --------------------------------------------------------------------------------------


def announce(
    session: Session,
    case_id: uuid.UUID,
    submitted_at: datetime,
    event: WebhookEvent,
    *,
    version: int,
    status: str,
    now: datetime,
) -> int:
    """Write the event to the outbox for each endpoint of the partner of the case `case_id` (filed
    at `submitted_at`) that asked for it; nothing for a case filed without a partner. The count
    written."""
    partner_id = session.scalar(select(PartnerCase.partner_id).where(PartnerCase.case_id == case_id))
    if partner_id is None:
        return 0
    written = 0
    for endpoint in endpoints_of(session, partner_id):
        if event not in endpoint.events:
            continue
        message_id = uuid.uuid4()
        payload = {
            "type": str(event),
            "timestamp": now.isoformat(),
            "data": {
                "case_id": str(case_id),
                "status": status,
                "version": version,
                "submitted_at": submitted_at.isoformat(),
                "updated_at": now.isoformat(),
            },
        }
        session.add(
            OutboxMessage(
                id=message_id,
                dedupe_key=f"{endpoint.id}:{case_id}:{version}",
                channel=CHANNEL,
                kind=str(event),
                case_id=case_id,
                case_version=version,
                endpoint_id=endpoint.id,
                subject=str(event),
                body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                created_at=now,
            )
        )
        written += 1
    return written


# --- Delivery ------------------------------------------------------------------------------------


class WebhookSender:
    """The outbox's sender of the `webhook` channel."""

    def __init__(self, *, allow_local: bool) -> None:
        self.allow_local = allow_local

    def due(self) -> ColumnElement[bool]:
        earlier = aliased(OutboxMessage)
        # An endpoint that failed waits for a redelivery; one that was removed receives nothing.
        failing = select(WebhookEndpoint.id).where(
            WebhookEndpoint.failing_since.is_not(None) | WebhookEndpoint.removed_at.is_not(None)
        )
        # Within a case, one endpoint receives the events in their order: an event waits while an
        # earlier one of the same case to the same endpoint is still to be sent.
        waits = exists().where(
            earlier.endpoint_id == OutboxMessage.endpoint_id,
            earlier.case_id == OutboxMessage.case_id,
            earlier.case_version < OutboxMessage.case_version,
            earlier.sent_at.is_(None),
            earlier.failed_at.is_(None),
        )
        return and_(OutboxMessage.endpoint_id.is_not(None), OutboxMessage.endpoint_id.not_in(failing), ~waits)

    def prepare(self, session: Session, message: OutboxMessage, now: datetime) -> Attempt:
        endpoint = session.get(WebhookEndpoint, message.endpoint_id)
        assert endpoint is not None  # a foreign key
        url, secret, body = endpoint.url, endpoint.secret, message.body
        headers = signed_headers(secret, str(message.id), now, body)
        allow_local = self.allow_local

        def attempt() -> None:
            status = post(url, body.encode(), headers, allow_local=allow_local)
            if not 200 <= status < 300:
                raise DeliveryFailed(f"statut HTTP {status}")

        return attempt

    def gave_up(self, session: Session, message: OutboxMessage, now: datetime) -> None:
        endpoint = session.get(WebhookEndpoint, message.endpoint_id)
        if endpoint is not None and endpoint.failing_since is None:
            endpoint.failing_since = now


def signed_headers(secret: str, message_id: str, now: datetime, body: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "guichet-ti-webhooks",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
    }


# --- The partner's deliveries --------------------------------------------------------------------


def deliveries(session: Session, partner: PartnerSite, *, failed_only: bool, limit: int = 100) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .join(WebhookEndpoint, WebhookEndpoint.id == OutboxMessage.endpoint_id)
        .where(WebhookEndpoint.partner_id == partner.partner_id)
    )
    if failed_only:
        query = query.where(OutboxMessage.failed_at.is_not(None))
    return list(session.scalars(query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id).limit(limit)))


def redeliver(session: Session, partner: PartnerSite, message_id: uuid.UUID) -> OutboxMessage:
    """Send the message again (a failed one, or one already sent); its endpoint is no longer failing."""
    found = session.execute(
        select(OutboxMessage, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == OutboxMessage.endpoint_id)
        .where(OutboxMessage.id == message_id, WebhookEndpoint.partner_id == partner.partner_id)
    ).first()
    if found is None:
        raise DeliveryNotFound(f"Aucun envoi {message_id} pour ce partenaire.")
    message, endpoint = found
    if endpoint.removed_at is not None:
        raise EndpointRemoved(
            f"L'adresse de cet envoi a été retirée le {endpoint.removed_at:%d/%m/%Y} : il ne peut plus être renvoyé."
        )
    message.sent_at = message.failed_at = message.next_attempt_at = message.claimed_until = None
    message.attempts = 0
    endpoint.failing_since = None
    session.flush()
    return message
