"""How many statements each hot command sends, pinned (issue 10, ADR 0023).

Each test builds a runtime with ``bootstrap``, arranges what the command needs through the bus,
then runs the one measured command through ``runtime.bus`` inside
:func:`shop_adapters.sql.driver.recording` and compares the *shapes* of what was sent
(``"SELECT giftcards FOR UPDATE"``, ``"UPDATE giftcards"``, ``"INSERT outbox"`` …, see
:func:`shape`) with the expected sequence, then the number of statements with the table below
(which the tests read: it is the pin).
A statement sent as one ``executemany`` counts once, and so do the batches of one flush that go
in one statement on PostgreSQL (``WITH UPDATE giftcards + INSERT outbox``, decision 0047). A
command that starts sending one more statement — or one fewer — fails here; change the sequence
and the table together, on purpose.

Each suite runs on PostgreSQL (the hot path) and on SQLite; what differs between them is data
of the two backend classes (how a transaction begins, whether reads lock rows, the advisory
lock). Gift cards are here; coupons and the catalog in ``test_statement_counts_coupons_catalog``.

============================================  ==========  ======
command                                       PostgreSQL  SQLite
============================================  ==========  ======
SpendGiftCards, 1 card                        7           9
SpendGiftCards, 3 cards                       7           11
SpendGiftCards, 3 cards, the first pays all   7           9
RestoreGiftCards, whole order of 2 cards      6           10
RestoreGiftCards, part of an order, 2 cards   6           10
ClaimBatch, 1 or 50 claims                    5           8
ClaimBatch, 1 or 50 claims with keys          6           9
LockCoupons, 1 coupon                         4           6
LockCoupons, 3 coupons                        5           9
ChangeSkuPrice                                6           7
ChangeSkuPrice, to the price it has           4           4
AdjustStock                                   5           7
ReserveStock, 1 line                          5           8
============================================  ==========  ======
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from shop_adapters.bootstrap import bootstrap
from shop_adapters.plugins.giftcards import GiftCardSettings
from shop_adapters.runtime import Runtime
from shop_adapters.settings import Settings
from shop_adapters.shared.crypto import new_key_spec
from shop_adapters.sql.driver import recording
from shop_app.giftcards import commands as gc
from shop_app.giftcards.results import Charged, Restored
from shop_app.giftcards.services import GiftCardServices
from shop_app.shared.paging import PageRequest
from shop_domain.giftcards.batch import BatchDefinition, CardKind, Validity
from shop_domain.giftcards.usage import RestoreReason
from shop_domain.shared.money import Money

OPS = "ops"
FACE = 10_000  # fen, each gift card's face value
_FIRST_TABLE = re.compile(r'\bFROM\s+"?(\w+)\b"?(?!\s*\()', re.IGNORECASE)  # not FROM unnest(…)
_FUNCTION = re.compile(r"SELECT\s+(\w+)\s*\(", re.IGNORECASE)
_TARGET = re.compile(r'^(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)


def shape(sql: str) -> str:
    """What a statement does, in a few words: ``BEGIN``, ``COMMIT``, ``INSERT outbox``,
    ``INSERT coupon_stats ON CONFLICT``, ``UPDATE giftcards``, ``SELECT giftcards FOR UPDATE``
    (the first table read from), ``SELECT pg_advisory_xact_lock`` (a function, no table)."""
    text = " ".join(sql.split())
    upper = text.upper()
    if upper.startswith("WITH B0 AS ("):  # a flush's batches in one statement (decision 0047)
        parts = re.split(r"(?:^WITH|,) b\d+ AS \(", text)[1:]
        return "WITH " + " + ".join(shape(part) for part in parts)
    target = _TARGET.match(text)
    if target:
        verb = target.group(1).split()[0].upper()
        conflict = " ON CONFLICT" if " ON CONFLICT " in upper else ""
        return f"{verb} {target.group(2)}{conflict}"
    if upper.startswith("SELECT"):
        table = _FIRST_TABLE.search(text)
        function = _FUNCTION.match(text)
        name = table.group(1) if table else function.group(1) if function else "?"
        lock = " FOR UPDATE" if " FOR UPDATE" in upper else ""
        return f"SELECT {name}{lock}{' SKIP LOCKED' if ' SKIP LOCKED' in upper else ''}"
    return text


def _table(doc: str) -> dict[str, dict[str, int]]:
    """The docstring's table: backend → command → statements."""
    rows = [
        row
        for row in re.findall(r"^(\S.*?)\s{2,}(\S+)\s{2,}(\S+)$", doc, re.MULTILINE)
        if not row[0].startswith("=")
    ]
    (_, *backends), *counts = rows
    return {
        backend: {label: int(numbers[i]) for label, *numbers in counts}
        for i, backend in enumerate(backends)
    }


