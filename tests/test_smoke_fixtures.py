from app.auth.models import User


def test_users_fixture_signs_in(client, users, login):
    response = login(users["venture_owner"])
    assert response.status_code == 302
    assert client.get("/auth/profile").status_code == 200
    assert User.query.count() == 9
