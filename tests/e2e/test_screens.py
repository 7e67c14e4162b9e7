"""The demo's main pages on a phone (390 px), in Japanese and Korean, as each kind of user sees
them: the call listing and a call, the venture's proposals, the company's and staff's review pages,
publication review, the calls to translate, verification, joint decisions, the audit log and the
accounts. On every page no text is wider than the screen and no word or number in a table is broken
over two lines; axe-core (conftest) checks each page for WCAG 2.1 AA contrast and the other serious
findings."""
import re

from sqlalchemy import select

from app.challenges.models import Challenge, ChallengeState
from app.demo import DEMO_PASSWORD, seed
from app.extensions import db
from app.proposals.models import Proposal, ProposalState
from app.review.models import Review

PHONE = {"width": 390, "height": 844}
LANGUAGES = ["ja", "ko"]

# Words (Latin, digits, Hangul) in table cells that the browser set over two lines: the ranking's
# "3.48" as "3./4/8", a Korean name cut between two syllables. Japanese may break between any two
# characters, so kana and kanji are not words here.
LETTER = r"A-Za-z0-9\u00c0-\u024f\uac00-\ud7a3"  # Latin letters, digits, Hangul syllables
BROKEN_WORDS = """() => {
  const word = /[LETTER](?:[LETTER.,:'’_]*[LETTER])?/g;
  const broken = [];
  for (const cell of document.querySelectorAll("td, th")) {
    if (!cell.getClientRects().length) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(word)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}""".replace("LETTER", LETTER)

# What spills out of its box: cells whose content is wider than the cell, and the page itself.
OVERFLOW = """() => ({
  page: document.documentElement.scrollWidth - window.innerWidth,
  cells: [...document.querySelectorAll("td, th")].filter(c => c.scrollWidth > c.clientWidth + 1)
           .map(c => c.innerText.slice(0, 40)),
  height: document.documentElement.scrollHeight,
})"""


def demo_pages(app) -> dict[str | None, list[str]]:
    """The pages to walk, by the demo account that sees them (None: signed out)."""
    with app.app_context():
        seed()
        db.session.commit()

        def first(query):
            return db.session.scalar(query.limit(1))

        open_call = first(select(Challenge.id).where(Challenge.state == ChallengeState.open,
                                                     Challenge.language == "ja").order_by(Challenge.id))
        shortlisted = first(select(Proposal.id).where(Proposal.state == ProposalState.shortlisted)
                            .order_by(Proposal.id))
        selected = first(select(Proposal).where(Proposal.state == ProposalState.selected).order_by(Proposal.id))
        ranked_call = selected.challenge_id  # selected after review: its ranking shows scores
        company_call = first(select(Proposal.challenge_id).where(Proposal.id == shortlisted))
        review = first(select(Review.id).where(Review.submitted_at.is_not(None)).order_by(Review.id))
        return {
            None: ["/challenges/", f"/challenges/{open_call}"],
            "venture@demo.test": ["/proposals/mine", f"/proposals/{selected.id}", "/auth/organization/members"],
            "company@demo.test": ["/challenges/mine", f"/review/challenges/{company_call}",
                                  f"/proposals/{shortlisted}"],
            "ipark@demo.test": ["/challenges/review", "/review/", f"/review/challenges/{ranked_call}",
                                f"/review/{review}", "/challenges/translations", "/staff/organizations",
                                "/staff/decisions", "/staff/audit"],
            "admin@demo.test": ["/staff/accounts"],
        }


def sign_in_as(context, address: str) -> None:
    """Through the sign-in form's request, not its page: the journeys walk that page already."""
    form = context.request.get("/auth/login").text()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = context.request.post("/auth/login", form={"csrf_token": token, "email": address,
                                                         "password": DEMO_PASSWORD})
    assert "/auth/login" not in response.url, f"{address} could not sign in"


def test_main_pages_on_a_phone_keep_words_whole_and_stay_on_the_screen(live_server, new_context):
    problems = []
    audit_heights = {}
    for account, paths in demo_pages(live_server.app).items():
        context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        if account:
            sign_in_as(context, account)
        page = context.new_page()
        for path in paths:
            for language in LANGUAGES:
                page.goto(f"{path}?lang={language}")
                assert page.locator("html").get_attribute("lang") == language
                broken = page.evaluate(BROKEN_WORDS)
                overflow = page.evaluate(OVERFLOW)
                where = f"{path} ({language})"
                if broken:
                    problems.append(f"{where}: words broken over two lines in table cells: {broken[:8]}")
                if overflow["cells"]:
                    problems.append(f"{where}: cells too narrow for their text: {overflow['cells'][:5]}")
                if overflow["page"] > 0:
                    problems.append(f"{where}: the page is {overflow['page']} px wider than the screen")
                if path == "/staff/audit":
                    audit_heights[language] = overflow["height"]
    assert not problems, "\n".join(problems)
    # 50 events a page: a line or two each, not a column of single letters (it was 15,000 px in Korean).
    assert len(audit_heights) == 2 and max(audit_heights.values()) < 6000, audit_heights