TABLE = _table(__doc__ or "")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("BEGIN IMMEDIATE", "BEGIN IMMEDIATE"),
        ("SELECT pg_advisory_xact_lock($1::INTEGER, $2) AS l_1", "SELECT pg_advisory_xact_lock"),
        (
            "SELECT c.id FROM coupons AS c WHERE c.id = $1::UUID FOR UPDATE",
            "SELECT coupons FOR UPDATE",
        ),
        (
            "SELECT u.user_id FROM unnest($1::UUID[]) AS u(user_id) CROSS JOIN LATERAL "
            "(SELECT count(*) FROM coupons AS c WHERE c.user_id = u.user_id) AS h",
            "SELECT coupons",
        ),
        ("SELECT EXISTS (SELECT *\nFROM skus\nWHERE skus.code = ?) AS anon_1", "SELECT skus"),
        (
            "SELECT g.id FROM giftcards g LIMIT $1 FOR UPDATE SKIP LOCKED",
            "SELECT giftcards FOR UPDATE SKIP LOCKED",
        ),
        ('INSERT INTO "order" (id) VALUES (?)', "INSERT order"),
        (
            "INSERT INTO coupon_stats (template_id, slot) VALUES (?, ?) ON CONFLICT "
            "(template_id, slot) DO UPDATE SET issued = coupon_stats.issued + excluded.issued",
            "INSERT coupon_stats ON CONFLICT",
        ),
        ("UPDATE skus SET enabled=$1::BOOLEAN WHERE skus.id = $2::UUID", "UPDATE skus"),
        ("DELETE FROM outbox WHERE outbox.id = ?", "DELETE outbox"),
        (
            "WITH b0 AS (UPDATE giftcards AS t_ SET balance_minor = v_.balance_minor FROM "
            "unnest($1::BIGINT[], $2::UUID[]) AS v_(balance_minor, k_id) WHERE t_.id = v_.k_id), "
            "b1 AS (INSERT INTO outbox (id, type) SELECT * FROM unnest($3::UUID[], "
            "$4::VARCHAR(200)[])) SELECT 1",
            "WITH UPDATE giftcards + INSERT outbox",
        ),
    ],
)
def test_a_statement_is_named_by_its_verb_and_table(sql: str, expected: str) -> None:
    assert shape(sql) == expected


def cny(minor: int) -> Money:
    return Money(minor, "CNY")


class StatementCounts:
    """The base of the suites: a backend (:class:`OnPostgres`, :class:`OnSqlite`) gives the
    ``url`` fixture and the words below."""

    begin: ClassVar[str]
    """How a unit of work starts its transaction."""
    locked: ClassVar[str]
    batched: ClassVar[bool]
    """What a locking read adds to its shape (PostgreSQL locks rows; SQLite has one writer)."""
    order_lock: ClassVar[tuple[str, ...]]
    """What serialises the payments of one order before its usages are read."""
    backend: ClassVar[str]
    """This backend's column in the module docstring's table."""

    @pytest.fixture
    async def shop(self, url: str, tmp_path: Path) -> AsyncIterator[Runtime]:
        runtime = bootstrap(
            Settings(
                database_url=url,
                sms="memory",
                sections=[
                    GiftCardSettings(keys=new_key_spec(), export_dir=str(tmp_path / "exports"))
                ],
            )
        )
        await runtime.start()
        yield runtime
        await runtime.close()

    def together(self, *shapes: str) -> list[str]:
        """The batches of one flush: on PostgreSQL one statement (``WITH … + …``), on SQLite
        one after the other."""
        if self.batched and len(shapes) > 1:
            return ["WITH " + " + ".join(shapes)]
        return list(shapes)

    def check(self, sent: Sequence[str], label: str, *body: str) -> None:
        """``sent`` is one transaction of ``body`` and as many statements as the table says."""
        shapes, pinned = [shape(sql) for sql in sent], [self.begin, *body, "COMMIT"]
        assert shapes == pinned, "\n".join(
            [f"{label}: sent (+) against pinned (-):", *difflib.ndiff(pinned, shapes)]
        )
        assert len(sent) == TABLE[self.backend][label], (
            f"{label}: {len(sent)} statements, the docstring's table says "
            f"{TABLE[self.backend][label]}"
        )


class OnPostgres:
    """PostgreSQL: rows locked ``FOR UPDATE``, an order's payments serialised by an advisory
    lock (there may be no row to lock yet)."""

    begin = "BEGIN"
    locked = " FOR UPDATE"
    order_lock: ClassVar[tuple[str, ...]] = ("SELECT pg_advisory_xact_lock",)
    backend = "PostgreSQL"
    batched = True
    """Rows held ``FOR UPDATE`` are updated in one ``executemany`` per statement, and a flush's
    batches go in one statement."""

    @pytest.fixture
    def url(self, postgres_url: str) -> str:
        return postgres_url


class OnSqlite:
    """SQLite: the write lock taken at ``BEGIN IMMEDIATE`` serialises everything; no row locks."""

    begin = "BEGIN IMMEDIATE"
    locked = ""
    order_lock: ClassVar[tuple[str, ...]] = ()
    backend = "SQLite"
    batched = False

    @pytest.fixture
    def url(self, sqlite_url: str) -> str:
        return sqlite_url


