"""A target for the threshold decision, targets again after a reopening, none to contact the
unreachable; and the open cases already stored brought under those rules.

For each open case: the threshold decision's target is counted from receipt, or from its last
reopening (a closed → assessing transition), as are the other unmet targets of a reopened
case; a case past assessing counts as decided, at its last threshold decision's time; a
reporter who left no way to be contacted has no first-contact target; and the queue's next
target is worked out again. Closed cases are left as they are: a reopening gives them their
targets. A first contact made before an old reopening still counts (the code before this did
not ask for another), and going back changes nothing.
"""

from typing import Any

from django.db import migrations, models
from django.db.models import Q

BATCH = 1000
# The statuses before a threshold decision; every other open status comes after one.
UNDECIDED = ("new", "assessing")


def _next_target(case: Any) -> tuple[Any, str]:
    """As cases.services._set_next_target, copied so that later changes leave this alone."""
    targets = [
        (case.first_read_due, "first_read", case.first_read_at),
        (case.threshold_decision_due, "threshold_decision", case.threshold_decided_at),
        (case.first_contact_due, "first_contact", case.first_contact_at),
    ]
    unmet = [(due, name) for due, name, met in targets if due is not None and met is None]
    return min(unmet, key=lambda target: target[0]) if unmet else (None, "")


def give_open_cases_their_targets(apps: Any, schema_editor: Any) -> None:
    from haven.triage.services import due_at

    db = schema_editor.connection.alias
    Case = apps.get_model("cases", "Case")
    Transition = apps.get_model("cases", "Transition")
    ids = list(
        Case.objects.using(db).exclude(status="closed").order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        moves = (
            Transition.objects.using(db)
            .filter(case_id__in=chunk)
            .filter(
                Q(from_status="closed", to_status="assessing")
                | Q(from_status="assessing", to_status__in=["below_threshold", "meets_threshold"])
            )
            .values_list("case_id", "from_status", "at")
        )
        reopened: dict[Any, Any] = {}
        decided: dict[Any, Any] = {}
        for case_id, from_status, at in moves:
            latest = reopened if from_status == "closed" else decided
            latest[case_id] = max(at, latest.get(case_id, at))
        cases = list(Case.objects.using(db).filter(pk__in=chunk).select_related("report"))
        for case in cases:
            case.reopened_at = reopened.get(case.pk)
            if case.status not in UNDECIDED:
                # A status set without its transition (seeded data) has no decision time: the
                # first read is the latest time known to be before it.
                case.threshold_decided_at = (
                    decided.get(case.pk) or case.first_read_at or case.received_at
                )
            clock = case.reopened_at or case.received_at
            case.threshold_decision_due = due_at(
                priority=case.priority, received_at=clock, what="threshold_decision"
            )
            # Targets counted from receipt stay as stored; only a reopening moves their clock.
            if case.reopened_at is not None and case.first_read_at is None:
                case.first_read_due = due_at(
                    priority=case.priority, received_at=clock, what="first_read"
                )
            if case.first_contact_at is None and not case.report.contactable:
                case.first_contact_due = None
            elif case.first_contact_at is None and case.reopened_at is not None:
                case.first_contact_due = due_at(
                    priority=case.priority, received_at=clock, what="first_contact"
                )
            case.next_due_at, case.next_target = _next_target(case)
        Case.objects.using(db).bulk_update(
            cases,
            [
                "reopened_at",
                "threshold_decided_at",
                "threshold_decision_due",
                "first_read_due",
                "first_contact_due",
                "next_due_at",
                "next_target",
            ],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_seal_safety_action_owner"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="threshold_decision_due",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="threshold_decided_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="reopened_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="next_target",
            field=models.CharField(
                blank=True,
                choices=[
                    ("first_read", "First read"),
                    ("threshold_decision", "Threshold decision"),
                    ("first_contact", "First contact"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("next_target__in", ["first_read", "threshold_decision", "first_contact", ""])
                ),
                name="case_next_target_valid",
            ),
        ),
        migrations.RunPython(give_open_cases_their_targets, migrations.RunPython.noop),
    ]
