"""The contract expiry notice to the holder (保養到期通知書, SPEC S20, issue 14). Pure.

S20: one month before a maintenance contract ends, the branch sends the holder an expiry
notice and sends someone to win the renewal. The notice is the letter below: by e-mail
when billing knows the holder's address, else printed and posted (the seed mails it);
the printable notice (``GET /contracts/{no}/expiry-notice/pdf``) carries the same words.
**[choice]** The three versions live here side by side rather than in the console's
catalogues: a letter is in its reader's language, not the accountant's.
"""

from __future__ import annotations

from datetime import date

from shared.letter_text import LetterText

KIND = "expiry_notice"




_SUBJECT = {
    "zh-Hans": "保养合约到期通知（合约 {contract_no}）",
    "zh-Hant": "保養合約到期通知（合約 {contract_no}）",
    "en": "Your maintenance contract {contract_no} ends on {ends_on}",
}
_TEXT = {
    "zh-Hans": (
        "{name} 您好：\n\n"
        "您的保养合约 {contract_no}（{starts_on} 至 {ends_on}）将于 {ends_on} 到期。"
        "到期后，维修将不再由合约承保，需按次收费。\n\n"
        "为了让您的产品继续得到保养，我们的服务人员近日会与您联系，安排拜访并为您说明续约方式。"
        "您也可以直接联系我们的分公司 {branch}，并告知合约编号。\n\n"
        "通知日期：{issued_on}\n\n"
        "售后服务部 敬上\n"
    ),
    "zh-Hant": (
        "{name} 您好：\n\n"
        "您的保養合約 {contract_no}（{starts_on} 至 {ends_on}）將於 {ends_on} 到期。"
        "到期後，維修將不再由合約承保，需按次收費。\n\n"
        "為了讓您的產品繼續得到保養，我們的服務人員近日會與您聯繫，安排拜訪並為您說明續約方式。"
        "您也可以直接聯繫我們的分公司 {branch}，並告知合約編號。\n\n"
        "通知日期：{issued_on}\n\n"
        "售後服務部 敬上\n"
    ),
    "en": (
        "Dear {name},\n\n"
        "Your maintenance contract {contract_no} ({starts_on} to {ends_on}) ends on "
        "{ends_on}. After that day, repairs are no longer covered by the contract and are "
        "charged per visit.\n\n"
        "To keep your appliance covered, one of our staff will contact you in the coming "
        "days to arrange a visit and explain how to renew. You may also contact our branch "
        "{branch} directly, quoting the contract number.\n\n"
        "Date of this notice: {issued_on}\n\n"
        "The After-sales Service Department\n"
    ),
}


def expiry_notice_letter(*, language: str, name: str, contract_no: str, branch: str,
                         starts_on: date, ends_on: date, issued_on: date) -> LetterText:
    """S20: the notice telling the holder the contract ends and someone will come."""
    fields = {"name": name, "contract_no": contract_no, "branch": branch,
              "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
              "issued_on": issued_on.isoformat()}
    return LetterText(language=language, subject=_SUBJECT[language].format(**fields),
                      text=_TEXT[language].format(**fields))
