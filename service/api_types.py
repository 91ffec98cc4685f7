"""Field types shared by the API schemas of several domains."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, Field, StringConstraints

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(examples=["Northwind Retail"]),
]
EXTERNAL_ID_PATTERN = r"^\S[\s\S]*$"
"""Not blank and no leading white space; any other character, `/` included (CRM ids such as
`acct/4412` travel in paths URL-encoded, `acct%2F4412`)."""

ExternalId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=EXTERNAL_ID_PATTERN),
    Field(
        description="Your CRM's id for this record, unique in your organisation.",
        examples=["hubspot-company-4412"],
    ),
]
ExternalIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        pattern=EXTERNAL_ID_PATTERN,
        description="Your CRM's id for the record, URL-encoded (`/` as `%2F`).",
    ),
]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or len(value) < 10:
        raise ValueError("must be a web address starting with http:// or https://")
    return value


WebAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500),
    AfterValidator(_http_url),
    Field(examples=["https://vendor.example"]),
]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("include a time zone, e.g. 2026-11-24T09:00:00Z")
    return value


AwareDateTime = Annotated[datetime, AfterValidator(_aware)]


def not_null(value: object) -> object:
    """For PATCH bodies: a field that may be left out but not set to null."""
    if value is None:
        raise ValueError("cannot be null; leave the field out to keep its value")
    return value
