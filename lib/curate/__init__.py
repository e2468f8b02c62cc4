"""Curation: which conversations and messages the twin learns from. The owner's decisions (:mod:`.store`), the rules
that suggest drops (:mod:`.rules`), and the fidelity hold-out (:mod:`.holdout`), which also decides what data is
used."""
