from django.urls import reverse

from haven.reporting.models import Report


def test_a_parent_can_send_a_report_and_gets_a_reference(journey):
    report = journey.submit("parent")
    page = journey.client.get(reverse("reporting:sent"))
    assert page.status_code == 200
    assert report.reference in page.content.decode()
    assert Report.objects.count() == 1
