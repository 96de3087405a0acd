from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "haven.reporting"
    label = "reporting"
