"""Column types that behave the same on SQLite, MariaDB/MySQL and PostgreSQL."""

import datetime

from oslo_db.sqlalchemy import types as oslo_types
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


class UTCDateTime(sa.types.TypeDecorator):
    """A naive UTC timestamp with microseconds everywhere.

    MySQL/MariaDB ``DATETIME`` drops fractions of a second unless ``fsp=6``;
    move events are ordered and limits are checked from their times, so the
    precision matters.
    """

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value


JSONDict = oslo_types.JsonEncodedDict
