"""Evidence bytes in, facts or one clear error out: never an exception to the caller."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from service.evidence.facts import Fact
from service.evidence.kinds import LABELS, SIZE_LIMITS, EvidenceKind, human_size
from service.evidence.limits import EvidenceLimit, text_of
from service.evidence.parsers.registry import PARSERS

logger = logging.getLogger(__name__)

MAX_FACTS = 500


@dataclass(frozen=True)
class Parsed:
    facts: tuple[Fact, ...]
    error: str | None = None


def parse(kind: EvidenceKind, content: bytes) -> Parsed:
    limit = SIZE_LIMITS[kind]
    if len(content) > limit:
        return Parsed(
            (),
            f"{human_size(len(content))} is over the {human_size(limit)} limit for a "
            f"{LABELS[kind]}; upload the file itself, not an archive or a bundle of files",
        )
    try:
        facts = _unique(PARSERS[kind](text_of(content)))
    except EvidenceLimit as exc:
        return Parsed((), f"Could not read it as {LABELS[kind]}: {exc}.")
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        # a parser library tripped over a malformed file; the file is kept with this message
        logger.info("evidence parse failed", extra={"kind": kind.value, "error": repr(exc)})
        return Parsed((), f"Could not read it as {LABELS[kind]}: the file is malformed ({exc}).")
    return Parsed(facts)


def _unique(facts: object) -> tuple[Fact, ...]:
    seen: dict[tuple[str, str, str], Fact] = {}
    for fact in facts:  # type: ignore[attr-defined]
        seen.setdefault((fact.question, repr(fact.value), fact.subject), fact)
        if len(seen) >= MAX_FACTS:
            break
    return tuple(seen.values())
