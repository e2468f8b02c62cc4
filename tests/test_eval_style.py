"""The style detector (lib/eval/style.py): a character n-gram classifier that tells the owner from the people they
talk to, trained on the training split only."""
from __future__ import annotations

from pathlib import Path

from lib.eval.style import StyleDetector, grams

OWNER = ["haha ok~ see u soon!!", "omg yesss 😂😂", "lol ok~ im coming!!", "nah im good~", "sure sure 😂 brb!!",
         "yesss ok~", "hahaha no way!!", "u coming?? 😂"]
OTHER = ["Okay. I will be there at 7.", "Please send me the document.", "Thank you, that is helpful.",
         "I am not sure about that.", "Could you call me later?", "Yes. See you tomorrow.", "Noted. Thanks.",
         "That works for me."]


def test_grams_keep_case_and_boundaries():
    g = grams("Hi")
    assert g["H"] == 1 and g["\x02H"] == 1 and g["i\x03"] == 1 and "h" not in g


def test_detector_tells_the_owner_from_others_and_is_balanced():
    det = StyleDetector.fit(OWNER, OTHER)
    assert det.n_owner == len(OWNER) and det.n_other == len(OTHER)
    assert det.is_owner("ok~ coming!! 😂") and not det.is_owner("Please call me tomorrow. Thank you.")
    assert det.accuracy(["lol yesss~", "haha u ok??"], ["Thank you. Noted.", "Please send it."]) == 1.0
    assert det.owner_rate([]) == 0.0 and det.score("") == 0.0
    flipped = StyleDetector.fit(OTHER, OWNER)  # the labels matter: swapping them swaps every decision
    assert not flipped.is_owner("ok~ coming!! 😂")


def test_detector_trains_on_records_and_skips_the_neutral_opening():
    from lib.export.records import Record, Turn

    recs = [Record(i, 1, "c", "2024-01-01T00:00:00", "", [Turn("human", "(starts the chat)"), Turn("gpt", o),
                                                          Turn("human", x), Turn("gpt", o)])
            for i, (o, x) in enumerate(zip(OWNER, OTHER))]
    det = StyleDetector.train(recs)
    assert det.n_owner == 2 * len(OWNER) and det.n_other == len(OTHER)  # the export's opening is nobody's text


def test_held_out_accuracy_on_the_sample(tmp_path: Path):
    from lib.chat.offline import export_options
    from lib.curate import holdout
    from lib.export import records
    from lib.workspace import Workspace, load_sample

    ws = Workspace(tmp_path / "ws")
    load_sample(ws)
    holdout.choose(ws, share=0.2)
    det = StyleDetector.train(records(ws, export_options())[0])
    assert det.accuracy_holdout(ws) > 0.55  # better than chance on conversations it never saw
    ws.close()
