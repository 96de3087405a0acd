from django.apps import AppConfig


class SealingConfig(AppConfig):
    name = "haven.sealing"
    label = "sealing"
