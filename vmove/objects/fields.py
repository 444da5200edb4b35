"""Field types and the enumerations every layer shares."""

from oslo_versionedobjects import fields

StringField = fields.StringField
IntegerField = fields.IntegerField
BooleanField = fields.BooleanField
DateTimeField = fields.DateTimeField
ListOfObjectsField = fields.ListOfObjectsField


class JsonDict(fields.FieldType):
    """A dict of JSON values (move parameters, event details)."""

    @staticmethod
    def coerce(obj, attr, value):
        if not isinstance(value, dict):
            raise ValueError(f"{attr} must be a dict, not {type(value).__name__}")
        return value


class FlexibleDictField(fields.AutoTypedField):
    AUTO_TYPE = JsonDict()


class ResourceType(fields.Enum):
    INSTANCE = "instance"
    VOLUME = "volume"
    ALL = (INSTANCE, VOLUME)

    def __init__(self):
        super().__init__(valid_values=self.ALL)


class MoveType(fields.Enum):
    LIVE_MIGRATION = "live_migration"
    COLD_MIGRATION = "cold_migration"
    EVACUATION = "evacuation"
    VOLUME_MIGRATION = "volume_migration"
    VOLUME_RETYPE = "volume_retype"
    VOLUME_SWAP = "volume_swap"
    ALL = (LIVE_MIGRATION, COLD_MIGRATION, EVACUATION, VOLUME_MIGRATION, VOLUME_RETYPE, VOLUME_SWAP)

    def __init__(self):
        super().__init__(valid_values=self.ALL)


class MoveStatus(fields.Enum):
    PENDING = "pending"
    ONGOING = "ongoing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    IGNORED = "ignored"
    ALL = (PENDING, ONGOING, SUCCEEDED, FAILED, CANCELLED, IGNORED)
    TERMINAL = (SUCCEEDED, FAILED, CANCELLED, IGNORED)

    def __init__(self):
        super().__init__(valid_values=self.ALL)


class ResourceTypeField(fields.BaseEnumField):
    AUTO_TYPE = ResourceType()


class MoveTypeField(fields.BaseEnumField):
    AUTO_TYPE = MoveType()


class MoveStatusField(fields.BaseEnumField):
    AUTO_TYPE = MoveStatus()
