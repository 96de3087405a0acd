"""The case page shows the newest few reports that mention the same person; "see all" pages the rest."""

import pytest
from django.urls import reverse

from haven.cases import services
from haven.cases.models import Case
from haven.linking.services import LINKED_SHOWN
from tests.conftest import text_of
from tests.factories import StaffUserFactory, verified_client
from tests.test_linking import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared():
    """LINKED_SHOWN + 3 reports naming the same username; the last one's case."""
    sent = [send(where=[("Instagram", "example_user")]) for _ in range(LINKED_SHOWN + 3)]
    return Case.objects.get(pk=sent[-1].case.pk), [Case.objects.get(pk=r.case.pk) for r in sent]


def test_the_case_page_shows_the_newest_few_and_links_to_all(shared):
    case, every = shared
    page = text_of(verified_client(StaffUserFactory()).get(reverse("staff:case", args=[case.id])))
    # The section between its heading and the next one.
    section = page.split("Other reports that mention the same person")[1].split("Linked cases")[0]
    assert f"{LINKED_SHOWN + 2} other reports mention the same username" in section
    assert "See all 7 reports that mention the same username" in section
    shown = {other.reference for other in every[:-1] if other.reference in section}
    newest_first = sorted(every[:-1], key=lambda c: (c.received_at, c.pk), reverse=True)
    assert shown == {c.reference for c in newest_first[:LINKED_SHOWN]}


def test_see_all_lists_every_one_and_masks_a_restricted_case(shared):
    case, every = shared
    supervisor, advisor = StaffUserFactory(role="supervisor"), StaffUserFactory()
    hidden = services.restrict_case(case=every[0], by=supervisor, allowed=[], reason="A colleague")
    url = reverse("staff:case_mentions", args=[case.id, "username"])

    page = text_of(verified_client(advisor).get(url))

    assert "7 reports, newest first" in page
    for other in every[1:-1]:
        assert other.reference in page
    assert hidden.reference not in page and "A restricted case" in page
    assert hidden.reference in text_of(verified_client(supervisor).get(url))


@pytest.mark.parametrize(
    "kind, query, status",
    [("nonsense", "", 404), ("username", "?page=2", 404), ("username", "?page=²", 404),
     ("email", "", 200), ("username", "?page=99999999999999999999", 404)],
)  # fmt: skip
def test_hostile_kinds_and_pages_answer_plainly(shared, kind, query, status):
    case, _every = shared
    url = reverse("staff:case_mentions", args=[case.id, kind]) + query
    assert verified_client(StaffUserFactory()).get(url).status_code == status


def test_a_restricted_case_s_own_list_is_refused_to_outsiders(shared):
    case, _every = shared
    supervisor = StaffUserFactory(role="supervisor")
    services.restrict_case(case=case, by=supervisor, allowed=[], reason="A colleague")
    url = reverse("staff:case_mentions", args=[case.id, "username"])
    assert verified_client(StaffUserFactory()).get(url).status_code == 403
