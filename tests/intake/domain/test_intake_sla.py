"""Urban or suburban from the branch's district lists (SPEC S19), pure."""

from __future__ import annotations

from services.intake.domain import SlaClass, sla_class
from shared.branches import load_branches

SUBURBAN = frozenset({"Jiading", "Qingpu"})


def test_s19_a_district_on_the_suburban_list_is_suburban() -> None:
    assert sla_class("Qingpu", suburban_districts=SUBURBAN) is SlaClass.SUBURBAN
    assert sla_class("Huangpu", suburban_districts=SUBURBAN) is SlaClass.URBAN


def test_s19_an_unknown_or_mistyped_district_gets_the_stricter_urban_promise() -> None:
    # SPEC S19 [choice]: a typo never gives the customer a slower visit
    assert sla_class("Qingpu ", suburban_districts=SUBURBAN) is SlaClass.URBAN
    assert sla_class("Nowhere", suburban_districts=frozenset()) is SlaClass.URBAN


def test_s19_each_branch_has_its_own_lists() -> None:
    branches = load_branches(None)
    assert sla_class("Wujiang", suburban_districts=branches["SC02"].suburban_districts) \
        is SlaClass.SUBURBAN
    assert sla_class("Wujiang", suburban_districts=branches["SC01"].suburban_districts) \
        is SlaClass.URBAN
