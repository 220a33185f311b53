"""A stand-in for the API Recherche d'entreprises: a real HTTP server on 127.0.0.1, for tests and benchmarks.

Answers follow the shape of the directory's public OpenAPI file (`payload` -> `results[]` ->
`siege`, `matching_etablissements[]`, `dirigeants[]`…), with fictional companies and
people. Each SIRET is given a behaviour: a normal answer, no result, 429, 500, a hang, a
trickle of bytes, invalid JSON or JSON of another shape.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Fictional companies; every number passes the Luhn check.
SIREN_SAVE = "512345679"  # ATELIERS MÉCANIQUES DE LA SAVE, SAS, PME
SIRET_SAVE_HEAD_OFFICE = "51234567900017"  # L'Isle-Jourdain (32160), Gers: TI Gers/Tarn-et-Garonne
SIRET_SAVE_JURA = "51234567900025"  # Saint-Claude (39478), Jura: TI Haut-Jura
SIREN_CLOSED = "498765437"  # PLASTURGIE DU LIZON
SIRET_CLOSED = "49876543700013"  # Saint-Claude, closed on 2022-06-30
SIRET_UNKNOWN = "42424242800011"
#: far above any deadline the tests use, far below a hang's 30 s: "it did not wait for the server"
GENEROUS_SECONDS = 10.0
# The directors in the fixtures: nothing of them may reach an answer of the guichet.
DIRECTOR_NAMES = ("FICTIFNOM", "Camille Exemplaire", "HOLDING FICTIVE DES DIRIGEANTS")


def _site(siret: str, commune: str, postal_code: str, label: str, naf: str, **extra: Any) -> dict[str, Any]:
    return {
        "activite_principale": naf,
        "activite_principale_naf25": naf[:5] + "A",
        "ancien_siege": False,
        "annee_tranche_effectif_salarie": "2023",
        "adresse": f"12 RUE DE L'USINE {postal_code} {label}",
        "caractere_employeur": "O",
        "code_postal": postal_code,
        "commune": commune,
        "date_creation": "2009-03-02",
        "date_debut_activite": "2009-03-02",
        "date_fermeture": None,
        "epci": None,
        "est_siege": False,
        "etat_administratif": "A",
        "geo_id": None,
        "latitude": "43.6159",
        "libelle_commune": label,
        "liste_enseignes": None,
        "liste_finess": None,
        "liste_id_bio": [],
        "liste_idcc": ["3248"],
        "liste_id_organisme_formation": [],
        "liste_rge": [],
        "liste_uai": [],
        "longitude": "1.0820",
        "nom_commercial": None,
        "region": "76",
        "siret": siret,
        "statut_diffusion_etablissement": "O",
        "tranche_effectif_salarie": "12",
        **extra,
    }


def _result(siren: str, name: str, head_office: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "siren": siren,
        "nom_complet": name,
        "nom_raison_sociale": name,
        "sigle": None,
        "nombre_etablissements": 2,
        "nombre_etablissements_ouverts": 2,
        "siege": head_office,
        "activite_principale": "25.62A",
        "activite_principale_naf25": "25.62A",
        "categorie_entreprise": "PME",
        "caractere_employeur": "O",
        "annee_categorie_entreprise": "2022",
        "date_creation": "2009-03-02",
        "date_fermeture": None,
        "date_mise_a_jour": "2026-10-02T04:11:09",
        "date_mise_a_jour_insee": "2026-09-28T03:34:50",
        "date_mise_a_jour_rne": "2026-08-14T02:15:30",
        "dirigeants": [
            {
                "nom": "FICTIFNOM",
                "prenoms": "Camille Exemplaire",
                "annee_de_naissance": "1971",
                "date_de_naissance": "1971-04",
                "qualite": "Président de SAS",
                "nationalite": "Française",
                "type_dirigeant": "personne physique",
            },
            {
                "siren": "812345676",
                "denomination": "HOLDING FICTIVE DES DIRIGEANTS",
                "qualite": "Commissaire aux comptes titulaire",
                "type_dirigeant": "personne morale",
            },
        ],
        "etat_administratif": "A",
        "nature_juridique": "5710",
        "section_activite_principale": "C",
        "tranche_effectif_salarie": "21",
        "annee_tranche_effectif_salarie": "2023",
        "statut_diffusion": "O",
        "matching_etablissements": [],
        "finances": {"2024": {"ca": 9_200_000, "resultat_net": 310_000}},
        "complements": {"est_entrepreneur_individuel": False, "est_ess": False, "liste_idcc": ["3248"]},
        "tva": ["FR12512345679"],
        **extra,
    }


def _payload(*results: dict[str, Any]) -> dict[str, Any]:
    return {"results": list(results), "total_results": len(results), "page": 1, "per_page": 1, "total_pages": 1}


def _save_head_office() -> dict[str, Any]:
    return _site(
        SIRET_SAVE_HEAD_OFFICE,
        "32160",
        "32600",
        "L'ISLE-JOURDAIN",
        "25.62A",
        est_siege=True,
        epci="200023620",
        date_mise_a_jour="2026-09-28T03:34:50",
        date_mise_a_jour_insee="2026-09-28T03:34:50",
        departement="32",
    )


def save_head_office_payload() -> dict[str, Any]:
    """A SIRET search for the head office: it is both `siege` and the one matching establishment."""
    head = _save_head_office()
    return _payload(_result(SIREN_SAVE, "ATELIERS MECANIQUES DE LA SAVE", head, matching_etablissements=[head]))


def save_jura_payload() -> dict[str, Any]:
    """A SIRET search for a secondary establishment: `siege` stays the head office."""
    jura = _site(
        SIRET_SAVE_JURA, "39478", "39200", "SAINT-CLAUDE", "22.29A", region="27", tranche_effectif_salarie="03"
    )
    return _payload(
        _result(SIREN_SAVE, "ATELIERS MECANIQUES DE LA SAVE", _save_head_office(), matching_etablissements=[jura])
    )


def secondary_payload(siret: str) -> dict[str, Any]:
    """Another establishment of the same company, in L'Isle-Jourdain (benchmarks use many of them)."""
    site = _site(siret, "32160", "32600", "L'ISLE-JOURDAIN", "25.62A")
    return _payload(
        _result(SIREN_SAVE, "ATELIERS MECANIQUES DE LA SAVE", _save_head_office(), matching_etablissements=[site])
    )


