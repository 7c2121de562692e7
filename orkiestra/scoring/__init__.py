"""Lead scoring as code: rules are Python values, the engine is pure, the version is a hash.

`rules` declares behaviour, fit and decay rules; `engine` turns events and traits into
score changes with reasons; `defaults` holds seed 001's model. Persistence (score rows,
history, stage transitions) lives in `orkiestra.persistence.scoring`.
"""

from orkiestra.scoring.rules import (
    BehaviourRule,
    Condition,
    Decay,
    FitRule,
    ScoringModel,
    active_model,
    load_model,
)

__all__ = [
    "BehaviourRule",
    "Condition",
    "Decay",
    "FitRule",
    "ScoringModel",
    "active_model",
    "load_model",
]
