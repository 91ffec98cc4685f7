"""Published rule packs and knowledge-base snapshots are immutable and kept."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.questionnaires.loader import DefinitionError
from service.scores import service as score_service
from service.scores.models import KnowledgeSnapshot, RulePackVersion
from service.scoring.library import Library


def test_a_published_pack_cannot_change_without_a_new_version(
    session: Session, library: Library
) -> None:
    loaded = library.pack_for("ai-framework@1.0")
    assert loaded is not None
    first = score_service.publish_pack(session, loaded)
    assert score_service.publish_pack(session, loaded).id == first.id
    edited = replace(
        loaded,
        pack=loaded.pack.model_copy(update={"title": "Edited in place"}),
        content_hash="sha256:" + "1" * 64,
    )
    with pytest.raises(DefinitionError, match="published packs are immutable"):
        score_service.publish_pack(session, edited)
    bumped = replace(edited, pack=edited.pack.model_copy(update={"version": "1.1"}))
    assert score_service.publish_pack(session, bumped).id != first.id
    assert session.scalar(select(func.count()).select_from(RulePackVersion)) == 2


def test_each_knowledge_base_state_is_kept(session: Session, library: Library) -> None:
    first = score_service.publish_knowledge(session, library)
    assert score_service.publish_knowledge(session, library).id == first.id
    changed = replace(library, knowledge_hash="sha256:" + "2" * 64)
    assert score_service.publish_knowledge(session, changed).id != first.id
    assert session.scalar(select(func.count()).select_from(KnowledgeSnapshot)) == 2
