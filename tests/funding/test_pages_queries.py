"""What the funding pages cost: each sends the same number of statements whatever its number of rows
(every list loads what its rows show with them; a page of awards reads its money in one grouped query)."""
import io

import pytest

from app.extensions import db
from app.funding import services
from app.funding.models import AwardSource

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def statements(count_queries):
    """statements(client, path): how many statements the page sends (it must answer 200)."""
    def sent(client, path):
        with count_queries() as queries:
            response = client.get(path)
        assert response.status_code == 200, path
        return len(queries)
    return sent


@pytest.fixture
def more_awards(users, propose, sign, make_proposal, make_user):
    """more_awards(n): n more rows in each list of each reader: company awards of the venture on the company's
    calls, paid in, one milestone to remit and one with its evidence in; an MSS award to sign and one to
    disburse; a selected proposal with no award; another venture's milestone waiting for its payee."""
    def paid_in(proposal, actor):
        award = propose(proposal=proposal)
        sign(award)
        services.record_bank_receipt(award, actor=users["ipark_staff"], amount_minor=award.amount_minor,
                                     reference="MUFG")
        first, second = award.tranches
        services.submit_evidence(first, actor=actor, report="Done.")
        sign(first)
        return second

    def make(n):
        for _ in range(n):
            second = paid_in(make_proposal("selected"), users["venture_owner"])
            services.submit_evidence(second, actor=users["venture_owner"], report="Done too.")
            propose(proposal=make_proposal("selected"), source=AwardSource.mss_rnd, amount=9_000_000)
            mss = propose(proposal=make_proposal("selected"), source=AwardSource.mss_commercialization,
                          amount=9_000_000)
            sign(mss)
            services.submit_evidence(mss.tranches[0], actor=users["venture_owner"], report="Done.")
            sign(mss.tranches[0])
            other = make_user("venture")
            make_proposal("selected", creator=other)
            paid_in(make_proposal("selected", creator=other), other)
        db.session.commit()
    return make


def test_each_readers_index_costs_the_same_for_one_award_or_several(client_as, statements, more_awards, bank_payee):
    bank_payee()
    more_awards(1)
    clients = {who: client_as(who) for who in ("venture_owner", "company_member", "ipark_staff")}
    paths = {"venture_owner": ["/funding/"], "company_member": ["/funding/", "/funding/?list=receipts"],
             "ipark_staff": [f"/funding/?queue={queue}" for queue in ("to_propose", "to_sign", "evidence", "payouts",
                                                                      "remittances", "disbursements", "awards")]}
    before = {(who, path): statements(clients[who], path) for who, many in paths.items() for path in many}
    more_awards(3)
    after = {(who, path): statements(clients[who], path) for who, many in paths.items() for path in many}
    assert after == before
    staff = clients["ipark_staff"]
    for queue in ("to_propose", "to_sign", "evidence", "payouts", "remittances", "disbursements"):
        assert staff.get(f"/funding/?queue={queue}").get_data(as_text=True).count("<tr>") >= 4, queue


def test_an_award_page_costs_the_same_for_two_milestones_or_twelve(client_as, statements, users, propose, sign,
                                                                  make_proposal, bank_payee):
    bank_payee()

    def award_with(milestones: int):
        amount = 1_200_000
        award = propose(proposal=make_proposal("selected"), amount=amount,
                        tranches=[(f"Step {n}", amount // milestones, None) for n in range(milestones)])
        sign(award)
        for part in (amount // 2, amount - amount // 2):
            services.record_bank_receipt(award, actor=users["ipark_staff"], amount_minor=part, reference="MUFG")
        for tranche in award.tranches[:milestones // 2]:
            services.submit_evidence(tranche, actor=users["venture_owner"], report="Done.")
            sign(tranche)
        db.session.commit()
        return award

    small, large = award_with(2), award_with(12)
    for who in ("ipark_staff", "venture_owner", "company_owner"):
        client = client_as(who)
        assert statements(client, f"/funding/awards/{small.id}") == statements(client, f"/funding/awards/{large.id}")


def test_a_tranche_page_costs_the_same_for_one_file_or_five(client_as, statements, paid_in, make_proposal):
    def submitted(files: int):
        tranche = paid_in(proposal=make_proposal("selected")).tranches[0]
        response = client_as("venture_owner").post(
            f"/funding/tranches/{tranche.id}/evidence", content_type="multipart/form-data",
            data={"report": "Done.", "files": [(io.BytesIO(PDF), f"{n}.pdf") for n in range(files)]})
        assert response.status_code == 302
        return tranche

    one, five = submitted(1), submitted(5)
    for who in ("ipark_staff", "venture_member", "company_member"):
        client = client_as(who)
        assert statements(client, f"/funding/tranches/{one.id}") == statements(client, f"/funding/tranches/{five.id}")
