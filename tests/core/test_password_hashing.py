"""Password hashes are bounded: a flood of logins gets 503s, not the process's memory."""

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient


def _failed_logins(client: TestClient, count: int, workers: int) -> list:
    body = {"email": "nobody@example.com", "password": "wrong-password"}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda _: client.post("/api/v1/auth/login", json=body), range(count)))


def test_logins_beyond_the_hashing_slots_get_503_with_retry_after(client_factory):
    # A costly hash (~tens of ms) and a single slot that nobody waits for.
    client = client_factory(
        argon2_time_cost=8,
        argon2_memory_kib=8192,
        password_hash_concurrency=1,
        password_hash_wait_seconds=0,
    )

    responses = _failed_logins(client, count=16, workers=8)

    statuses = {response.status_code for response in responses}
    assert statuses == {401, 503}, statuses
    busy = next(response for response in responses if response.status_code == 503)
    assert busy.json()["code"] == "service_busy"
    assert busy.headers["retry-after"] == "1"


def test_logins_within_the_hashing_slots_all_get_their_answer(client_factory):
    client = client_factory(password_hash_concurrency=4, password_hash_wait_seconds=5)

    responses = _failed_logins(client, count=8, workers=4)

    assert [response.status_code for response in responses] == [401] * 8
