"""Who may organise: the configured organiser role or the Manage Server permission."""

from __future__ import annotations

from collections.abc import Iterable


def is_organiser(role_ids: Iterable[int], can_manage_server: bool, organiser_role_id: int) -> bool:
    """Organisers have the organiser role; server managers may always organise."""
    return can_manage_server or organiser_role_id in set(role_ids)
