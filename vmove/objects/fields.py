"""Field types and the enumerations every layer shares."""

from oslo_versionedobjects import fields

from vmove.moves import states

StringField = fields.StringField
IntegerField = fields.IntegerField
BooleanField = fields.BooleanField
DateTimeField = fields.DateTimeField
ListOfObjectsField = fields.ListOfObjectsField


class JsonDict(fields.FieldType):
    """A dict of JSON values (move parameters, event details)."""

    #: what coercion gives back as it is (objects built from rows store such values without calling it)
    ROW_TYPES = (dict,)

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


class MoveStatus(fields.Enum):
    """A move's status (:data:`vmove.moves.states.STATUSES`)."""

    def __init__(self):
        super().__init__(valid_values=states.STATUSES)


class ResourceTypeField(fields.BaseEnumField):
    AUTO_TYPE = ResourceType()


class MoveStatusField(fields.BaseEnumField):
    AUTO_TYPE = MoveStatus()
