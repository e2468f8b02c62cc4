"""Which recognizers a scan runs: :func:`default_recognizers` builds them from an AnalyzerConfig."""
from __future__ import annotations

from lib.pii.base import AnalyzerConfig, Recognizer
from lib.pii.recognizers.accounts import QqRecognizer, WechatIdRecognizer
from lib.pii.recognizers.address import AddressRecognizer
from lib.pii.recognizers.bank_card import BankCardRecognizer
from lib.pii.recognizers.cn_id import CnIdRecognizer
from lib.pii.recognizers.custom import CustomRecognizer
from lib.pii.recognizers.email import EmailRecognizer
from lib.pii.recognizers.followup import FollowupRecognizer
from lib.pii.recognizers.ip import IpRecognizer
from lib.pii.recognizers.passport import PassportRecognizer
from lib.pii.recognizers.person import PersonRecognizer
from lib.pii.recognizers.person_en import EnglishNameRecognizer
from lib.pii.recognizers.person_zh import ChineseNameRecognizer
from lib.pii.recognizers.phone import PhoneRecognizer
from lib.pii.recognizers.plate import PlateRecognizer
from lib.pii.recognizers.secret import SecretRecognizer
from lib.pii.recognizers.url import UrlRecognizer
from lib.pii.recognizers.us_ssn import UsSsnRecognizer


def default_recognizers(config: AnalyzerConfig) -> list[Recognizer]:
    """Every recognizer, configured. Order does not matter: the analyzer resolves overlaps by score and span."""
    recs: list[Recognizer] = [
        PhoneRecognizer(regions=config.regions),
        EmailRecognizer(),
        CnIdRecognizer(),
        UsSsnRecognizer(),
        BankCardRecognizer(),
        IpRecognizer(),
        UrlRecognizer(),
        QqRecognizer(),
        WechatIdRecognizer(),
        PlateRecognizer(),
        PassportRecognizer(),
        AddressRecognizer(),
        SecretRecognizer(),
        FollowupRecognizer(regions=config.regions),  # runs only with the previous message (Analyzer.analyze prev)
        EnglishNameRecognizer(),
        ChineseNameRecognizer(),
    ]
    if config.names:
        recs.append(PersonRecognizer(config.names))
    owner = [t for t in config.terms if not t.norm]
    known = [t for t in config.terms if t.norm]
    if owner:
        recs.append(CustomRecognizer(owner))
    if known:  # values found elsewhere in the workspace (PiiStore.known_values): same value, same placeholder
        recs.append(CustomRecognizer(known, reason="known value (found elsewhere in the workspace)"))
    return recs
