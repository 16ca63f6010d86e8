"""The registry of domain event kinds: every kind an outbox event can carry, declared once.

Each app declares the kinds it records in its own ``events.py`` with :func:`declare` — the name,
what it means and, where one audience reads it, which — and the code that records or subscribes
to a kind imports the declared constant instead of spelling the string. The names are a public
contract (webhook receivers filter on ``X-Casebridge-Event``): never rename one.

An :class:`EventKind` is the kind's string itself (a ``str``), so it goes wherever a kind did: an
outbox row, a handler's ``kinds``, a dictionary key, a JSON payload."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps


class EventKind(str):
    """A declared event kind: the string, what it means, and the audience that reads it ("" when
    that depends on the event, e.g. its engagement)."""

    meaning: str
    audience: str

    def __new__(cls, name: str, meaning: str, audience: str = "") -> EventKind:
        kind = super().__new__(cls, name)
        kind.meaning = meaning
        kind.audience = audience
        return kind

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        return (str, (str(self),))


_declared: dict[str, EventKind] = {}


def declare(name: str, meaning: str, *, audience: str = "") -> EventKind:
    """Declare an event kind once; declaring a name twice is a mistake."""
    if name in _declared:
        raise ValueError(f"The event kind {name!r} is declared twice.")
    kind = EventKind(name, meaning, str(audience))
    _declared[name] = kind
    return kind


def declared_kinds() -> dict[str, EventKind]:
    """Every declared kind by name, after importing each installed app's ``events`` module."""
    for config in apps.get_app_configs():
        try:
            import_module(f"{config.name}.events")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.events":
                raise
    return dict(_declared)
