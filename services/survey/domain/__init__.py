"""Survey's pure rules (SPEC §6, Q23–Q26), free of I/O.

- ``cards``: a card's life and its answer (Q24, Q25, Q26);
- ``links``: the signed one-time link (Q25 [choice]);
- ``triage``: the service department's triage of a complaint's severity (Q26);
- ``scores``: monthly averages and the branch ranking (Q23).
"""
