"""The complaint outcome letter (SPEC Q26 函告該客戶, issue 14), in the customer's
language. Pure: no I/O.

Q26: "the customer is told the outcome by letter" (serious, through the service
department's ``letter_to_customer`` step) or "in writing or by phone" (general, the
``customer_notice`` step's ``channel``). **[choices]**

- The letter is queued when the case *closes*, in the closing transaction: both Q26
  paths end on their telling step, and a manufacturer or retail case filed with the
  customer's contact ends on sales carrying out the decision, so the close is the one
  moment the outcome is final for every profile.
- It goes only to a customer we can reach (an e-mail, else a postal address) and not when
  the step records ``channel = phone`` (the customer was told on the phone: no letter).
- The texts live here, one per language, rather than in the console's catalogues: a
  letter is in *its reader's* language, and the three versions side by side say the
  same thing. The ``letter_ref`` typed at the step, if any, is quoted as "our ref".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.letter_text import LetterText

KIND = "complaint_outcome"
PHONE = "phone"


@dataclass(frozen=True)
class Outcome:
    """What the letter tells: the case, what was decided and what happens next."""

    case_no: str
    customer: str
    received_on: date
    closed_on: date
    outcome: str | None = None  # the handling step's own words (service profile)
    handling: str | None = None  # allowance | return | reprocess | not_valid
    amount: str | None = None  # the approved amount, formatted by the caller
    visited_on: date | None = None  # Q28: the supervisor's visit
    letter_ref: str | None = None



def wants_letter(*, channel: str | None, has_contact: bool) -> bool:
    """Q26: a letter unless the customer was told by phone or cannot be reached."""
    return has_contact and channel != PHONE



_SUBJECT = {
    "zh-Hans": "您的投诉处理结果（案号 {case_no}）",
    "zh-Hant": "您的抱怨處理結果（案號 {case_no}）",
    "en": "The outcome of your complaint {case_no}",
}
_GREETING = {"zh-Hans": "{customer} 您好：", "zh-Hant": "{customer} 您好：",
             "en": "Dear {customer},"}
_INTRO = {
    "zh-Hans": "您于 {received_on} 提出的投诉（案号 {case_no}）"
               "已于 {closed_on} 处理完毕，结果如下。",
    "zh-Hant": "您於 {received_on} 提出的抱怨（案號 {case_no}）"
               "已於 {closed_on} 處理完畢，結果如下。",
    "en": "Your complaint of {received_on} (case {case_no}) was concluded on {closed_on}. "
          "This is what we decided.",
}
_DECIDED = {"zh-Hans": "处理结果：{outcome}", "zh-Hant": "處理結果：{outcome}",
            "en": "Outcome: {outcome}"}
_VISITED = {"zh-Hans": "我们的主管已于 {visited_on} 拜访您。",
            "zh-Hant": "我們的主管已於 {visited_on} 拜訪您。",
            "en": "Our supervisor visited you on {visited_on}."}
_HANDLING = {
    "allowance": {"zh-Hans": "处理方式：折让 {amount}", "zh-Hant": "處理方式：折讓 {amount}",
                  "en": "Handling: an allowance of {amount}"},
    "return": {"zh-Hans": "处理方式：退货", "zh-Hant": "處理方式：退貨",
               "en": "Handling: the goods are taken back"},
    "reprocess": {"zh-Hans": "处理方式：退回重新加工", "zh-Hant": "處理方式：退回重新加工",
                  "en": "Handling: the goods are taken back and reprocessed"},
    "not_valid": {"zh-Hans": "处理方式：经调查，本次投诉不成立",
                  "zh-Hant": "處理方式：經調查，本次抱怨不成立",
                  "en": "Handling: after investigation, the complaint was not upheld"},
}
_NEXT = {
    "allowance": {"zh-Hans": "接下来：我们的业务人员会与您联系，办理折让并请您签回折让证明。",
                  "zh-Hant": "接下來：我們的業務人員會與您聯繫，辦理折讓並請您簽回折讓證明。",
                  "en": "What happens next: our sales representative will contact you to "
                        "settle the allowance and ask you to sign the allowance certificate."},
    "return": {"zh-Hans": "接下来：我们的业务人员会与您联系，安排退货及退款事宜。",
               "zh-Hant": "接下來：我們的業務人員會與您聯繫，安排退貨及退款事宜。",
               "en": "What happens next: our sales representative will contact you to "
                     "arrange the return and the refund."},
    "reprocess": {"zh-Hans": "接下来：我们的业务人员会与您联系，安排取回货品重新加工后交还。",
                  "zh-Hant": "接下來：我們的業務人員會與您聯繫，安排取回貨品重新加工後交還。",
                  "en": "What happens next: our sales representative will contact you to "
                        "collect the goods, which come back to you reprocessed."},
    None: {"zh-Hans": "接下来：本案已结案，您无需再做任何事。",
           "zh-Hant": "接下來：本案已結案，您無需再做任何事。",
           "en": "What happens next: the case is closed; there is nothing more you need to do."},
}
_DISAGREE = {
    "zh-Hans": "如您对处理结果有异议，请回复本函或来电并告知案号 {case_no}，我们会重新审理。",
    "zh-Hant": "如您對處理結果有異議，請回覆本函或來電並告知案號 {case_no}，我們會重新審理。",
    "en": "If you do not accept this outcome, reply to this letter or call us quoting case "
          "{case_no}, and we will look into it again.",
}
_REF = {"zh-Hans": "本函编号：{letter_ref}", "zh-Hant": "本函編號：{letter_ref}",
        "en": "Our ref: {letter_ref}"}
_SIGNED = {"zh-Hans": "客户服务部 敬上", "zh-Hant": "客戶服務部 敬上",
           "en": "Customer Service"}


def outcome_letter(outcome: Outcome, *, language: str) -> LetterText:
    """Q26: the letter telling the customer how their complaint ended and what comes next."""
    f = {"case_no": outcome.case_no, "customer": outcome.customer or "",
         "received_on": outcome.received_on.isoformat(),
         "closed_on": outcome.closed_on.isoformat(), "outcome": outcome.outcome or "",
         "amount": outcome.amount or "",
         "visited_on": outcome.visited_on.isoformat() if outcome.visited_on else "",
         "letter_ref": outcome.letter_ref or ""}
    lines = [_GREETING[language].format(**f), "", _INTRO[language].format(**f), ""]
    if outcome.outcome:
        lines.append(_DECIDED[language].format(**f))
    if outcome.handling in _HANDLING:
        lines.append(_HANDLING[outcome.handling][language].format(**f))
    if outcome.visited_on is not None:
        lines.append(_VISITED[language].format(**f))
    upheld = outcome.handling if outcome.handling in _NEXT else None
    lines += ["", _NEXT[upheld][language], _DISAGREE[language].format(**f), ""]
    if outcome.letter_ref:
        lines.append(_REF[language].format(**f))
    lines.append(_SIGNED[language])
    return LetterText(language=language, subject=_SUBJECT[language].format(**f),
                      text="\n".join(lines) + "\n")
