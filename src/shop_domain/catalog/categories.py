"""Back-end categories (CAT-2, CAT-4) and the brands restricted to them (CAT-5).

Attribute definitions are in :mod:`shop_domain.catalog.attributes`, front-end categories in
:mod:`shop_domain.catalog.front_categories`.

Cross-aggregate facts (does a category have children or products? is a name taken?) come from
repository queries in the handlers, which check them with the rule objects of
:mod:`shop_domain.catalog.rules`; each aggregate guards what it can see itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence

import attrs

from shop_domain.catalog import events as ev
from shop_domain.catalog import rules
from shop_domain.catalog.attributes import AttributeDefinition
from shop_domain.catalog.errors import InvalidAttributeDefinition, InvalidLogoUrl
from shop_domain.catalog.front_categories import FrontCategory
from shop_domain.catalog.model import AttributeKind, CatalogPolicy, clean_name, unique_ids
from shop_domain.shared.aggregate import Aggregate
from shop_domain.shared.rules import check_rule

# AttributeDefinition and FrontCategory live in their own modules; the application and the
# persistence adapters still import them from here.
__all__ = ["MAX_URL_LENGTH", "AttributeDefinition", "Brand", "Category", "FrontCategory"]

# --- back-end categories ----------------------------------------------------------------------


@attrs.define(slots=False, eq=False)
class Category(Aggregate):
    """A node of the back-end category tree (CAT-2). Renamed, never deleted.

    ``path`` is the materialised path of ancestor ids including this one,
    ``"/<root-id>/<child-id>/"``, so "in the subtree of X" is ``path.startswith(X.path)``.
    ``depth`` is 1 for a root.
    """

    name: str
    parent_id: uuid.UUID | None
    depth: int
    path: str
    created_at: dt.datetime
    attributes: list[AttributeDefinition] = attrs.field(factory=list)

    @classmethod
    def create(
        cls,
        *,
        id: uuid.UUID,
        name: str,
        parent: Category | None,
        policy: CatalogPolicy,
        now: dt.datetime,
    ) -> Category:
        depth = 1 if parent is None else parent.depth + 1
        check_rule(rules.CategoryDepthWithinLimit(depth, policy.max_category_depth))
        if parent is not None:
            check_rule(rules.ParentHasNoAttributes(len(parent.attributes)))
        category = cls(
            id=id,
            name=clean_name(name),
            parent_id=None if parent is None else parent.id,
            depth=depth,
            path=f"{'/' if parent is None else parent.path}{id}/",
            created_at=now,
        )
        category.record(
            ev.CategoryCreated(
                occurred_at=now,
                category_id=id,
                name=category.name,
                parent_id=category.parent_id,
                depth=depth,
                path=category.path,
            )
        )
        return category

    def lineage(self) -> list[uuid.UUID]:
        """Ids from the root down to this category."""
        return [uuid.UUID(part) for part in self.path.strip("/").split("/")]

    def is_within(self, ancestor: Category) -> bool:
        """Whether this category lies in ``ancestor``'s subtree (itself included)."""
        return self.path.startswith(ancestor.path)

    def rename(self, name: str, now: dt.datetime) -> None:
        new_name = clean_name(name)
        if new_name == self.name:
            return
        old, self.name = self.name, new_name
        self.record(
            ev.CategoryRenamed(
                occurred_at=now, category_id=self.id, old_name=old, new_name=new_name
            )
        )

    # --- attributes (CAT-4) -------------------------------------------------------------------
    def definition(self, key: str) -> AttributeDefinition | None:
        return next((d for d in self.attributes if d.key == key), None)

    def definitions(self, kind: AttributeKind) -> list[AttributeDefinition]:
        return [d for d in self.attributes if d.kind is kind]

    def define_attributes(
        self, definitions: Sequence[AttributeDefinition], *, in_use: bool, now: dt.datetime
    ) -> None:
        """Replace the attribute definitions (the caller has checked the category is a leaf).

        ``in_use``: products hang on this category; then only compatible changes are accepted
        (:class:`rules.AttributeChangeKeepsProductsValid`).
        """
        keys = [d.key for d in definitions]
        if len(set(keys)) != len(keys):
            raise InvalidAttributeDefinition("attribute keys must be unique within a category")
        check_rule(
            rules.AttributeChangeKeepsProductsValid(
                in_use=in_use,
                old={d.key: d.signature() for d in self.attributes},
                new={d.key: d.signature() for d in definitions},
            )
        )
        self.attributes = [
            AttributeDefinition(
                key=d.key,
                name=d.name,
                kind=d.kind,
                required=d.required,
                allowed_values=list(d.allowed_values),
                position=position,
            )
            for position, d in enumerate(definitions)
        ]
        self.record(
            ev.CategoryAttributesDefined(
                occurred_at=now,
                category_id=self.id,
                key_attributes=tuple(d.key for d in self.definitions(AttributeKind.KEY)),
                sales_attributes=tuple(d.key for d in self.definitions(AttributeKind.SALES)),
                other_attributes=tuple(d.key for d in self.definitions(AttributeKind.OTHER)),
            )
        )


# --- brands -----------------------------------------------------------------------------------

MAX_URL_LENGTH = 2000


def _clean_logo_url(url: str | None) -> str | None:
    if url is None:
        return None
    cleaned = url.strip() if isinstance(url, str) else ""
    if (
        not cleaned.startswith(("https://", "http://"))
        or len(cleaned) > MAX_URL_LENGTH
        or any(c.isspace() for c in cleaned)
    ):
        raise InvalidLogoUrl("the logo must be an http(s) URL")
    return cleaned


@attrs.define(slots=False, eq=False)
class Brand(Aggregate):
    """A brand (CAT-5). ``name`` is unique case-insensitively (the handler checks);
    ``category_ids`` restricts it to those categories' subtrees; empty means any category."""

    name: str
    created_at: dt.datetime
    logo_url: str | None = None
    category_ids: list[uuid.UUID] = attrs.field(factory=list)

    @classmethod
    def create(
        cls,
        *,
        id: uuid.UUID,
        name: str,
        logo_url: str | None,
        category_ids: Iterable[uuid.UUID],
        now: dt.datetime,
    ) -> Brand:
        brand = cls(
            id=id,
            name=clean_name(name),
            created_at=now,
            logo_url=_clean_logo_url(logo_url),
            category_ids=unique_ids(category_ids),
        )
        brand.record(
            ev.BrandCreated(
                occurred_at=now,
                brand_id=id,
                name=brand.name,
                category_ids=tuple(brand.category_ids),
            )
        )
        return brand

    def update(
        self,
        *,
        name: str,
        logo_url: str | None,
        category_ids: Iterable[uuid.UUID],
        now: dt.datetime,
    ) -> None:
        """Replace name, logo and category restriction. Products already using the brand in a
        category it no longer allows keep it; new products and brand changes are checked."""
        new = (clean_name(name), _clean_logo_url(logo_url), unique_ids(category_ids))
        if new == (self.name, self.logo_url, self.category_ids):
            return
        self.name, self.logo_url, self.category_ids = new
        self.record(
            ev.BrandUpdated(
                occurred_at=now,
                brand_id=self.id,
                name=self.name,
                logo_url=self.logo_url,
                category_ids=tuple(self.category_ids),
            )
        )

    def allows(self, category: Category) -> bool:
        return not rules.BrandAllowedInCategory(self.category_ids, category.lineage()).is_broken()

    def check_allowed_in(self, category: Category) -> None:
        check_rule(rules.BrandAllowedInCategory(self.category_ids, category.lineage()))
