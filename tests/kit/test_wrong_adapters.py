"""A user's adapter that breaks a port's promise fails the shipped contract suite.

Each test writes the file an embedder would — a few lines subclassing a suite of
``shop_testing.contracts`` once with a right adapter and once with a wrong one —, runs pytest
on it, and checks that exactly the tests of the broken promise failed, and nothing else.
"""

from __future__ import annotations

import re
import textwrap

import pytest

_FAILED = re.compile(r"^FAILED [^:\s]+::(\w+::\w+)", re.MULTILINE)


def run(pytester: pytest.Pytester, source: str) -> tuple[pytest.RunResult, set[str]]:
    """Run ``source`` as the user's test file: the result and the tests that failed."""
    pytester.makepyfile(test_my_adapters=textwrap.dedent(source))
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function", "-rf", "-q"
    )
    return result, set(_FAILED.findall(result.stdout.str()))


SMS = """
    import logging
    import pytest
    from shop_testing.contracts.notify import SmsSenderContract

    class Gateway:
        def __init__(self, down=False):
            self.sent, self.down = [], down

        async def send(self, phone, text):
            if self.down:
                raise ConnectionError("the gateway is down")
            self.sent.append((phone, text))

    class ChattyGateway(Gateway):  # wrong: the code and the number go to the log
        async def send(self, phone, text):
            logging.getLogger("sms").info("sending %r to %s", text, phone)
            await super().send(phone, text)

    class HopefulGateway(Gateway):  # wrong: a refused message passes for sent
        async def send(self, phone, text):
            try:
                await super().send(phone, text)
            except ConnectionError:
                pass

    class TestGateway(SmsSenderContract):
        kind = Gateway

        @pytest.fixture
        def sender(self):
            return self.kind()

        @pytest.fixture
        def refusing(self):
            return self.kind(down=True)

        async def delivered(self, sender):
            return sender.sent

    class TestChattyGateway(TestGateway):
        kind = ChattyGateway

    class TestHopefulGateway(TestGateway):
        kind = HopefulGateway
"""


def test_an_sms_sender_that_logs_or_swallows_refusals_fails(pytester: pytest.Pytester) -> None:
    result, failed = run(pytester, SMS)
    assert failed == {
        "TestChattyGateway::test_neither_the_number_nor_the_text_reaches_the_logs",
        "TestHopefulGateway::test_a_refused_message_raises_and_is_not_delivered",
    }
    result.assert_outcomes(passed=13, failed=2)


IDS = """
    import itertools
    import uuid
    import pytest
    from shop_adapters.shared.system import UuidV7Generator
    from shop_testing.contracts.identity import IdGeneratorContract

    class RandomIds:  # wrong: unique, but not in the order made
        def new_id(self):
            return uuid.uuid4()

    class CountingIds:  # wrong: in order, but every process counts from 1
        def __init__(self):
            self.numbers = itertools.count(1)

        def new_id(self):
            return uuid.UUID(int=next(self.numbers))

    class TestUuidV7(IdGeneratorContract):
        kind = UuidV7Generator

        @pytest.fixture
        def ids(self):
            return self.kind()

        @pytest.fixture
        def other_ids(self):
            return self.kind()

    class TestRandomIds(TestUuidV7):
        kind = RandomIds

    class TestCountingIds(TestUuidV7):
        kind = CountingIds
"""


def test_ids_out_of_order_or_repeating_between_processes_fail(
    pytester: pytest.Pytester,
) -> None:
    result, failed = run(pytester, IDS)
    assert failed == {
        "TestRandomIds::test_ids_made_apart_in_time_sort_in_the_order_made",
        "TestCountingIds::test_two_generators_never_make_the_same_id",
    }
    result.assert_outcomes(passed=10, failed=2)


SECRETS = """
    import pytest
    from shop_adapters.shared.crypto import AesGcmSecretBox
    from shop_app.giftcards.secrets import SecretUnreadable
    from shop_domain.giftcards.sealed import SealedSecret
    from shop_testing.contracts.secrets import SecretBoxContract

    class PlainBox:  # wrong: "seals" a secret by keeping it as it is
        def __init__(self, key_id, *older):
            self.key_id, self.keys = key_id, {key_id, *older}

        def seal(self, number, secret):
            return SealedSecret(self.key_id, secret.encode())

        def seal_many(self, pairs):
            return [self.seal(number, secret) for number, secret in pairs]

        def open(self, number, sealed):
            if sealed.key_id not in self.keys:
                raise SecretUnreadable("sealed with a key this box lacks")
            return sealed.blob.decode()

    class TestAesGcm(SecretBoxContract):
        @pytest.fixture
        def box(self):
            return AesGcmSecretBox({"k1": bytes(32)}, "k1")

        @pytest.fixture
        def stranger(self):
            return AesGcmSecretBox({"k1": bytes(range(32))}, "k1")

        @pytest.fixture
        def rotated(self):
            return AesGcmSecretBox({"k2": bytes([2] * 32), "k1": bytes(32)}, "k2")

    class TestPlainBox(SecretBoxContract):
        @pytest.fixture
        def box(self):
            return PlainBox("k1")

        @pytest.fixture
        def stranger(self):
            return PlainBox("k1")

        @pytest.fixture
        def rotated(self):
            return PlainBox("k2", "k1")
"""


