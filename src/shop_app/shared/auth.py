"""Who is acting: the principal behind a request, and the permissions it holds (SEC-1)."""

from __future__ import annotations

from typing import Literal

import attrs

from shop_app.shared.errors import PermissionRequired

PrincipalKind = Literal["customer", "operator", "system"]


@attrs.frozen
class Principal:
    """An authenticated actor. Customers act on their own things; operators need a named
    permission for every action (``catalog.write``…); ``*`` grants every permission."""

    subject: str
    kind: PrincipalKind
    permissions: frozenset[str] = frozenset()

    def has(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions

    def require(self, permission: str) -> None:
        if not self.has(permission):
            raise PermissionRequired(
                f"this action needs the permission {permission!r}",
                details={"permission": permission},
            )


SYSTEM = Principal("system", "system", frozenset({"*"}))
