"""The body of every error the API answers: RFC 9457 problem details, as the OpenAPI document states it.

The bodies are built by app/problems.py; this model only describes them, so that generated clients
can read an error. Extension members are optional (each problem type uses some of them) and others
may be added later: the model allows additional members, as RFC 9457 does.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FieldError(BaseModel):
    field: str = Field(
        description="Le champ en cause, tel que le client l'a envoyé (chemin dans le corps, paramètre, en-tête).",
        examples=["profile.company.headcount"],
    )
    message: str = Field(description="Ce qui ne va pas, en français.", examples=["nombre entier attendu"])


class AllowedStatus(BaseModel):
    status: str = Field(examples=["in_review"])
    label: str = Field(examples=["En cours d'examen"])


class CommuneCandidate(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="Code INSEE de la commune.", examples=["39478"])
    name: str = Field(examples=["Saint-Claude"])
    departement: str = Field(examples=["39"])
    postal_codes: list[str]
    matched_by: str
    score: float


class Problem(BaseModel):
    """Un problème au sens de la RFC 9457 (application/problem+json), en français."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="Identifiant du type de problème (URN stable, à tester par les clients).",
        examples=["urn:guichet-ti:probleme:donnees-invalides"],
    )
    title: str = Field(description="Intitulé du type de problème, en français.")
    status: int = Field(ge=400, le=599, description="Le code HTTP de la réponse.")
    detail: str = Field(description="Ce qui s'est passé pour cette requête et ce qu'il faut faire, en français.")
    instance: str | None = Field(default=None, description="Le chemin de la requête.")
    errors: list[FieldError] | None = Field(default=None, description="Les champs en cause (422).")
    # Extension members used by some problem types.
    check: str | None = Field(default=None, description="SIRET invalide : le contrôle qui a échoué.")
    check_label: str | None = Field(default=None, description="SIRET invalide : ce contrôle, en français.")
    status_of_resolution: str | None = Field(
        default=None, description="Commune non trouvée ou ambiguë : résultat de la recherche."
    )
    candidates: list[CommuneCandidate] | None = Field(
        default=None, description="Commune non trouvée ou ambiguë : les communes possibles."
    )
    verdict: str | None = Field(default=None, description="Dispositif demandé mais écarté : son verdict.")
    case_id: str | None = Field(
        default=None,
        description="Dossier introuvable : l'identifiant demandé ; demande en double : le dossier déjà déposé.",
    )
    current_version: int | None = Field(default=None, description="412, 428 : la version actuelle du dossier.")
    current_status: str | None = Field(default=None, description="409, 412 : le statut actuel du dossier.")
    requested_status: str | None = Field(default=None, description="409 : le statut demandé.")
    allowed: list[AllowedStatus] | None = Field(default=None, description="409 : les statuts possibles.")
    policy: str | None = Field(default=None, description="429 : la limite atteinte (partenaire, anonyme).")
    limit: int | None = Field(default=None, description="429 : requêtes permises par fenêtre.")
    window_seconds: int | None = Field(default=None, description="429 : durée de la fenêtre, en secondes.")
    retry_after_seconds: int | None = Field(default=None, description="429 : secondes à attendre.")
