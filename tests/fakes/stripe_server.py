"""The fake Stripe (tests/fakes/stripe_api.py) behind a real HTTP server on 127.0.0.1, for the browser
journey: the app's StripeGateway reaches it through the library's API base (STRIPE_API_BASE), and the
browser through the hosted pages' URLs the API hands out.

- /v1/…: the API, routed as FakeHTTPClient routes it, from the query string or the form body.
- /pay/<session>: the hosted Checkout page. "Pay" completes the payment by card; "Pay by bank transfer"
  (JPY) completes the session unpaid and then lets the transfer arrive. The events go to the webhook,
  then the browser is sent (303) to the session's success_url, {CHECKOUT_SESSION_ID} filled in.
- /onboard/<account>: the Connect onboarding form; finishing it enables the account, sends
  account.updated and returns to the account link's return_url.

Every event (those of the API's requests too, such as transfer.created) is POSTed to `webhook_url` with
its raw JSON body and a real Stripe-Signature header, in order, by one thread; a failed delivery is
recorded and not retried. A page waits for the events it caused before it redirects.
"""
import html
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from werkzeug.serving import make_server
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from app.funding.gateway import sign_payload
from tests.fakes.stripe_api import FakeStripe, decode_form


@dataclass
class Delivery:
    event_id: str
    event_type: str
    status: int | None  # None: the webhook could not be reached
    body: str


class FakeStripeServer:
    def __init__(self, webhook_url: str, webhook_secret: str, *, fake: FakeStripe | None = None):
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.fake = fake or FakeStripe(webhook_secret=webhook_secret)
        self.deliveries: list[Delivery] = []
        # A scripted time-out holds the answer this long (longer than the client waits).
        self.stall_seconds = 3.0
        self._outbox: queue.Queue = queue.Queue()
        # Cleared: events made by API calls wait (Stripe sends them when it likes, often after our commit).
        self._sending = threading.Event()
        self._sending.set()
        # Never through a proxy: the webhook is on this machine.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._server = None
        self._threads: list[threading.Thread] = []

    # -- running ---------------------------------------------------------------------------------------
    def start(self) -> "FakeStripeServer":
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.fake.pages_url = self.url
        self.fake.on_event = self._outbox.put
        self._threads = [threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                          daemon=True),
                         threading.Thread(target=self._deliver_forever, daemon=True)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._outbox.put(None)
        for thread in self._threads:
            thread.join(timeout=5)
        self.fake.on_event = None
        self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def hold_deliveries(self) -> None:
        """Events made from now on wait for release_deliveries() (a page's own events are sent at once)."""
        self._sending.clear()

    def release_deliveries(self) -> None:
        self._sending.set()

    def wait_for_deliveries(self) -> None:
        """Until every event made so far has been POSTed to the webhook (or failed to)."""
        self._outbox.join()

    # -- webhooks --------------------------------------------------------------------------------------
    def _deliver_forever(self) -> None:
        while (event := self._outbox.get()) is not None:
            self._sending.wait()
            try:
                self._deliver(event)
            finally:
                self._outbox.task_done()
        self._outbox.task_done()

    def _deliver(self, event: dict) -> None:
        body = json.dumps(event, indent=2).encode()
        request = urllib.request.Request(self.webhook_url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": sign_payload(body, self.webhook_secret)})
        try:
            with self._opener.open(request, timeout=30) as response:
                delivery = Delivery(event["id"], event["type"], response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            delivery = Delivery(event["id"], event["type"], error.code, error.read().decode(errors="replace"))
        except OSError as error:
            delivery = Delivery(event["id"], event["type"], None, str(error))
        self.deliveries.append(delivery)

    # -- HTTP ------------------------------------------------------------------------------------------
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        path = request.path
        if path.startswith("/v1/"):
            response = self._api(request)
        elif path.startswith("/pay/"):
            response = self._checkout_page(request, path.removeprefix("/pay/"))
        elif path.startswith("/onboard/"):
            response = self._onboarding_page(request, path.removeprefix("/onboard/"))
        else:
            response = Response("Not found", status=404)
        return response(environ, start_response)

    def _api(self, request: Request) -> Response:
        reads_query = request.method in {"GET", "DELETE"}
        encoded = request.query_string.decode() if reads_query else request.get_data(as_text=True)
        answer = self.fake.handle(request.method, request.path, decode_form(encoded), dict(request.headers))
        if answer.lost:
            time.sleep(self.stall_seconds)
        return Response(json.dumps(answer.body), status=answer.status or 503, headers=answer.headers,
                        mimetype="application/json")

    def _checkout_page(self, request: Request, session_id: str) -> Response:
        try:
            session = self.fake.checkout_page(session_id)
        except LookupError:
            return Response("No such Checkout Session", status=404)
        if session["status"] != "open":
            return _page("Checkout", f"<p>This Checkout Session is {html.escape(session['status'])}.</p>", status=410)
        if request.method == "POST":
            if request.form.get("method") == "bank_transfer" and "customer_balance" in session["payment_method_types"]:
                self.fake.complete_checkout(session_id, async_bank_transfer=True)
                self.fake.receive_bank_transfer(session_id)
            else:
                self.fake.complete_checkout(session_id)
            self.wait_for_deliveries()
            return redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id), code=303)
        amount = f"{session['amount_total']:,} {session['currency'].upper()}"
        buttons = '<button type="submit" name="method" value="card" id="pay">Pay</button>'
        if "customer_balance" in session["payment_method_types"]:
            buttons += (' <button type="submit" name="method" value="bank_transfer" id="pay-bank">'
                        "Pay by bank transfer</button>")
        back = f'<p><a href="{html.escape(session["cancel_url"])}">Back</a></p>' if session["cancel_url"] else ""
        return _page("Checkout", f"<h1>{html.escape(session['description'])}</h1><p id=\"amount\">{amount}</p>"
                                 f'<form method="post">{buttons}</form>{back}')

    def _onboarding_page(self, request: Request, account_id: str) -> Response:
        link = self.fake.account_links.get(account_id)
        if link is None:
            return Response("No account link for this account", status=404)
        if request.method == "POST":
            self.fake.enable_account(account_id)
            self.wait_for_deliveries()
            return redirect(link["return_url"], code=303)
        return _page("Stripe Express", f"<h1>Set up payouts for {html.escape(account_id)}</h1><form method=\"post\">"
                                       '<button type="submit" id="finish">Finish onboarding</button></form>')


def _page(title: str, content: str, *, status: int = 200) -> Response:
    return Response(f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
                    f"<body><main>{content}</main></body></html>", status=status, mimetype="text/html")
