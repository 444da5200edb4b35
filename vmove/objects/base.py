"""The base of vmove's versioned objects.

Objects carry rows between the layers and over RPC; they never open the
database themselves: the query modules of each feature build them from rows
(:meth:`VmoveObject.from_row`).
"""

from oslo_versionedobjects import base as ovo_base


class VmoveObjectRegistry(ovo_base.VersionedObjectRegistry):
    pass


class VmoveObject(ovo_base.VersionedObject):
    OBJ_SERIAL_NAMESPACE = "vmove_object"
    OBJ_PROJECT_NAMESPACE = "vmove"

    @classmethod
    def _from_db_object(cls, context, obj, db_obj):
        for name in obj.fields:
            setattr(obj, name, getattr(db_obj, name))
        obj._context = context
        obj.obj_reset_changes()
        return obj

    @classmethod
    def from_row(cls, context, row):
        """The object of a database row (its columns of the same names)."""
        return cls._from_db_object(context, cls(), row)


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
