"""Versioned objects carried between the API and the engine."""


def register_all():
    # Importing the modules registers the classes with the registry.
    __import__("vmove.objects.move")
    __import__("vmove.objects.move_event")
    __import__("vmove.objects.engine")
    __import__("vmove.objects.plan")
    __import__("vmove.objects.notification")
