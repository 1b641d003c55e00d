"""The survey-link letter (SPEC Q24/Q25, issue 14), in the customer's language. Pure.

The customer gets their one-time answer link the morning after the call (Q24): by e-mail
when the customer file has an address, otherwise as a printed letter (the seed mails the
card). **[choice]** The texts live here, one per language, rather than in the console's
gettext catalogues: a letter is a document addressed to one customer in *their* language,
not a page in the reader's, and keeping the three versions side by side keeps them saying
the same thing. An unknown or missing language falls back to the branch's.
"""

from __future__ import annotations

from datetime import date

from shared.letter_text import LetterText

KIND = "survey_link"

_SUBJECT = {
    "zh-Hans": "请评价我们的服务（维修单 {voucher_no}）",
    "zh-Hant": "請評價我們的服務（維修單 {voucher_no}）",
    "en": "How did we do? Your repair {voucher_no}",
}

_TEXT = {
    "zh-Hans": (
        "{name} 您好：\n\n"
        "感谢您选择我们的售后服务。为了持续改进，请花一分钟评价这次服务"
        "（维修单 {voucher_no}）：服务态度、技术、到达时间与后续处理。\n\n"
        "请打开以下链接填写意见卡（仅可使用一次，{expires_on} 前有效）：\n{link}\n\n"
        "如有投诉或建议，也可在意见卡中填写，我们会尽快处理并回复您。\n\n"
        "售后服务部 敬上\n"
    ),
    "zh-Hant": (
        "{name} 您好：\n\n"
        "感謝您選擇我們的售後服務。為了持續改進，請花一分鐘評價這次服務"
        "（維修單 {voucher_no}）：服務態度、技術、到達時間與後續處理。\n\n"
        "請開啟以下連結填寫意見卡（僅可使用一次，{expires_on} 前有效）：\n{link}\n\n"
        "如有抱怨或建議，也可在意見卡中填寫，我們會儘快處理並回覆您。\n\n"
        "售後服務部 敬上\n"
    ),
    "en": (
        "Dear {name},\n\n"
        "Thank you for choosing our after-sales service. Please take a minute to tell us "
        "how we did on your repair {voucher_no}: the technician's attitude and skill, "
        "the arrival time and the follow-through.\n\n"
        "Open this link to fill in the opinion card (it works once, until {expires_on}):\n"
        "{link}\n\n"
        "If you have a complaint or a suggestion, write it on the card: we will look into "
        "it and answer you.\n\n"
        "The Service Department\n"
    ),
}




def survey_link_letter(*, language: str, name: str | None, voucher_no: str, link: str,
                       expires_on: date) -> LetterText:
    """Q24/Q25: the letter carrying the card's one-time answer link."""
    fields = {"name": name or "", "voucher_no": voucher_no, "link": link,
              "expires_on": expires_on.isoformat()}
    return LetterText(language=language, subject=_SUBJECT[language].format(**fields),
                      text=_TEXT[language].format(**fields))
