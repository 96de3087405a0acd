from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "haven.staff"
    label = "staff"

    def ready(self) -> None:
        from haven.staff import signals  # noqa: F401  (connects the receivers)
