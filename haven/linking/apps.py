from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "haven.linking"
    label = "linking"
