"""The versions vendors answered in submitted assessments, for `stackvet kb check`."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.assessments.models import EDITABLE, Assessment
from service.knowledge.check import versions_in_answers
from service.scoring.knowledge import KnowledgeBase

BATCH = 1000
SUBMITTED = Assessment.status.not_in(EDITABLE)


def seen_versions(
    session: Session, knowledge: KnowledgeBase
) -> tuple[int, dict[str, Counter[str]]]:
    """How many submitted (or scored) assessments there are, and the versions they answered.

    Every organisation's: the knowledge base is shared by all of them. Answers are streamed.
    """
    count = session.scalar(select(func.count()).select_from(Assessment).where(SUBMITTED)) or 0
    query = select(Assessment.answers).where(SUBMITTED).execution_options(yield_per=BATCH)
    return count, versions_in_answers(knowledge, session.scalars(query))
