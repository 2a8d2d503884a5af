"""Users for tests: register one and sign in."""

from fastapi.testclient import TestClient


def register_and_login(
    client: TestClient,
    email: str = "ada@example.com",
    name: str = "Ada",
    password: str = "correct-horse-battery",
) -> dict[str, str]:
    """Create a user and return the Authorization header for them."""
    response = client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "name": name}
    )
    assert response.status_code == 201, response.text
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": password}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}
