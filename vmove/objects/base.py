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


class VmoveObjectSerializer(ovo_base.VersionedObjectSerializer):
    OBJ_BASE_CLASS = VmoveObject
