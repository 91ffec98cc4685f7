"""Publishing questionnaire versions to the database and reading pinned versions back.

A version is published the first time it is used or at start-up. From then on it is immutable:
if its file changes without a new version number, start-up stops with a clear message, so a
score can always be traced to the exact questions it was computed from.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.catalog.models import QuestionnaireVersion
from service.errors import InvalidInput, NotFound
from service.questionnaires.answers import check_answers
from service.questionnaires.catalog import Catalog, Definition
from service.questionnaires.loader import DefinitionError, DefinitionProblem
from service.questionnaires.schema import Questionnaire


def publish(session: Session, definition: Definition) -> QuestionnaireVersion:
    """The database row for a definition, inserting it the first time."""
    row = _find(session, definition.slug, definition.version)
    if row is not None:
        _ensure_unchanged(row, definition)
        return row
    row = QuestionnaireVersion(
        slug=definition.slug,
        version=definition.version,
        content_hash=definition.content_hash,
        definition=definition.questionnaire.model_dump(mode="json", by_alias=True),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another process published it a moment ago; use theirs.
        found = _find(session, definition.slug, definition.version)
        assert found is not None
        _ensure_unchanged(found, definition)
        return found
    return row


def publish_all(session: Session, catalog: Catalog) -> None:
    """Publish every shipped version; refuse if a published one was edited in place."""
    problems: list[DefinitionProblem] = []
    for definition in catalog:
        try:
            publish(session, definition)
        except DefinitionError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DefinitionError(problems)


def _find(session: Session, slug: str, version: str) -> QuestionnaireVersion | None:
    query = select(QuestionnaireVersion).where(
        QuestionnaireVersion.slug == slug, QuestionnaireVersion.version == version
    )
    return session.scalar(query)


def _ensure_unchanged(row: QuestionnaireVersion, definition: Definition) -> None:
    if row.content_hash != definition.content_hash:
        file = f"{definition.slug}-{definition.version}.yaml"
        raise DefinitionError(
            [
                DefinitionProblem(
                    file,
                    "version",
                    f"version {definition.version} was published with {row.content_hash[:19]}… "
                    f"but the file now hashes to {definition.content_hash[:19]}…; published "
                    "versions are immutable: restore the file and put the changes in a new "
                    "version",
                )
            ]
        )


def latest(catalog: Catalog, slug: str) -> Definition:
    definition = catalog.latest(slug)
    if definition is None:
        known = ", ".join(catalog.slugs())
        raise NotFound(f"There is no questionnaire '{slug}'. Known questionnaires: {known}.")
    return definition


def version(catalog: Catalog, slug: str, number: str) -> Definition:
    latest(catalog, slug)
    definition = catalog.get(slug, number)
    if definition is None:
        versions = ", ".join(d.version for d in catalog.versions(slug))
        raise NotFound(f"Questionnaire '{slug}' has no version {number}; it has: {versions}.")
    return definition


def questionnaire_of(row: QuestionnaireVersion) -> Questionnaire:
    """The questionnaire a pinned row describes, parsed once per content hash; the row's
    (deferred) definition is fetched only the first time this process meets the hash."""
    parsed = _PARSED.get(row.content_hash)
    if parsed is None:
        parsed = questionnaire_from_definition(row.content_hash, row.definition)
    return parsed


def pinned_questionnaire(
    session: Session, questionnaire_id: uuid.UUID, content_hash: str
) -> Questionnaire:
    """The questionnaire of version `questionnaire_id` (whose hash is `content_hash`): from
    this process's cache, or its row when the process has not met the hash yet."""
    parsed = _PARSED.get(content_hash)
    if parsed is None:
        row = session.get(QuestionnaireVersion, questionnaire_id)
        assert row is not None, "assessments pin an existing questionnaire version"
        parsed = questionnaire_of(row)
    return parsed


def questionnaire_from_definition(
    content_hash: str, definition: Mapping[str, Any]
) -> Questionnaire:
    parsed = _PARSED.get(content_hash)
    if parsed is None:
        parsed = Questionnaire.model_validate(definition)
        _PARSED[content_hash] = parsed
    return parsed


_PARSED: dict[str, Questionnaire] = {}


def require_valid_answers(questionnaire: Questionnaire, patch: Mapping[str, Any]) -> None:
    """Raise one InvalidInput listing every bad answer by question id."""
    problems = check_answers(questionnaire, patch)
    if not problems:
        return
    summary = "; ".join(f"{p.question}: {p.message}" for p in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    raise InvalidInput(
        f"{len(problems)} answer{'s are' if len(problems) > 1 else ' is'} not valid: "
        f"{summary}{more}",
        errors=[{"question": p.question, "message": p.message} for p in problems],
    )
