"""The optional online look-up: a Hub model's card, config.json and file list as evidence.

Off unless STACKVET_HF_HUB_LOOKUP=true. Uses `huggingface_hub` against `HF_ENDPOINT` (read at
call time, so a stand-in server can be named), anonymously (no token is sent), with a time
limit and the same size limits as uploads; what it fetches goes through the same parsers.
"""

from __future__ import annotations

import logging
import os
import re

from huggingface_hub import HfApi, get_session, hf_hub_url
from huggingface_hub.errors import RepositoryNotFoundError
from sqlalchemy.orm import Session

from service.assessments.models import Assessment
from service.auth.principal import Principal
from service.errors import Conflict, InvalidInput, Unavailable
from service.evidence import service as evidence_service
from service.evidence.kinds import SIZE_LIMITS, EvidenceKind
from service.evidence.models import EvidenceFile

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_HUB_URL = re.compile(r"^https?://(www\.)?huggingface\.co/")
_FILES = (("README.md", EvidenceKind.MODEL_CARD), ("config.json", EvidenceKind.MODEL_CONFIG))


def endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def fetch(
    session: Session, principal: Principal, assessment: Assessment, repo_id: str | None
) -> list[EvidenceFile]:
    repo = _repo_id(assessment, repo_id)
    names = _file_list(repo)
    prefix = repo.replace("/", "--")  # as in the Hub's own cache folder names
    uploads = [
        evidence_service.Upload(
            f"{prefix}--files.txt", "\n".join(names).encode(), EvidenceKind.HUB_FILES, "hub"
        )
    ]
    for filename, kind in _FILES:
        if filename in names:
            content = _download(repo, filename, SIZE_LIMITS[kind])
            uploads.append(evidence_service.Upload(f"{prefix}--{filename}", content, kind, "hub"))
    stored = []
    for upload in uploads:
        try:
            stored.append(evidence_service.upload(session, principal, assessment, upload))
        except Conflict:  # the same bytes were fetched before: keep the first
            continue
    return stored


def _repo_id(assessment: Assessment, given: str | None) -> str:
    repo = given or assessment.answers.get("hf.hub_repo")
    if isinstance(repo, str):
        repo = _HUB_URL.sub("", repo.strip()).strip("/")
    if not isinstance(repo, str) or not _REPO_ID.match(repo):
        raise InvalidInput(
            "Name a Hub model as owner/name (for example Qwen/Qwen2.5-7B-Instruct), in the "
            "request or in the answer to hf.hub_repo.",
            errors=[{"field": "body.repo_id", "message": "a Hub model id such as owner/name"}],
        )
    return repo


def _file_list(repo: str) -> list[str]:
    api = HfApi(endpoint=endpoint(), token=False)
    try:
        info = api.model_info(repo, timeout=TIMEOUT_SECONDS, token=False)
    except Exception as exc:  # the HTTP client's own errors (connect, timeout) are not OSErrors
        if isinstance(exc, RepositoryNotFoundError) or _status(exc) in {401, 404}:
            raise InvalidInput(
                f"There is no public model '{repo}' on {endpoint()}.",
                errors=[{"field": "body.repo_id", "message": "no such public model"}],
            ) from exc
        raise _unreachable(exc) from exc
    return sorted(s.rfilename for s in info.siblings or [])


def _status(exc: Exception) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _download(repo: str, filename: str, limit: int) -> bytes:
    url = hf_hub_url(repo, filename, endpoint=endpoint())
    try:
        with get_session().stream("GET", url, timeout=TIMEOUT_SECONDS, follow_redirects=True) as r:
            r.raise_for_status()
            chunks, size = [], 0
            for chunk in r.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:  # keep one byte over: the parser reports the limit
                    break
            return b"".join(chunks)[: limit + 1]
    except Exception as exc:
        raise _unreachable(exc) from exc


def _unreachable(exc: Exception) -> Unavailable:
    logger.warning("hub look-up failed", extra={"error": repr(exc)})
    return Unavailable(
        f"Could not fetch from the Hugging Face Hub at {endpoint()}: {type(exc).__name__}. "
        "Try again later, or upload the model card and config.json yourself."
    )
