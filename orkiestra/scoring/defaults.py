"""Seed 001's B2B SaaS model (+5 open, +10 case-study click, +20 e-book, +40 demo request,
-20 after 60 days without activity; MQL at 60), plus fit points for industry and size.

Caps keep one habit from inflating a score: opens give at most 25 points a week and
case-study clicks at most 30 a month.
"""

from datetime import timedelta

from orkiestra.scoring.rules import BehaviourRule, Condition, Decay, FitRule, ScoringModel

SEED_001 = ScoringModel(
    behaviour=(
        BehaviourRule("email-open", "Email Opened", 5, cap=25, cap_period=timedelta(days=7)),
        BehaviourRule(
            "case-study-click",
            "Email Link Clicked",
            10,
            where=(
                Condition("url", contains="/case-stud"),
                Condition("content_type", equals="case_study"),
            ),
            match="any",
            cap=30,
            cap_period=timedelta(days=30),
        ),
        BehaviourRule("ebook-download", "Ebook Downloaded", 20),
        BehaviourRule("demo-request", "Demo Requested", 40),
    ),
    fit=(
        FitRule("industry-software", 10, (Condition("industry", one_of=("software", "saas", "it")),)),
        FitRule("company-size-50-1000", 10, (Condition("company_size", at_least=50, below=1001),)),
    ),
    decay=Decay(after=timedelta(days=60), points=-20, floor=0),
    mql_threshold=60,
)
