from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "haven.accounts"
    label = "accounts"

    def ready(self) -> None:
        from haven.accounts import signals  # noqa: F401  (connects the receivers)
