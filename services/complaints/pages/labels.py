"""Words the complaints pages and papers show for codes (translated where shown)."""

from __future__ import annotations


def _(message: str) -> str:
    """Marks a label for the catalogues; the page or paper translates it when rendering."""
    return message


# SPEC C5, R1: the classifications of a complaint.
CLASSES: dict[str, str] = {"non_quality": _("Non-quality"), "quality": _("Quality"),
                           "service": _("Service problem")}
# SPEC C9.8: the holders of the five copies; role names come from the shared catalogue.
HOLDERS: dict[str, str] = {"accounting": _("Accounting")}


# SPEC C9.4, R2, Q26: the steps of the shipped profiles, by code. Pages and papers show
# ``_(step)``: the catalogue gives each code its name in the seed's words (English: a
# readable name); a company's own step without an entry shows its code.
STEPS: tuple[str, ...] = (
    _("registration"), _("joint_inspection"), _("inspection_assignment"),
    _("assigned_inspection_report"), _("qa_analysis"), _("manufacturing_countermeasure"),
    _("manager_comment"), _("rnd_opinion"), _("gm_office_check"), _("sales_negotiation"),
    _("sales_review"), _("consolidation"), _("approval"), _("execution"),
    _("staff_investigation"), _("lead_review"), _("branch_approval"), _("cashier_execution"),
    _("vice_gm_handling"), _("supervisor_visit"), _("letter_to_customer"),
    _("service_dept_handling"), _("customer_notice"),
    # SPEC C9.4 sales_negotiation: the handling decided, shown on the case and its form
    _("allowance"), _("return"), _("reprocess"), _("not_valid"),
    # words of the papers used inside formatted text
    _("Copy for"), _("back-dated"), _("Reminder slip"),
)
