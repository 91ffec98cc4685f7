"""`stackvet kb check`: what in the knowledge base needs a review. Exit 1 when anything does."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime

import click
from sqlalchemy.exc import SQLAlchemyError

from service.config import get_settings
from service.db import create_db_engine, create_session_factory
from service.knowledge import service as knowledge_service
from service.knowledge.check import Issue, IssueKind, review
from service.questionnaires.catalog import Catalog
from service.scoring.knowledge import KnowledgeBase
from service.scoring.library import Library

Definitions = Callable[[], tuple[Catalog, Library]]

HEADINGS = {
    IssueKind.STALE_SOURCES: "Sources not checked within the review interval:",
    IssueKind.BEHIND_ANSWERS: "Behind the answers (vendors report a newer version than `latest`):",
}


def register(main: click.Group, definitions: Definitions) -> None:
    main.add_command(_kb_group(definitions))


def _kb_group(definitions: Definitions) -> click.Group:
    @click.group("kb")
    def kb() -> None:
        """The technical-currency knowledge base."""

    @kb.command("check")
    @click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Judge the dates as of this day (YYYY-MM-DD) instead of today.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the issues as JSON.")
    def check(today: datetime | None, as_json: bool) -> None:
        """List entries to review: stale sources, and versions in answers above `latest`.

        Reads the submitted assessments from the database. Exit 0 when there is nothing to
        review, 1 when there is (or when the database cannot be read).
        """
        knowledge = definitions()[1].knowledge
        day = today.date() if today else date.today()
        assessments, seen = _seen_or_exit(knowledge)
        issues = review(knowledge, day, seen)
        if as_json:
            click.echo(json.dumps(_document(knowledge, day, assessments, issues), indent=2))
        else:
            click.echo(report(knowledge, day, assessments, issues))
        sys.exit(1 if issues else 0)

    return kb


def _seen_or_exit(knowledge: KnowledgeBase) -> tuple[int, dict[str, Counter[str]]]:
    engine = create_db_engine(get_settings().database_url)
    try:
        with create_session_factory(engine)() as session:
            return knowledge_service.seen_versions(session, knowledge)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        click.echo(
            f"error  cannot read submitted assessments from the database ({reason}). Check "
            "STACKVET_DATABASE_URL and run `stackvet migrate`; nothing was checked.",
            err=True,
        )
        sys.exit(1)
    finally:
        engine.dispose()


def report(knowledge: KnowledgeBase, today: date, assessments: int, issues: list[Issue]) -> str:
    lines = [
        f"Knowledge base as of {knowledge.as_of}, reviewed every "
        f"{knowledge.review_interval_days} days; checked on {today.isoformat()} against "
        f"{assessments} submitted assessment{'s' if assessments != 1 else ''}.",
    ]
    for kind, heading in HEADINGS.items():
        mine = [issue for issue in issues if issue.kind is kind]
        if mine:
            lines += ["", heading]
            lines += [f"  {i.entry:<22} {i.name}: {i.message}" for i in mine]
    entries = len({issue.entry for issue in issues})
    lines.append("")
    lines.append(
        f"{entries} entr{'y' if entries == 1 else 'ies'} to review: update them in "
        "knowledge-base.yaml, then run `stackvet rescore`."
        if issues
        else "Nothing to review: every source is recent and no answer is ahead of the base."
    )
    return "\n".join(lines)


def _document(
    knowledge: KnowledgeBase, today: date, assessments: int, issues: list[Issue]
) -> dict[str, object]:
    return {
        "as_of": knowledge.as_of,
        "review_interval_days": knowledge.review_interval_days,
        "today": today.isoformat(),
        "submitted_assessments": assessments,
        "issues": [asdict(issue) for issue in issues],
    }
