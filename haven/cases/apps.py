from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "haven.cases"
    label = "cases"

    def ready(self) -> None:
        from haven.cases import receivers  # noqa: F401  (connects the receivers)
