"""What a questionnaire workbook says about itself, and the checksum that keeps it honest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.spreadsheets.layout import FORMAT


@dataclass(frozen=True)
class Identity:
    """The hidden sheet: which assessment and questionnaire a workbook belongs to."""

    assessment_id: str
    questionnaire: str
    version: str
    content_hash: str
    revision: int
    baselines: Mapping[str, Any]
    """Each question's answer as exported: a cell still holding it was not changed."""
    format: str = FORMAT

    def fields(self) -> dict[str, str]:
        return {
            "format": self.format,
            "assessment_id": self.assessment_id,
            "questionnaire": self.questionnaire,
            "version": self.version,
            "content_hash": self.content_hash,
            "revision": str(self.revision),
        }

    @property
    def checksum(self) -> str:
        payload = json.dumps(
            {"fields": self.fields(), "baselines": dict(self.baselines)},
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode()).hexdigest()
