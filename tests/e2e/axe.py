"""axe-core on every page a browser test visits.

``AxeWatch.watch(context)`` adds axe-core (the copy inside axe-playwright-python: no CDN) to every
document the context loads; when a page has loaded, axe checks it and reports back. Before a
navigation leaves a document (a link followed, a form sent, ``page.goto``), the request waits until
that document's report is in, so no page escapes unchecked however fast a test moves on; ``finish()``
waits for the documents still open when the test ends. axe runs the rules of WCAG 2.0 and 2.1,
levels A and AA (its best-practice rules would double the time and fail nothing serious today); a
finding is a violation of impact "serious" or "critical" (colour contrast, a control without a name,
…), minor and moderate ones are not counted.
"""
import json
import re
import time

from axe_playwright_python.base import AXE_SCRIPT

FAILING_IMPACTS = ("serious", "critical")
WAIT_S = 15  # the longest a page may take to load and be checked (well under a second on a quiet machine;
# shorter than conftest.TIMEOUT_MS, so that an action leaving the page never times out first)

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NAVIGATIONS = re.compile(r"^(?!.*/static/)")  # the application's pages, not its style sheets and scripts

# Every top-level page of the application, once it has loaded: axe-core, and its run. axe-core is
# compiled only then, so that the page itself loads and runs its scripts as fast as without it.
RUNNER = """
if (window.top === window && location.protocol.startsWith("http")) {
  const id = `${Date.now()}-${Math.random()}`;
  window.__axeStarted(id);
  window.addEventListener("load", () => setTimeout(() => {
    AXE_CORE
    axe.configure({noHtml: true});
    axe.run(document, {resultTypes: ["violations"], runOnly: {type: "tag", values: WCAG}}).then(results => {
      const serious = results.violations.filter(v => IMPACTS.includes(v.impact)).map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}));
      window.__axeReport(id, {url: location.href, width: window.innerWidth,
                              lang: document.documentElement.lang, violations: serious});
    });
  }));
}
""".replace("WCAG", json.dumps(WCAG_21_AA)).replace("IMPACTS", json.dumps(FAILING_IMPACTS))
RUNNER = RUNNER.replace("AXE_CORE", AXE_SCRIPT)  # last: axe-core's own text is left as it is


class AxeWatch:
    def __init__(self):
        self.findings: list[str] = []
        self.unchecked: list[str] = []  # pages left before their report came (a loaded machine), not findings
        self.checked = 0
        self._current = {}  # page -> the id of the document it shows
        self._reported = set()

    def watch(self, context) -> None:
        context.expose_binding("__axeStarted", self._started)
        context.expose_binding("__axeReport", self._report)
        context.add_init_script(script=RUNNER)
        context.route(NAVIGATIONS, self._route)

    def finish(self, contexts) -> list[str]:
        """The findings, once the open pages are checked. A page whose report did not come within
        WAIT_S is not a finding (a report can be late on a loaded machine, and the phone walk checks
        the main pages one by one); but a hook that checks nothing, or misses more than a fifth of the
        pages, is broken, and that is reported as a finding."""
        for context in contexts:
            for page in context.pages:
                self._wait_for_report(page)
        visited = self.checked + len(self.unchecked)
        if visited and (not self.checked or len(self.unchecked) * 5 > visited):
            self.findings.append(f"axe-core checked only {self.checked} of {visited} pages; not checked: "
                                 + ", ".join(self.unchecked))
        return self.findings

    def _started(self, source, document_id) -> None:
        self._current[source["page"]] = document_id

    def _report(self, source, document_id, report) -> None:
        self._reported.add(document_id)
        self.checked += 1
        for violation in report["violations"]:
            where = "; ".join(f"{node['target']}: {node['summary'].splitlines()[-1].strip()}"
                              for node in violation["nodes"])
            self.findings.append(f"{report['url']} ({report['width']} px, {report['lang']}) {violation['impact']} "
                                 f"{violation['id']} ({violation['help']}): {where}")

    def _route(self, route) -> None:
        request = route.request
        try:
            if request.is_navigation_request() and request.frame.parent_frame is None:
                self._wait_for_report(request.frame.page)
        finally:
            route.fallback()

    def _wait_for_report(self, page) -> None:
        """Until axe has reported on the page's document (page.wait_for_timeout lets the report in)."""
        document_id = self._current.get(page)
        deadline = time.monotonic() + WAIT_S
        while document_id is not None and document_id not in self._reported and not page.is_closed():
            if time.monotonic() > deadline:
                self.unchecked.append(page.url)
                self._reported.add(document_id)
                return
            page.wait_for_timeout(20)
