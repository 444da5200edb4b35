"""The base of vmove's versioned objects.

Objects carry rows between the layers and over RPC; they never open the
database themselves: the query modules of each feature build them from rows
(:meth:`VmoveObject.from_row`).
"""

import datetime
import functools
import operator

from oslo_utils import versionutils
from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields

#: field classes whose database values need no coercion (str, int, bool, or None where nullable)
_PLAIN = (fields.StringField, fields.IntegerField, fields.BooleanField)


class VmoveObjectRegistry(ovo_base.VersionedObjectRegistry):
    pass


class VmoveObject(ovo_base.VersionedObject):
    OBJ_SERIAL_NAMESPACE = "vmove_object"
    OBJ_PROJECT_NAMESPACE = "vmove"

    #: version -> the fields it added: a consumer of an older version gets none of them
    ADDED: dict = {}

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        target = versionutils.convert_version_to_tuple(target_version)
        for version, names in self.ADDED.items():
            if target < versionutils.convert_version_to_tuple(version):
                for name in names:
                    primitive.pop(name, None)

    @classmethod
    def _from_db_object(cls, context, obj, db_obj):
        """Fill ``obj`` from a row. Strings, integers and booleans the database gives are stored as they
        are and its naive UTC times made aware (what coercion would do, at a fraction of its cost: a list
        page builds a hundred objects); enumerations and dicts are stored as they are when coercion would
        keep them so (a valid value, a dict, None where nullable), otherwise set, and so coerced, as usual."""
        (plain_values, plain_attrs), times, checked = cls._row_fields()
        # a Core row gives all its values at once (its mapping is made anew at every access: once); an ORM
        # instance one attribute at a time
        values = getattr(db_obj, "_mapping", None)
        if values is None:
            values = _Attributes(db_obj)
        attrs = obj.__dict__
        attrs.update(zip(plain_attrs, plain_values(values), strict=True))
        for name, attr in times:
            value = values[name]
            if value is not None and value.tzinfo is None:
                value = value.replace(tzinfo=datetime.UTC)
            attrs[attr] = value
        for name, attr, kept in checked:
            value = values[name]
            if kept(value):
                attrs[attr] = value
            else:
                setattr(obj, name, value)
        obj._context = context
        obj.obj_reset_changes()
        return obj

    @classmethod
    def _row_fields(cls):
        """The fields of the class that need no coercion (a getter of their values from a row's mapping, their
        attributes), the times as (name, attribute) pairs, and the other fields as (name, attribute, whether
        coercion keeps a value as it is) (computed once)."""
        found = cls.__dict__.get("_vmove_row_fields")
        if found is None:
            plain, times, checked = [], [], []
            for name, field in cls.fields.items():
                kind = type(field)
                if kind in _PLAIN:
                    plain.append((name, "_obj_" + name))
                elif kind is fields.DateTimeField:
                    times.append((name, "_obj_" + name))
                else:
                    checked.append((name, "_obj_" + name, _kept_as_is(field)))
            plain_values = _getter(tuple(name for name, _ in plain))
            found = ((plain_values, tuple(attr for _, attr in plain)), tuple(times), tuple(checked))
            cls._vmove_row_fields = found
        return found

    def obj_values(self, names: tuple) -> dict:
        """``{name: value}`` of fields that are set (an API view of a page reads thousands of them; the
        field properties cost more than the values)."""
        attrs = self.__dict__
        return {name: attrs[attr] for name, attr in _attributes(names)}

    @classmethod
    def from_row(cls, context, row):
        """The object of a database row (its columns of the same names)."""
        return cls._from_db_object(context, cls(), row)


class Row(VmoveObject, ovo_base.VersionedObjectDictCompat):
    """An object of one table row (its ``id``), read as a dict too (Masakari's clients and the views do)."""

    fields = {"id": fields.IntegerField()}


# Groups of fields several objects share; a class names them among its bases and oslo.versionedobjects
# merges their fields into its own (as Nova's NovaPersistentObject does).


class Timestamps:
    """When the row was made and last changed."""

    fields = {"created_at": fields.DateTimeField(), "updated_at": fields.DateTimeField()}


class Owner:
    """The project the row belongs to, and the user who made it."""

    fields = {"project_id": fields.StringField(), "user_id": fields.StringField(nullable=True)}


class Lease:
    """The engine driving the row, and until when its lease holds (another engine takes over after)."""

    fields = {"engine_id": fields.StringField(nullable=True), "lease_until": fields.DateTimeField(nullable=True)}


def _getter(names: tuple):
    """``values -> (values[name], ...)`` of ``names``, in one call (``operator.itemgetter`` of one name gives
    the value alone)."""
    if len(names) >= 2:
        return operator.itemgetter(*names)
    return lambda values: tuple(values[name] for name in names)


def _kept_as_is(field):
    """Whether coercion by ``field`` gives a value back unchanged: a valid value of an enumeration, a value of
    the types a field type keeps (``ROW_TYPES``: a dict of JSON values), None where nullable; else never."""
    nullable = field.nullable
    if type(field).coerce is not fields.Field.coerce:
        return lambda value: False
    if isinstance(field._type, fields.Enum) and type(field._type).coerce is fields.Enum.coerce:
        valid = frozenset(field._type.valid_values)
        return lambda value: (type(value) is str and value in valid) or (value is None and nullable)
    types = getattr(field._type, "ROW_TYPES", None)
    if types:
        return lambda value: isinstance(value, types) or (value is None and nullable)
    return lambda value: False


@functools.lru_cache(maxsize=256)
def _attributes(names: tuple) -> tuple:
    """``(name, attribute)`` of each field name: where a set field keeps its value."""
    return tuple((name, "_obj_" + name) for name in names)


class _Attributes:
    """An ORM instance read like a row's mapping."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __getitem__(self, name):
        return getattr(self.obj, name)


def list_of(item) -> type:
    """The list object of ``item`` objects, ``<Item>List``, registered. Its versions are the item's: list 1.N
    carries item 1.N."""
    name = item.obj_name()
    attrs = {
        "__module__": item.__module__,
        "__doc__": f"A list of {name} objects.",
        "VERSION": item.VERSION,
        "fields": {"objects": fields.ListOfObjectsField(name)},
    }
    return VmoveObjectRegistry.register(type(f"{name}List", (VmoveObject, ovo_base.ObjectListBase), attrs))


def make_list(list_cls, context, objects):
    """A list object (``MoveList``, ...) of objects already made."""
    result = list_cls(context)
    result.objects = list(objects)
    result._context = context
    result.obj_reset_changes()
    return result


class VmoveObjectSerializer(ovo_base.VersionedObjectSerializer):
    """Objects to and from their primitives.

    With a ``manifest`` (``{"Move": "1.1", ...}``: the versions an older receiver knows) every object is
    sent backported to its version there (``obj_make_compatible``), its children too.
    """

    OBJ_BASE_CLASS = VmoveObject

    def __init__(self, manifest=None):
        super().__init__()
        self.manifest = manifest

    def serialize_entity(self, context, entity):
        if self.manifest and isinstance(entity, ovo_base.VersionedObject):
            name = entity.obj_name()
            return entity.obj_to_primitive(target_version=self.manifest.get(name), version_manifest=self.manifest)
        return super().serialize_entity(context, entity)
