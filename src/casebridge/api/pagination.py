"""List pagination with ``limit`` and ``offset``, both bounded (a 30-digit offset is a 422, not a
database error)."""

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

#: Far beyond any list anyone pages through; keyset cursors serve deeper reading (case queues).
MAX_OFFSET = 10_000_000


class Pages(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(
            settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