class GiftCardCounts(StatementCounts):
    """Spends and restores (GC-7, GC-8), the hot path of checkout and refunds."""

    async def cards(self, shop: Runtime, count: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
        """A user and ``count`` of their cards, one batch, ``FACE`` on each."""
        user = uuid.uuid4()
        started = await shop.bus.handle(
            gc.CreateBatch(
                definition=BatchDefinition(
                    name="counted",
                    kind=CardKind.PHYSICAL,
                    face_value=cny(FACE),
                    validity=Validity(),
                    owner=OPS,
                ),
                actor=OPS,
                numbers=tuple(f"{880000 + n}" for n in range(count)),
            )
        )
        batch_id = started.batch_id
        await shop.bus.handle(gc.OpenBatch(batch_id=batch_id, actor=OPS, has_open_permission=True))
        queries = shop.get(GiftCardServices).queries
        page = await queries.cards(batch_id, PageRequest(), shop.clock.now())
        ids = [card.id for card in page.items]
        for card_id in ids:
            await shop.bus.handle(gc.BindCard(card_id=card_id, actor=OPS, user_id=user))
        return user, ids

    @staticmethod
    def spend(user: uuid.UUID, ids: Sequence[uuid.UUID], amount: int) -> gc.SpendGiftCards:
        return gc.SpendGiftCards(
            order_id=uuid.uuid4(),
            user_id=user,
            amount=cny(amount),
            card_ids=tuple(ids),
            actor=f"user:{user}",
        )

    def spent(self, cards: int) -> list[str]:
        return [
            *self.order_lock,
            f"SELECT giftcard_usages{self.locked}",
            f"SELECT giftcards{self.locked}",  # every card at once
            "SELECT giftcard_batches",  # once per batch
            # at commit, one executemany each — on PostgreSQL one statement: the usages, the
            # cards (versioned: one each, or all at once for the rows held locked), the
            # history (the projection's rows) and the outbox
            *self.together(
                "INSERT giftcard_usages",
                *["UPDATE giftcards"] * (1 if self.batched else cards),
                "INSERT giftcard_operations",
                "INSERT outbox",
            ),
        ]

    async def test_spend_with_one_card(self, shop: Runtime) -> None:
        user, [card] = await self.cards(shop, 1)
        with recording() as sent:
            charged: Charged = await shop.bus.handle(self.spend(user, [card], 300))
        assert charged.charges[0].balance == cny(FACE - 300)
        self.check(sent, "SpendGiftCards, 1 card", *self.spent(1))

    async def test_spend_with_three_cards(self, shop: Runtime) -> None:
        user, cards = await self.cards(shop, 3)
        with recording() as sent:
            charged: Charged = await shop.bus.handle(self.spend(user, cards, 2 * FACE + 500))
        assert [c.amount for c in charged.charges] == [cny(FACE), cny(FACE), cny(500)]
        self.check(sent, "SpendGiftCards, 3 cards", *self.spent(3))

    async def test_spend_with_three_cards_the_first_of_which_pays_it_all(
        self, shop: Runtime
    ) -> None:
        user, cards = await self.cards(shop, 3)
        with recording() as sent:
            charged: Charged = await shop.bus.handle(self.spend(user, cards, 700))
        assert [c.card_id for c in charged.charges] == cards[:1]
        # the other two are locked, and left unwritten
        self.check(sent, "SpendGiftCards, 3 cards, the first pays all", *self.spent(1))

    def restored(self) -> list[str]:
        return [
            *self.order_lock,
            f"SELECT giftcard_usages{self.locked}",
            f"SELECT giftcards{self.locked}",
            *self.together(
                *["UPDATE giftcard_usages"] * (1 if self.batched else 2),
                *["UPDATE giftcards"] * (1 if self.batched else 2),
                "INSERT giftcard_operations",
                "INSERT outbox",
            ),
        ]

    async def restore(self, shop: Runtime, amount: int | None) -> tuple[list[str], Restored]:
        user, cards = await self.cards(shop, 2)
        paid = self.spend(user, cards, FACE + 5_000)
        await shop.bus.handle(paid)
        command = gc.RestoreGiftCards(
            order_id=paid.order_id,
            key="refund-1",
            reason=RestoreReason.REFUNDED,
            actor=OPS,
            amount=None if amount is None else cny(amount),
        )
        with recording() as sent:
            restored: Restored = await shop.bus.handle(command)
        return sent, restored

    async def test_restore_a_whole_order(self, shop: Runtime) -> None:
        sent, restored = await self.restore(shop, None)
        assert restored.amount == cny(FACE + 5_000)
        self.check(sent, "RestoreGiftCards, whole order of 2 cards", *self.restored())

    async def test_restore_part_of_an_order(self, shop: Runtime) -> None:
        sent, restored = await self.restore(shop, 3_000)
        assert sorted(g.amount.minor for g in restored.given) == [1_000, 2_000]  # in proportion
        self.check(sent, "RestoreGiftCards, part of an order, 2 cards", *self.restored())


class TestGiftCardsOnPostgres(OnPostgres, GiftCardCounts):
    pass


class TestGiftCardsOnSqlite(OnSqlite, GiftCardCounts):
    pass
