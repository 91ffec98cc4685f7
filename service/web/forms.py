"""Reading HTML forms, and turning domain errors into messages next to the fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from service.errors import ServiceError

T = TypeVar("T")


async def form_data(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def fields(form: FormData, *names: str) -> dict[str, str | None]:
    """The named fields, stripped; empty ones are None (an optional value left blank)."""
    return {name: text(form, name) or None for name in names}


def validation_messages(exc: ValidationError) -> dict[str, str]:
    """Pydantic errors as {field: message} a person can act on."""
    messages: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing" or error["type"] == "string_too_short":
            message = "is required"
        messages.setdefault(field, message)
    return messages


def service_messages(exc: ServiceError) -> dict[str, str]:
    """A domain error's per-field (or per-question) messages, keyed by field name."""
    messages: dict[str, str] = {}
    for error in exc.errors:
        key = (error.get("field") or error.get("question") or "form").removeprefix("body.")
        messages.setdefault(key, error["message"])
    return messages


def attempt(session: Session, action: Callable[[], T]) -> T | ServiceError:
    """Run a service call in a savepoint; on a domain error undo it and return the error.

    The page then shows the message, while the rest of the request's unit of work (a throttle
    counter, answers saved before a refused submission) still commits.
    """
    try:
        with session.begin_nested():
            return action()
    except ServiceError as exc:
        return exc