def closed_payload() -> dict[str, Any]:
    site = _site(
        SIRET_CLOSED,
        "39478",
        "39200",
        "SAINT-CLAUDE",
        "22.29A",
        est_siege=True,
        etat_administratif="F",
        date_fermeture="2022-06-30",
        region="27",
        tranche_effectif_salarie=None,
        date_mise_a_jour_insee="2022-07-04T03:00:00",
    )
    return _payload(
        _result(
            SIREN_CLOSED,
            "PLASTURGIE DU LIZON",
            site,
            matching_etablissements=[site],
            etat_administratif="C",
            date_fermeture="2022-06-30",
            activite_principale="22.29A",
            tranche_effectif_salarie=None,
            annee_tranche_effectif_salarie=None,
            categorie_entreprise=None,
            annee_categorie_entreprise=None,
        )
    )


def empty_payload() -> dict[str, Any]:
    return _payload()


@dataclass(frozen=True)
class Reply:
    """One scripted answer. `kind`: json, status, hang, trickle, raw."""

    kind: str = "json"
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(payload: Any) -> Reply:
    return Reply("json", payload)


@dataclass
class Request:
    at: float
    path: str
    query: dict[str, str]


class FakeDirectory:
    """Replies by SIRET (`q`): a list is played in order, its last reply repeated."""

    def __init__(self) -> None:
        self.replies: dict[str, list[Reply]] = {}
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, siret: str, *replies: Reply) -> None:
        with self._lock:
            self.replies[siret] = list(replies)

    def requests_for(self, siret: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.query.get("q") == siret]

    def _next_reply(self, path: str, query: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(Request(time.monotonic(), path, query))
            queue = self.replies.get(query.get("q", ""))
            if not queue:
                return json_reply(empty_payload())
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def reset(self) -> None:
        with self._lock:
            self.replies.clear()
            self.requests.clear()

    def default_script(self) -> None:
        self.script(SIRET_SAVE_HEAD_OFFICE, json_reply(save_head_office_payload()))
        self.script(SIRET_SAVE_JURA, json_reply(save_jura_payload()))
        self.script(SIRET_CLOSED, json_reply(closed_payload()))

    @contextmanager
    def running(self) -> Iterator[FakeDirectory]:
        directory = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                reply = directory._next_reply(parts.path, query)
                self._play(reply)

            def _play(self, reply: Reply) -> None:
                if reply.kind == "hang":
                    directory.stopping.wait(30)
                    return
                if reply.kind == "json":
                    body = json.dumps(reply.body).encode()
                else:
                    body = reply.body if isinstance(reply.body, bytes) else str(reply.body or "").encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    if reply.kind == "trickle":
                        for byte in body:
                            if directory.stopping.wait(0.1):
                                return
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                        return
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up: that is what the deadline tests want

        server = _QuietServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        thread = threading.Thread(target=server.serve_forever, name="fake-directory", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.stopping.set()
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a deadline test, the service stopping) is no error of the stand-in:
    socketserver would print its traceback in the middle of the test output."""

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]