def test_a_secret_box_that_keeps_the_plaintext_fails(pytester: pytest.Pytester) -> None:
    result, failed = run(pytester, SECRETS)
    assert failed == {
        f"TestPlainBox::{name}"
        for name in (
            "test_the_sealed_bytes_do_not_hold_the_secret",
            "test_equal_secrets_on_two_cards_seal_to_different_bytes",
            "test_a_sealed_secret_does_not_open_for_another_number",
            "test_a_changed_byte_makes_it_unreadable",
            "test_a_cut_blob_is_unreadable",
            "test_a_blob_sealed_with_other_keys_is_unreadable",
            "test_a_refusal_shows_neither_the_secret_nor_the_blob",
            "test_seal_many_seals_each_pair_in_order",
        )
    }
    result.assert_outcomes(passed=16, failed=8)


IDEMPOTENCY = """
    import pytest
    from shop_adapters.shared.system import UuidV7Generator
    from shop_adapters.sql.uow_app import SqlShopUnitOfWork
    from shop_testing.contracts.idempotency import IdempotencyStoreContract

    class Forgetful:  # wrong: keeps nothing
        def __init__(self, real):
            pass

        async def get(self, scope, key):
            return None

        async def put(self, scope, key, outcome):
            pass

    class Scopeless:  # wrong: one key for every command type and owner
        def __init__(self, real):
            self.real = real

        async def get(self, scope, key):
            return await self.real.get("", key)

        async def put(self, scope, key, outcome):
            await self.real.put("", key, outcome)

    class TestOurStore(IdempotencyStoreContract):
        store = None  # ours, as it comes

        @pytest.fixture
        def uow_factory(self, shop):
            store = self.store

            class UnitOfWork(SqlShopUnitOfWork):
                async def _begin(self):
                    await super()._begin()
                    if store is not None:
                        self.idempotency = store(self.idempotency)

            return lambda: UnitOfWork(shop.engine, shop.clock, UuidV7Generator())

    class TestForgetful(TestOurStore):
        store = Forgetful

    class TestScopeless(TestOurStore):
        store = Scopeless
"""


def test_an_idempotency_store_that_forgets_or_mixes_scopes_fails(
    pytester: pytest.Pytester,
) -> None:
    result, failed = run(pytester, IDEMPOTENCY)
    forgetful = {
        "test_a_committed_outcome_is_found_as_stored",
        "test_scope_and_key_find_an_outcome_together",
        "test_an_outcome_of_a_rolled_back_transaction_is_not_kept",
        "test_a_key_taken_already_is_refused_and_the_first_outcome_stays",
        "test_of_two_transactions_racing_for_a_key_one_wins",
        "test_a_retry_answers_the_first_outcome_and_runs_nothing",
        "test_the_same_key_with_another_request_is_refused",
        "test_concurrent_retries_all_answer_one_outcome",
    }
    scopeless = {
        "test_scope_and_key_find_an_outcome_together",
        "test_the_keys_of_two_owners_are_apart",
    }
    assert failed == {f"TestForgetful::{name}" for name in forgetful} | {
        f"TestScopeless::{name}" for name in scopeless
    }
    result.assert_outcomes(passed=20, failed=10)


PUBLISHER = """
    import asyncio
    import pytest
    from shop_adapters.messaging import ReceivedMessage
    from shop_testing.contracts.messaging import EventPublisherContract, Received

    class Broker:  # in process: each message goes to the consumer
        def __init__(self, consumer, down=False):
            self.consumer, self.down, self.pending = consumer, down, set()

        async def publish(self, messages):
            if self.down:
                raise ConnectionError("the broker is down")
            for message in messages:
                await self.consumer(ReceivedMessage.of(message))

        async def close(self):
            for task in self.pending:
                task.cancel()

    class BackgroundBroker(Broker):  # wrong: answers before the broker has the messages
        async def publish(self, messages):
            task = asyncio.create_task(Broker.publish(self, messages))
            self.pending.add(task)

    class TestBroker(EventPublisherContract):
        kind = Broker
        delivery_seconds = 1.0

        @pytest.fixture
        def received(self):
            return Received()

        @pytest.fixture
        def publisher(self, received):
            return self.kind(received)

        @pytest.fixture
        def unreachable(self, received):
            return self.kind(received, down=True)

    class TestBackgroundBroker(TestBroker):
        kind = BackgroundBroker
"""


def test_a_publisher_that_answers_before_the_broker_confirmed_fails(
    pytester: pytest.Pytester,
) -> None:
    result, failed = run(pytester, PUBLISHER)
    assert failed == {
        "TestBackgroundBroker::"
        "test_what_publish_confirmed_arrives_although_the_publisher_closes_at_once",
        "TestBackgroundBroker::test_a_broker_that_cannot_take_the_batch_fails_the_publication",
    }
    result.assert_outcomes(passed=6, failed=2)
