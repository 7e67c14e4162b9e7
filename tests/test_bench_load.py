"""bench/load.py (`make bench`): what it reads from wrk, what it computes, and how it signs in."""
import json
import shutil
import socket
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from bench import load
from bench.load import (
    BenchError,
    ClientBrowser,
    LoginFailed,
    count_statements,
    csrf_token,
    format_ratio_table,
    format_size_table,
    log_in,
    next_totp_code,
    parse_sizes,
    parse_wrk_report,
    ratios,
    size_rows,
)
from tests.conftest import PASSWORD, only_for_the_test

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:40123/challenges/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    40.12ms   10.01ms 120.50ms   70.00%
  1996 requests in 10.00s, 30.10MB read
Requests/sec:    199.60
Transfer/sec:      3.01MB
WRK-REPORT {"requests": 1996, "duration_us": 10000000, "bytes": 31562342, "p50_us": 38500, "p95_us": 61250, \
"p99_us": 90100, "max_us": 120500, "non2xx": 0, "first_non2xx": 0, \
"socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0}}
"""


def test_the_wrk_report_gives_percentiles_in_ms_and_requests_per_second():
    result = parse_wrk_report(WRK_OUTPUT)
    assert (result.requests, result.seconds) == (1996, 10.0)
    assert result.rps == pytest.approx(199.6)
    assert (result.p50_ms, result.p95_ms, result.p99_ms, result.max_ms) == (38.5, 61.25, 90.1, 120.5)
    assert not result.failed
    assert result.as_dict()["rps"] == 199.6


@pytest.mark.parametrize(("non2xx", "timeouts", "failed"), [(0, 0, False), (3, 0, True), (0, 1, True)])
def test_a_run_with_any_non_2xx_answer_or_socket_error_fails(non2xx, timeouts, failed):
    output = WRK_OUTPUT.replace('"non2xx": 0, "first_non2xx": 0', f'"non2xx": {non2xx}, "first_non2xx": 302') \
        .replace('"timeout": 0', f'"timeout": {timeouts}')
    result = parse_wrk_report(output)
    assert result.failed is failed
    assert result.socket_errors == timeouts
    if failed:
        assert result.problem == f"{non2xx} non-2xx (first 302), {timeouts} socket errors"


def test_a_run_in_which_no_request_completed_fails():
    result = parse_wrk_report(WRK_OUTPUT.replace('"requests": 1996', '"requests": 0'))
    assert result.failed and result.problem == "no request completed in the run"


def test_wrk_output_without_the_report_is_an_error():
    with pytest.raises(BenchError, match="no report"):
        parse_wrk_report(WRK_OUTPUT.split("WRK-REPORT")[0])


def test_sizes_from_presets_or_numbers():
    assert parse_sizes(None) == load.SIZES
    assert parse_sizes("1k") == {"1k": load.SIZES["1k"]}
    assert parse_sizes("1k=10:200, 5k=100:5000") == {"1k": (10, 200), "5k": (100, 5000)}
    with pytest.raises(ValueError, match="unknown size"):
        parse_sizes("3k")


def _row(page, rps, p50, p95, statements=5, in_process=None):
    c8 = {"rps": rps, "p50_ms": p50, "p95_ms": p95, "p99_ms": p95 * 1.5}
    return {"page": page, "c1": {"rps": rps / 2}, "c8": c8, "statements": statements,
            "in_process_median_ms": in_process, "in_process_p95_ms": in_process}


def test_each_page_is_a_share_of_the_home_page_and_checked_against_the_budgets():
    rows = size_rows([
        _row("home", 1000, 8, 12, statements=0, in_process=1.0),
        _row("list (venture)", 400, 20, 49.9, in_process=4.9),
        _row("list (anonymous)", 349, 22, 50.1, in_process=5.1),
        _row("ranking (largest)", 120, 60, 90),
        _row("healthz", 2500, 3, 5, statements=0),
    ])
    by_page = {row["page"]: row for row in rows}
    assert by_page["home"]["share_of_home"] == 1.0
    assert by_page["home"]["budgets"] == {"p95": "ok"}  # the floor: no share budget
    assert by_page["list (venture)"]["share_of_home"] == 0.4
    assert by_page["list (venture)"]["budgets"] == {"p95": "ok", "share": "ok", "in_process": "ok"}
    assert by_page["list (anonymous)"]["budgets"] == {"p95": "MISS", "share": "MISS", "in_process": "MISS"}
    assert by_page["ranking (largest)"]["budgets"] == {"p95": "MISS", "share": "MISS"}
    assert by_page["healthz"]["share_of_home"] == 2.5 and "share" not in by_page["healthz"]["budgets"]
    table = format_size_table("sqlite, 1k", rows)
    assert "list (anonymous)" in table and "p95 MISS share MISS in_process MISS" in table
    assert "  40%" in table


def test_a_failed_page_has_no_budget_met_and_says_why():
    rows = size_rows([_row("home", 1000, 8, 12), {"page": "review", "error": "c8: 200 non-2xx (first 302)"}])
    assert rows[1]["budgets"] == {"p95": "MISS", "share": "MISS"}
    assert "FAIL: c8: 200 non-2xx (first 302)" in format_size_table("t", rows)


def test_the_ratio_of_100k_to_1k_per_page():
    small = [_row("home", 1000, 8, 12, statements=0), _row("review", 200, 40, 60, statements=10),
             _row("decisions", 300, 20, 30, statements=5)]
    large = [_row("home", 1000, 8, 12, statements=0), _row("review", 100, 80, 150, statements=10),
             _row("decisions", 240, 29, 40, statements=6), _row("new page", 10, 10, 10)]
    result = {row["page"]: row for row in ratios(small, large)}
    assert set(result) == {"home", "review", "decisions"}  # a page measured at one size only has no ratio
    assert result["review"]["p50_ratio"] == 2.0 and result["review"]["rps_ratio"] == 2.0
    assert result["review"]["budgets"] == {"ratio": "MISS", "statements": "ok"}
    assert result["decisions"]["p50_ratio"] == 1.45 and result["decisions"]["rps_ratio"] == 1.25
    assert result["decisions"]["budgets"] == {"ratio": "ok", "statements": "MISS"}
    assert result["decisions"]["statements"] == [5, 6]
    assert "decisions" in format_ratio_table("100k ÷ 1k", list(result.values()))


def test_totp_codes_never_reuse_a_step():
    secret = pyotp.random_base32()
    now = 1_800_000_015.0  # 15 s into step 60,000,000
    current = int(now // 30)
    assert next_totp_code(secret, None, now) == (pyotp.TOTP(secret).at(current * 30), 0.0)
    assert next_totp_code(secret, current - 5, now) == (pyotp.TOTP(secret).at(current * 30), 0.0)
    # used already: the next step, which the site accepts as adjacent
    assert next_totp_code(secret, current, now) == (pyotp.TOTP(secret).at((current + 1) * 30), 0.0)
    # the next one used too: wait until it is the current step, then send the one after
    code, wait = next_totp_code(secret, current + 1, now)
    assert code == pyotp.TOTP(secret).at((current + 2) * 30)
    assert wait == pytest.approx(15.5)


PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:9C5B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
   1: 0100007F:9C5B 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 2 1
   2: 0100007F:9C5B 0100007F:D2F2 08 00000000:00000000 00:00000000 00000000     0        0 3 1
   3: 0100007F:9C5B 0100007F:D2F4 06 00000000:00000000 03:00001000 00000000     0        0 0 3
   4: 0100007F:D2F6 0100007F:9C5B 01 00000000:00000000 00:00000000 00000000     0        0 4 1
   5: 0100007F:1F90 0100007F:D2F8 01 00000000:00000000 00:00000000 00000000     0        0 5 1
"""


def test_connections_the_server_has_yet_to_answer():
    port = 0x9C5B
    # established and close-wait on the server's port; not the listener, a time-wait, the client's
    # own end (remote port) or another server
    assert load.busy_connections(port, PROC_NET_TCP) == 2
    assert load.busy_connections(0x1F90, PROC_NET_TCP) == 1
    assert load.busy_connections(1234, PROC_NET_TCP) == 0


def test_the_csrf_token_is_read_from_the_form():
    assert csrf_token('<input id="csrf_token" name="csrf_token" type="hidden" value="Ab.c&amp;1">') == "Ab.c&1"
    assert csrf_token('<input value="xyz" type="hidden" name="csrf_token">') == "xyz"
    assert csrf_token("<form></form>") is None


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production (restored after the test)
    return app


def test_signing_in_through_the_form_with_its_csrf_token(csrf_on, make_user):
    user = make_user("venture")
    browser = ClientBrowser(csrf_on.test_client())
    assert browser.get("/auth/profile").status == 302
    log_in(browser, user.email, PASSWORD)
    assert browser.get("/auth/profile").status == 200


def test_without_the_csrf_token_the_form_refuses(csrf_on, make_user):
    user = make_user("venture")
    browser = ClientBrowser(csrf_on.test_client())
    answer = browser.post("/auth/login", {"email": user.email, "password": PASSWORD}, referer="/auth/login")
    assert answer.status == 400


def test_a_wrong_password_is_a_failed_sign_in(csrf_on, make_user):
    user = make_user("venture")
    with pytest.raises(LoginFailed, match="answered 200"):
        log_in(ClientBrowser(csrf_on.test_client()), user.email, "not the password")


def test_staff_with_two_factor_sign_in_with_the_code(csrf_on, make_user):
    secret = pyotp.random_base32()
    staff = make_user(institution="ipark", role="member", totp_secret=secret)
    browser = ClientBrowser(csrf_on.test_client())
    log_in(browser, staff.email, PASSWORD, lambda: next_totp_code(secret, staff.totp_last_counter)[0])
    assert browser.get("/auth/profile").status == 200
    with pytest.raises(LoginFailed, match="gives no secret"):
        log_in(ClientBrowser(csrf_on.test_client()), staff.email, PASSWORD)
    with pytest.raises(LoginFailed, match="code was refused"):
        log_in(ClientBrowser(csrf_on.test_client()), staff.email, PASSWORD, lambda: "000000")


def test_the_statement_counter_counts_what_reaches_the_database(app, client, count_queries):
    from app.challenges.models import Challenge
    from app.extensions import db

    def sent(statements):  # without the test transaction's own savepoints
        return [statement for statement in statements if not only_for_the_test(statement)]

    with count_statements(db.engine) as statements:
        db.session.execute(select(Challenge.id).limit(1)).all()
        db.session.execute(select(Challenge.id).limit(2)).all()
    db.session.execute(select(Challenge.id).limit(3)).all()  # after the block: not counted
    assert len(sent(statements)) == 2 and all("challenges" in statement for statement in sent(statements))
    with count_statements(db.engine) as statements, count_queries() as expected:
        assert client.get("/challenges/").status_code == 200
    assert len(expected) > 0
    assert sent(statements) == expected


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (`make bench` installs it)")
@pytest.mark.skipif(not _redis_up(), reason="the production configuration needs Redis for its rate limits")
def test_gunicorn_and_wrk_count_a_redirect_as_a_failure(tmp_path):
    """The whole chain for real, in a few seconds: gunicorn with the production configuration,
    wrk with the report script; the home page and /healthz answer 200 (no SQL, so an empty
    database serves), and a page that redirects to the sign-in form fails."""
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    with load.gunicorn(url, "redis://127.0.0.1:6379/15") as base_url:
        headers = dict(load.PROXY_HEADERS)
        home = load.run_wrk(base_url + "/", connections=2, threads=1, seconds=1, headers=headers)
        redirected = load.run_wrk(base_url + "/auth/profile", connections=2, threads=1, seconds=1, headers=headers)
        port = int(base_url.rsplit(":", 1)[1])
        load.wait_until_idle(port, timeout=10)
        assert load.busy_connections(port, Path("/proc/net/tcp").read_text()) == 0
    assert home.requests > 0 and not home.failed, json.dumps(home.as_dict())
    assert redirected.failed and redirected.first_non2xx == 302
    assert redirected.non2xx == redirected.requests
