"""Every endpoint is either public on purpose or sends anonymous users to the login page.

A new route that is in neither list fails here: decide, then add it to PUBLIC or protect it.
"""
import pytest
from werkzeug.routing import AnyConverter, BuildError, IntegerConverter

PUBLIC = {
    "static",
    "common.index",
    "common.set_language",
    "auth.login",
    "auth.register",
    "auth.verify_email",
    "auth.resend_verification",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.logout",
    "auth.two_factor",  # only useful with a password-checked user in the session
    "auth.two_factor_setup",  # same; redirects to login otherwise
    "challenges.index",  # published calls are public (their public part)
    "challenges.show",  # 404 unless the challenge may be seen
    "challenges.attachment",  # 404 unless the file may be seen
    "webhooks.stripe",  # Stripe's own: verified by its signature (tests/funding/test_webhooks.py)
}

SAMPLE_VALUES = {"int": 1, "default": "sample", "any": None}


def _sample_url(app, rule):
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):  # the app's is a bounded subclass
            values[name] = 1
        elif isinstance(converter, AnyConverter):
            values[name] = next(iter(converter.items))
        else:
            values[name] = "sample"
    with app.test_request_context():
        from flask import url_for

        try:
            return url_for(rule.endpoint, **values)
        except BuildError:  # pragma: no cover - a route we cannot build is itself a failure
            pytest.fail(f"cannot build a URL for {rule.endpoint}")


def _protected_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC]


def test_every_endpoint_is_public_or_requires_login(app, client):
    checked = 0
    for rule in _protected_rules(app):
        url = _sample_url(app, rule)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code == 302, f"{rule.endpoint} answered {response.status_code} to an anonymous user"
        assert response.location.startswith("/auth/login"), f"{rule.endpoint} redirected to {response.location}"
        checked += 1
    assert checked >= 10


def test_public_list_names_only_real_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert PUBLIC <= endpoints, PUBLIC - endpoints


@pytest.mark.parametrize("endpoint", sorted(PUBLIC - {"static", "auth.logout", "common.set_language",
                                                             "webhooks.stripe"}))
def test_public_pages_answer_anonymous_users_without_error(app, client, endpoint):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    response = client.get(_sample_url(app, rule))
    # 404 only where the URL names an object (id 1), which does not exist in an empty database
    assert response.status_code in ((200, 302, 404) if rule.arguments else (200, 302))
