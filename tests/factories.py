from __future__ import annotations

import factory
from django.contrib.auth import get_user_model


class StaffUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"advisor{n}")
    is_staff = True
    password = factory.django.Password("correct-horse-battery-9")

    class Params:
        not_staff = factory.Trait(is_staff=False, username=factory.Sequence(lambda n: f"member{n}"))
