"""How the API reads a request: a body is JSON (said so when it is not), and no text in it or
in the query holds a NUL character (PostgreSQL cannot even compare one)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from casebridge.core.errors import DomainError, UnsupportedMediaType, ValidationFailed

JSON_TYPES = ("application/json",)
NO_NUL = "No text holds a NUL character (\\u0000)."


class MalformedBody(DomainError):
    """The body is not the JSON it says it is."""

    code = "malformed_body"
    status = 400


def not_json(content_type: str) -> UnsupportedMediaType:
    sent = content_type or "no Content-Type"
    return UnsupportedMediaType(
        f"This operation takes a JSON body: send it as application/json, not {sent}.",
        fields={"Content-Type": "application/json"},
    )


def is_json(content_type: str) -> bool:
    return content_type in JSON_TYPES or content_type.endswith("+json")


class JsonParser(Parser):
    """ninja's parser, refusing what is not JSON with a domain error (the API's error handler
    answers it: 415 for another media type, 400 for JSON that does not parse)."""

    def parse_body(self, request: HttpRequest) -> Any:
        if not is_json(request.content_type or ""):
            raise not_json(request.content_type or "")
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError) as error:
            raise MalformedBody(
                "The body is not valid JSON.", fields={"__all__": [str(error)[:200]]}
            ) from error
        if where := _nul_in(data, ""):
            raise ValidationFailed(
                "The body holds a NUL character.",
                fields={where: ["No text holds a NUL (\\u0000)."]},
            )
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        for key, values in data.lists():
            if any(isinstance(value, str) and "\x00" in value for value in [key, *values]):
                raise ValidationFailed(
                    "The request holds a NUL character.",
                    fields={key.replace("\x00", ""): [NO_NUL]},
                )
        return super().parse_querydict(data, list_fields, request)


def _nul_in(data: Any, where: str) -> str:
    """The dotted place of the first string (key or value) holding a NUL, or ""."""
    if isinstance(data, str):
        return (where or "__all__") if "\x00" in data else ""
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return ""
    for key, value in items:
        place = f"{where}.{key}" if where else str(key)
        if isinstance(key, str) and "\x00" in key:
            return place.replace("\x00", "")
        if found := _nul_in(value, place):
            return found
    return ""
