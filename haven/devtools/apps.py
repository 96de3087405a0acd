from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Tools for developing and measuring Haven, never part of the service itself: the seeding of
    synthetic reports (``manage.py seed_reports``). No models, and no app imports it."""

    name = "haven.devtools"
    label = "devtools"
