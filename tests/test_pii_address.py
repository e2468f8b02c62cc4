"""Addresses keep their postcodes, English and international street lines are one span, and ordinary chat with
numbers is not an address. All streets, towns and postcodes here are invented or generic."""
from __future__ import annotations

import re

import pytest

from lib.pii.analyzer import Analyzer
from lib.pii.base import SCORE_CONTEXT, AnalyzerConfig, fold_width
from lib.pii.recognizers.address import AddressRecognizer

THRESHOLD = 0.5


def spans(text: str) -> list[str]:
    hits = [h for h in AddressRecognizer().analyze(fold_width(text)) if h.score >= THRESHOLD]
    return [text[h.start:h.end] for h in sorted(hits, key=lambda h: h.start)]


@pytest.mark.parametrize("text, value", [
    # UK postcodes, every outward form, with and without the space
    ("14 Elm Road, Leeds LS6 2AB", "14 Elm Road, Leeds LS6 2AB"),
    ("Flat 3, 14 Elm Road, Leeds LS62AB", "Flat 3, 14 Elm Road, Leeds LS62AB"),
    ("send it to 2 Kingsway Close, London SW1A 1AA please", "2 Kingsway Close, London SW1A 1AA"),
    ("7 Oak Street, Manchester M1 1AE", "7 Oak Street, Manchester M1 1AE"),
    ("it's 40 Fenwick Lane, London EC1A 1BB.", "40 Fenwick Lane, London EC1A 1BB"),
    # US ZIP and ZIP+4 after a state
    ("742 Evergreen Terrace, Springfield, IL 62704", "742 Evergreen Terrace, Springfield, IL 62704"),
    ("office: 55 Harbor Blvd Suite 210, San Francisco, CA 94105-1234",
     "55 Harbor Blvd Suite 210, San Francisco, CA 94105-1234"),
    # Canada
    ("mail to 90 Wellington St, Ottawa, ON K1A 0B1", "90 Wellington St, Ottawa, ON K1A 0B1"),
    # Chinese 6-digit postcode right after an address
    ("北京市朝阳区望京西路12号 邮编100102", "北京市朝阳区望京西路12号 邮编100102"),
    ("寄到北京市朝阳区望京西路12号，100102", "北京市朝阳区望京西路12号，100102"),
])
def test_postcode_stays_in_the_span(text, value):
    assert spans(text) == [value]


@pytest.mark.parametrize("text, value", [
    ("I live at Flat 2, 19 Marlowe Road, Leeds", "Flat 2, 19 Marlowe Road, Leeds"),
    ("new place is 8 Birch Crescent Apt 4B", "8 Birch Crescent Apt 4B"),
    ("123 Main St. is the one", "123 Main St."),
    ("i live at 22 baker st", "22 baker st"),
    ("my address is 5 rose lane, york", "5 rose lane, york"),
    ("Deliver to 31 W Maple Ave, Unit 7, Dayton, OH 45402, USA", "31 W Maple Ave, Unit 7, Dayton, OH 45402, USA"),
    ("Our office:\n9 Quarry Hill\nSuite 12\nBristol\nBS1 4DJ", "9 Quarry Hill\nSuite 12\nBristol\nBS1 4DJ"),
    ("P.O. Box 4417, Reno, NV 89501", "P.O. Box 4417, Reno, NV 89501"),
    ("Koskikatu 25, 00100 Helsinki", "Koskikatu 25, 00100 Helsinki"),
    ("we moved to Via delle Rose 41, Torino", "Via delle Rose 41, Torino"),
    ("meet at the corner of 5th Avenue and Pine Street", "the corner of 5th Avenue and Pine Street"),
    ("我在上海，地址 12 Orchard Road, Singapore 238826", "12 Orchard Road, Singapore 238826"),
    ("快递寄到杭州市西湖区文三路88号3幢2单元602", "杭州市西湖区文三路88号3幢2单元602"),
])
def test_street_lines_are_one_span(text, value):
    assert spans(text) == [value]


