"""Which recognizers a scan runs: :func:`default_recognizers` builds them from an AnalyzerConfig."""
from __future__ import annotations

from lib.pii.base import AnalyzerConfig, Recognizer
from lib.pii.recognizers.accounts import QqRecognizer, WechatIdRecognizer
from lib.pii.recognizers.address import AddressRecognizer
from lib.pii.recognizers.bank_card import BankCardRecognizer
from lib.pii.recognizers.cn_id import CnIdRecognizer
from lib.pii.recognizers.custom import CustomRecognizer
from lib.pii.recognizers.email import EmailRecognizer
from lib.pii.recognizers.ip import IpRecognizer
from lib.pii.recognizers.passport import PassportRecognizer
from lib.pii.recognizers.person import PersonRecognizer
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
    ]
    if config.names:
        recs.append(PersonRecognizer(config.names))
    if config.terms:
        recs.append(CustomRecognizer(config.terms))
    return recs
