"""Labelling: emotion suggestions (rules in :mod:`.emotion`, a configured model in :mod:`.llm`) and the owner's
decisions on them (:mod:`.store`), one pipeline stage of the Prepare menu."""