@pytest.mark.parametrize("text, value", [
    ("postcode? LS6 2AB", "LS6 2AB"),
    ("zip code is 94105", "94105"),
    ("邮编100102", "100102"),
    ("邮政编码：200030", "200030"),
])
def test_postcode_alone_with_context(text, value):
    hits = AddressRecognizer().analyze(text)
    assert [(text[h.start:h.end], h.score) for h in hits] == [(value, SCORE_CONTEXT)]


HARD_NEGATIVES = [
    "I have 3 dogs", "2 Main courses and a dessert", "Room 101 is cold", "5 Star Wars films tonight",
    "Chapter 12 Road to nowhere", "it was 12.50 at the shop", "see you at 10 pm", "at 10 Downing",
    "we walked on 5th Street", "Lakers 102 Celtics 99", "final score 3 - 1", "born 12 March 1990",
    "order 100102 shipped", "the code is 100102", "I bought a PS5 2TB", "Windows 10 Pro", "iPhone 15 Pro Max",
    "top 10 Places to visit", "give me 5 minutes drive", "I have 2 cats and a dog", "Level 5 boss is hard",
    "Gate 12 is boarding", "版本号100102", "2024年3月5号", "we need 4 Park tickets", "see you at 12 main st",
    "Terminal 2 at 6", "Flight BA 2490 delayed", "She scored 24 points", "Route 66 road trip",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives(text):
    assert spans(text) == []


def test_hard_negative_rate_through_the_analyzer():
    analyzer = Analyzer(AnalyzerConfig(regions=("CN", "US", "GB")))
    flagged = [t for t in HARD_NEGATIVES if any(h.kind == "ADDRESS" for h in analyzer.analyze(t))]
    assert flagged == []


@pytest.mark.parametrize("text, address", [
    ("Send it to Flat 3, 14 Elm Road, Leeds LS6 2AB thanks", "Flat 3, 14 Elm Road, Leeds LS6 2AB"),
    ("ship to 742 Evergreen Terrace, Springfield, IL 62704-1234!", "742 Evergreen Terrace, Springfield, IL 62704-1234"),
    ("地址：北京市朝阳区望京西路12号，邮编100102", "北京市朝阳区望京西路12号，邮编100102"),
    ("20789 Allika 46\n Suite 501\n Riisa\n Estonia 62488", "20789 Allika 46\n Suite 501\n Riisa\n Estonia 62488"),
])
def test_no_postcode_or_house_number_leaks(text, address):
    """After redaction with the default analyzer, no digit of the address and no postcode survives."""
    hits = Analyzer(AnalyzerConfig(regions=("CN", "US", "GB"))).analyze(text)
    out = text
    for h in sorted(hits, key=lambda h: -h.start):
        out = out[:h.start] + "<ADDRESS>" + out[h.end:]
    numbers = re.findall(r"[0-9]+", address)
    postcodes = re.findall(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|[0-9]{5,6}(?:-[0-9]{4})?", address)
    assert numbers and not any(n in out for n in numbers + postcodes), out


@pytest.mark.parametrize("text, value", [
    ("it's Apt. 050, the buzzer is broken", "Apt. 050"), ("Suite 292", "Suite 292"), ("flat 4B, second floor", "flat 4B"),
])
def test_an_apartment_or_suite_number_alone_is_an_address(text, value):
    hits = [text[h.start:h.end] for h in AddressRecognizer().analyze(text) if h.kind == "ADDRESS"]
    assert hits == [value]


@pytest.mark.parametrize("text", ["Unit 3 homework is due", "beat the Level 5 boss", "Room 101 is free", "apt to fail"])
def test_other_unit_words_alone_are_not_addresses(text):
    assert [h for h in AddressRecognizer().analyze(text) if h.kind == "ADDRESS"] == []
