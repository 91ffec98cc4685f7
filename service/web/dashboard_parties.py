"""The dashboard's client and vendor filters: a name typed (or picked from suggestions), not a
drop-down of every client and vendor (an agency may have thousands).

The field takes a name, or an id from a link (a client's page links to its assessments). A name
that is exactly one client's, or is part of only one client's name, filters by that client;
part of several names shows those names as suggestions and asks for one; part of none says so.
Below SUGGEST_ALL clients (vendors) the suggestions list them all, like the drop-down did.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from service.assessments import overview
from service.assessments.overview import Party
from service.clients.models import Client
from service.vendors.models import Vendor

SUGGEST_ALL = 100
"""Up to this many clients (vendors), the suggestions are every name."""
SUGGESTIONS = 20
"""Otherwise at most this many names that contain what was typed."""


@dataclass(frozen=True)
class PartyFilter:
    noun: str
    text: str = ""
    """What the field shows."""
    id: uuid.UUID | None = None
    """The client (vendor) filtered by, once the text names exactly one."""
    suggestions: list[Party] = field(default_factory=list)
    message: str | None = None
    """Why the filter is not applied as typed."""
    nothing: bool = False
    """The filter names no one, so no assessment matches."""


def resolve_party(
    session: Session,
    organisation_id: uuid.UUID,
    model: type[Client] | type[Vendor],
    raw: str,
    noun: str,
) -> PartyFilter:
    if not raw:
        return PartyFilter(noun, suggestions=_all(session, organisation_id, model))
    try:
        row_id = uuid.UUID(raw)
    except ValueError:
        return _by_name(session, organisation_id, model, raw, noun)
    found = overview.party(session, organisation_id, model, row_id)
    if found is None:
        return PartyFilter(noun, message=f"That {noun} no longer exists.", nothing=True)
    return PartyFilter(noun, found.name, found.id, [found])


def _by_name(
    session: Session,
    organisation_id: uuid.UUID,
    model: type[Client] | type[Vendor],
    text: str,
    noun: str,
) -> PartyFilter:
    matches = overview.parties_named(session, organisation_id, model, text, SUGGESTIONS + 1)
    if not matches:
        return PartyFilter(noun, text, message=f"No {noun} name contains “{text}”.", nothing=True)
    if len(matches) == 1 or matches[0].name.casefold() == text.casefold():
        return PartyFilter(noun, matches[0].name, matches[0].id, matches[:1])
    shown = matches[:SUGGESTIONS]
    many = f"more than {SUGGESTIONS}" if len(matches) > SUGGESTIONS else str(len(matches))
    return PartyFilter(
        noun,
        text,
        suggestions=shown,
        message=f"{many} {noun}s match “{text}”: pick one from the suggestions or type more "
        f"of the name. Until then the {noun} filter is not applied.",
    )


def _all(
    session: Session, organisation_id: uuid.UUID, model: type[Client] | type[Vendor]
) -> list[Party]:
    if overview.party_count(session, organisation_id, model) > SUGGEST_ALL:
        return []
    return overview.parties_named(session, organisation_id, model, "", SUGGEST_ALL)
