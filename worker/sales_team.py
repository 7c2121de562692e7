"""A small sales team (two owners and their manager in Warsaw) for recorded histories,
tests and a first local try of the lead SLA journey."""

from __future__ import annotations

from typing import Any

from orkiestra.db import SessionFactory, transaction
from orkiestra.persistence import crm

TEAM: dict[str, dict[str, Any]] = {
    "maria": {"name": "Maria Manager", "email": "maria@sales.example", "territory": "PL"},
    "adam": {
        "name": "Adam Nowak",
        "email": "adam@sales.example",
        "manager_id": "maria",
        "industries": ["saas"],
    },
    "ewa": {"name": "Ewa Kowalska", "email": "ewa@sales.example", "manager_id": "maria", "territory": "PL"},
}


def seed_sales_team(sessions: SessionFactory, active: tuple[str, ...] = ("adam", "ewa")) -> None:
    """Owners from TEAM; only `active` ones get leads (the manager escalates, not sells)."""
    with transaction(sessions) as session:
        for owner_id, fields in TEAM.items():
            crm.save_owner(
                session, owner_id, {"timezone": "Europe/Warsaw", **fields, "active": owner_id in active}
            )
