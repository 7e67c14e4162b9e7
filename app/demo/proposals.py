"""The demo's proposals: the two demo ventures' proposals to the demo calls, and their stories.

Each proposal is played through the services a person would use — the venture starts, writes,
attaches and submits it (or withdraws it); then its reviews, joint decisions and the company's
choice (app.demo.reviews) — so the demo holds only what the application itself could have
produced. The story of each proposal is dated in days before today (app.demo.clock).

A call is played with its proposals before it closes (a closed call takes no proposal), so the
proposals of a call come and go with it: a call already seeded is skipped, and its proposals with it.
"""
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

from werkzeug.datastructures import FileStorage

from app.challenges.models import Challenge
from app.common.money import Currency
from app.common.names import text_language
from app.demo.calls import (
    ADC_LINKER_PAYLOAD,
    AI_DRUG_DISCOVERY_COHORT,
    ANTIBODY_AFFINITY,
    CARDIOMYOCYTE_SCALE_UP,
    CELL_GENE_THERAPY_RESIDENCY,
    COLONY_QUALITY_CONTROL,
    IMMUNO_ONCOLOGY_TARGETS,
    LIVER_INJURY,
    REGENERATIVE_POC_2025,
)
from app.demo.clock import DemoClock
from app.demo.pdf import one_page_pdf
from app.demo.people import person
from app.demo.reviews import (
    DECLINE,
    IPARK,
    MSS,
    NEUTRAL,
    REVISE,
    SELECT,
    SHORTLIST,
    STRONGLY_SUPPORT,
    SUPPORT,
    Choice,
    Decision,
    Rejection,
    Review,
    Signature,
    play_choice,
    play_decision,
    play_review,
)
from app.proposals.models import Proposal
from app.proposals.services import (
    add_attachment,
    start_proposal,
    submit_proposal,
    update_proposal,
    withdraw_proposal,
)
from app.proposals.translating import save_proposal_translation

COMPANY = "company@demo.test"
HANBIT = "venture@demo.test"  # Hanbit AI Discovery: graph neural networks for drug discovery
SAEAM = "venture2@demo.test"  # Saeam Cell Therapeutics: iPS cell-derived NK cells, cartilage repair


# The shape of a story ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Attachment:
    filename: str
    lines: tuple[str, ...]  # ASCII: the PDF base fonts cover nothing else


@dataclass(frozen=True)
class Submit:
    days_ago: float


@dataclass(frozen=True)
class Translate:
    """The venture adds a translation of its proposal, so that the company reads it in its language."""

    days_ago: float
    language: str
    title: str
    summary: str
    approach: str
    team: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Withdraw:
    days_ago: float


@dataclass(frozen=True)
class Revise:
    """The venture answers a revision request: new text (appended to the approach), then resubmits."""
    days_ago: float
    approach_addition: str
    attachment: Attachment | None = None


@dataclass(frozen=True)
class DemoProposal:
    challenge: str  # the call's title
    author: str
    title: str
    started_days_ago: float
    summary: str
    approach: str = ""
    team: str = ""
    trl: int | None = None
    budget_minor: int | None = None
    currency: Currency | None = None
    answers: tuple[str, ...] = ()  # in the order of the call's questions; "" leaves one blank
    milestones: tuple[tuple[int, str], ...] = ()  # (months into the project, what is delivered)
    attachment: Attachment | None = None
    story: tuple = ()  # Submit, Review, Decision, Choice, Revise, Withdraw: oldest first


# Hanbit AI Discovery ----------------------------------------------------------------------------

HANBIT_TEAM = """\
- **Minjun Kim, PhD** (CEO): computational chemistry, ten years in hit-to-lead at a Korean pharmaceutical company.
- **Dr. Soojin Han** (CTO): graph neural networks and active learning; formerly at KAIST's AI graduate school.
- **Dr. Daniel Cho** (Head of Biology): protein engineering and assay development.
- Four machine-learning engineers and two data engineers in Pangyo, Seongnam; one of them speaks Japanese.
"""

AFFINITY = DemoProposal(
    challenge=ANTIBODY_AFFINITY.title, author=HANBIT, started_days_ago=7.6,
    title="Structure-aware language-model design for the affinity maturation of a lead antibody",
    summary="We propose to reach the KD target for SKR-2207 in two design rounds, not four to six, with a protein "
            "language model fine-tuned on Sakura's 412 measured variants and a structure-based developability "
            "filter. Each round proposes 96 variants ranked by expected gain and by the uncertainty the next "
            "round should resolve.",
    approach="""\
## What we will build
1. **A binding model specific to SKR-2207.** We start from our antibody language model (trained on 1.8 million paired
   VH/VL sequences from OAS) and fine-tune it on the 412 SPR measurements, with an ensemble to estimate uncertainty.
2. **A structure check on every design.** Each candidate is modelled against TL1A with a predicted complex (as agreed in
   the Q&A, until the co-crystal structure is shared) and scored for interface energy and paratope stability.
3. **A developability gate before synthesis.** Aggregation (spatial aggregation propensity), hydrophobic patches
   predictive of HIC shift, Tm1 and a T-cell epitope scan: designs outside Sakura's gates are never proposed.

## Design rounds
- **Round 1 (96 variants):** 60 % exploitation (best predicted KD), 40 % exploration (highest uncertainty in CDR-H3
  and CDR-L3). Sakura expresses and measures them at Shonan iPark.
- **Round 2 (96 variants):** the model is refitted on 508 measurements; combinations of the best single and double
  mutants, with the developability gates tightened.

## Why we believe two rounds are enough
On a public anti-HER2 benchmark we reached a 14-fold KD improvement in two simulated rounds of 96, against five rounds
for random combination of beneficial point mutations.
""",
    team=HANBIT_TEAM, trl=3, budget_minor=27_000_000, currency=Currency.JPY,
    answers=(
        "Two projects. (1) With a Korean biotech (under NDA), we improved a VHH binder to a viral antigen 22-fold "
        "(KD 31 nM to 1.4 nM) in three rounds of 48 variants. (2) On the public Trastuzumab deep-mutational-scanning "
        "data we reproduced a 14-fold improvement in two simulated rounds. Our own laboratory partner in Osong "
        "expressed and measured the VHH variants by BLI.",
        "Developability is a hard filter, not a score we trade against affinity. Every design is checked for "
        "aggregation hot spots, net charge and hydrophobic surface (HIC proxy), predicted Tm1 and MHC-II epitopes "
        "before it is proposed. We calibrate the HIC and Tm1 predictors on the subset of Sakura's 412 variants that "
        "have these measurements, and report for each design the margin to each of Sakura's gates.",
        "Before round 1: the 412 sequences with SPR values, expression titres and any SEC/HIC/Tm data, as CSV. "
        "After each round: the same measurements for the 96 designs, within four weeks, so that round 2 can start "
        "within a week of receiving them.",
    ),
    milestones=((1, "Fine-tuned binding model; retrospective ranking report on the 412 variants"),
                (2, "Round 1: 96 designs with developability margins delivered to Sakura"),
                (5, "Round 2: 96 designs from the refitted model"),
                (8, "Final report: best variants, model, and recommendation for lead selection")),
    attachment=Attachment("Hanbit_SKR-2207_design_plan.pdf", (
        "Hanbit AI Discovery Inc. - proposal to Sakura Pharmaceutical",
        "Affinity maturation of SKR-2207: design plan",
        "",
        "Round 1: 96 variants (60 % exploitation, 40 % exploration)",
        "Round 2: 96 variants after refitting on 508 measurements",
        "Developability gates applied before synthesis: SEC, HIC, Tm1, MHC-II",
        "Benchmark: 14-fold KD gain in two simulated rounds (anti-HER2)",
    )),
    story=(Submit(3.2),
           Review(IPARK, assigned_by=MSS, days_ago=0.9)),  # 鈴木 愛子 (iPark) has not answered yet
)

ADC_DRAFT = DemoProposal(
    challenge=ADC_LINKER_PAYLOAD.title, author=HANBIT, started_days_ago=3.8,
    title="Uncertainty-aware stability models for ADC linker design",
    summary="A graph neural network that predicts linker cleavage in human and mouse plasma from the linker, payload "
            "and conjugation chemistry, trained with public ADC data and calibrated on Sakura's 150 conjugates.",
    approach="""\
## Model
Message-passing network over the linker–payload graph, with the conjugation site and DAR as global features.
Deep ensembles for uncertainty; conformal prediction intervals for each estimate.

## Data
- Public: about 900 linker–payload records curated from the literature and patents (licence to check, see below).
- Sakura: the ~150 conjugates with measured outcomes, used for calibration and the prospective test.

*To complete: licence terms of the literature set; rat MTD model (do we include it in phase 1?).*
""",
    trl=2,
    answers=("We use a graph neural network pre-trained on 2 million molecules and fine-tuned on plasma stability. "
             "With 150 conjugates we do not train from scratch: we fine-tune, and we use the ensemble's spread "
             "to say when a prediction should not be trusted.",),
)

AI_COHORT_DRAFT = DemoProposal(
    challenge=AI_DRUG_DISCOVERY_COHORT.title, author=HANBIT, started_days_ago=2.1,
    title="그래프 신경망 기반 선도물질 최적화 플랫폼의 일본 제약사 공동 검증",
    summary="한빛에이아이디스커버리는 그래프 신경망과 능동학습으로 선도물질 최적화의 합성 횟수를 줄이는 플랫폼을 "
            "개발했습니다. 쇼난 아이파크 입주 기간 동안 일본 제약사 1곳 이상과 실제 프로젝트 데이터로 전향적 "
            "검증을 수행하고자 합니다.",
    approach="""\
## 플랫폼 개요
- 분자 그래프 기반 활성·ADMET 동시 예측 모델(사전학습 200만 화합물)
- 불확실성 기반 능동학습: 다음 합성 후보를 한 번에 24~48개씩 제안
- 국내 제약사 2곳과의 후향적 검증에서 목표 화합물 도달까지의 합성 수 40% 감소

## 입주 기간 계획
(작성 중 — 일본 파트너 후보와 협의 후 보완 예정)
""",
    team=HANBIT_TEAM, trl=4,
    answers=("플랫폼은 2022년부터 개발했으며, 현재 국내 제약사 2곳과 유료 PoC를 진행하고 있습니다. 후향적 검증에서 "
             "목표 활성(IC50 10 nM 이하)에 도달하기까지 필요한 합성 화합물 수를 평균 40% 줄였습니다.", ""),
)

# Hanbit's Japanese-speaking engineer translated the proposal for Sakura's safety team.
LIVER_IN_JAPANESE = dict(
    title="肝細胞イメージングと化学構造を組み合わせたマルチモーダルなDILIリスクスコアリング",
    summary="化学構造、貴社の肝細胞イメージング、さらに利用可能な場合はHepaRGのトランスクリプトームを統合し、化合物ごとに"
            "較正済みのDILIリスクスコアを一つ算出します。化学者が次の手を打てるよう、機序ラベル（ミトコンドリア毒性、BSEP阻害、"
            "反応性代謝物）も付けます。目標は貴社と同じく、誤った保留を半減させ、既知の陽性は一つも見逃さないことです。",
    approach="""\
## モデル
- **構造ブランチ：**200万分子で事前学習し、DILIrankと公開BSEP・ミトコンドリア毒性データでファインチューニングした当社の
  グラフニューラルネットワーク。
- **イメージングブランチ：**生画像ではなく各イメージング項目の濃度反応特徴量（EC50、最大効果、傾き）を用いるため、
  プレートや装置が変わってもモデルが移植できます。
- **トランスクリプトームブランチ（任意）：**S1500+パネルのパスウェイスコア。データがある場合に使用します。
- 後段統合（レイトフュージョン）のヘッドが、較正済み確率付きのリスクスコアを一つ出力し、スコアを主に決めたブランチから
  機序ラベルを付けます。

## 検証
貴社の1,320化合物でシリーズ単位の分割（同じシリーズが学習とテストに同時に入らない）による後ろ向き検証を行い、その後2か月間の
新規化合物で現行の保留ルールと前向きに比較します。

## 成果物
貴社サーバーに導入するコンテナ化したモデル（データは貴社の外に出ません）、化合物ごとのWebレポート、安全性・化学チーム向けの
研修。
""",
    team="""\
- **金 敏俊（キム・ミンジュン）博士**（CEO）：計算化学。韓国の製薬企業でヒット・トゥ・リードに10年従事。
- **韓 秀珍（ハン・スジン）博士**（CTO）：グラフニューラルネットワークと能動学習。元KAIST AI大学院。
- **曺 ダニエル博士**（生物学責任者）：タンパク質工学とアッセイ開発。
- 城南市板橋に機械学習エンジニア4名とデータエンジニア2名。うち1名は日本語を話します。
""",
    answers=(
        "DILIrank（most-DILI-concern対no-DILI-concern、2022年版、スキャフォールド分割）で、構造のみのモデルはAUC 0.81、"
        "公開HepG2イメージングデータ（Tox21のミトコンドリア膜電位）を加えると0.86になります。ベンチマークのコードと分割は"
        "当社のGitHubで公開しています。",
        "イメージング：MMP、脂質蓄積、細胞数を濃度反応（6濃度以上）で。統合モデルの較正にはこれらの測定値がある化合物が約300"
        "必要で、貴社の1,320化合物で十分です。トランスクリプトームは機序ラベルの精度を高めますが、必須ではありません。",
    ),
)

LIVER = DemoProposal(
    challenge=LIVER_INJURY.title, author=HANBIT, started_days_ago=29.5,
    title="Multimodal DILI risk scoring from hepatocyte imaging and chemical structure",
    summary="One calibrated DILI risk score per compound that combines chemical structure, Sakura's hepatocyte "
            "imaging and, where available, HepaRG transcriptomics — with a mechanism label (mitochondrial, BSEP, "
            "reactive metabolite) that chemists can act on. Our goal is Sakura's: halve false holds, miss no known "
            "positive.",
    approach="""\
## Model
- **Structure branch:** our graph neural network, pre-trained on 2 million molecules and fine-tuned on DILIrank and
  on public BSEP and mitochondrial toxicity data.
- **Imaging branch:** concentration–response features (EC50, maximum effect, slope) of each imaging readout, rather
  than raw images, so that the model transfers between plates and instruments.
- **Transcriptomics branch (optional):** pathway scores from the S1500+ panel, used when present.
- A late-fusion head produces one risk score with a calibrated probability, and a mechanism label from the branch
  that drives it.

## Validation
Retrospective on Sakura's 1,320 compounds with series-wise splits (a series is never in training and test at once),
then prospective on the next two months of compounds, compared with the current hold rule.

## Deliverables
A containerised model installed on Sakura's servers (no data leave Sakura), a web report per compound, and a
training session for the safety and chemistry teams.
""",
    team=HANBIT_TEAM, trl=4, budget_minor=14_500_000, currency=Currency.JPY,
    answers=(
        "On DILIrank (most- vs no-DILI-concern, 2022 release, scaffold split) our structure-only model reaches "
        "an AUC of 0.81; adding public HepG2 imaging data (Tox21 mitochondrial membrane potential) raises it to "
        "0.86. The benchmark code and splits are public on our GitHub.",
        "Imaging: MMP, lipid accumulation and cell count, in concentration–response (at least six concentrations). "
        "We need about 300 compounds with these readouts to calibrate the fusion model; Sakura's 1,320 are ample. "
        "Transcriptomics improves the mechanism labels but is not required.",
    ),
    milestones=((1, "Data transfer and series-wise retrospective benchmark"),
                (3, "Fusion model installed at Sakura; retrospective report"),
                (6, "Prospective comparison with the current hold rule; final report")),
    attachment=Attachment("Hanbit_DILI_benchmark_summary.pdf", (
        "Hanbit AI Discovery Inc. - DILI risk scoring",
        "",
        "DILIrank (scaffold split): structure only AUC 0.81",
        "Structure + HepG2 MMP imaging (Tox21): AUC 0.86",
        "Target at Sakura: halve false holds, no missed known positive",
    )),
    story=(
        Submit(13.8),
        Translate(12.5, "ja", **LIVER_IN_JAPANESE),
        Review(IPARK, assigned_by=IPARK, days_ago=11, reviewed_days_ago=9.2, scores=(4, 5, 4, 4, 4),
               recommendation=STRONGLY_SUPPORT,
               comment="Very close fit with the call. The series-wise split and the plan to run on Sakura's servers "
                       "answer the two questions Sakura's safety team will ask first."),
        Review(MSS, assigned_by=IPARK, days_ago=11, reviewed_days_ago=8.4, scores=(4, 4, 4, 3, 4),
               recommendation=SUPPORT,
               comment="기술적 완성도가 높고 사업화 가능성도 충분합니다. 다만 6개월 안에 전향적 비교까지 마치는 일정은 "
                       "다소 빠듯해 보입니다."),
        Decision(SHORTLIST, requested_by=IPARK, days_ago=7.1,
                 note="Sakura Pharmaceutical will invite you to present your approach at Shonan iPark (or online).",
                 signatures=(Signature(IPARK, 7.0), Signature(MSS, 6.2))),
        Review(COMPANY, assigned_by=IPARK, days_ago=6.0, reviewed_days_ago=4.1, scores=(4, 5, 4, 4, 3),
               recommendation=STRONGLY_SUPPORT,
               comment="発表で、当社の保留ルールとの比較方法が具体的に示され、安全性研究部門の評価も高かった。"
                       "事業化の見通しは共同研究の成果次第。"),
        Choice(COMPANY, days_ago=3.0),
        # Signed by iPark; waiting for MSS: the demo's signature to give.
        Decision(SELECT, requested_by=IPARK, days_ago=2.2,
                 note="Congratulations. The pilot starts with the data transfer; Sakura's safety team will contact "
                      "you to set the dates.",
                 signatures=(Signature(IPARK, 2.1),)),
    ),
)

COLONY = DemoProposal(
    challenge=COLONY_QUALITY_CONTROL.title, author=HANBIT, started_days_ago=39.5,
    title="Self-supervised colony classification for iPS cell quality control",
    summary="A classifier for phase-contrast colony images, pre-trained without labels on the university's whole "
            "archive and fine-tuned on the 48,000 annotated images, that flags differentiated, mixed and abnormal "
            "colonies with a confidence the technician sees, inside the imaging station's own software.",
    approach="""\
## Model
Self-supervised pre-training (masked image modelling) on every unlabelled image the imaging station has recorded, then
fine-tuning on the annotated set. Label noise between the two annotators (κ = 0.71) is modelled explicitly, and
colonies on which the annotators disagree are shown to the technician rather than decided by the model.

## Integration
A plug-in for the imaging station's export folder: each scan is classified within a minute, and the technician
confirms or overrules each flag in a simple review screen. Every decision is logged with the model version.

## Validation
Three independent batches of each of two lines, annotated blind by the university's technicians; acceptance on the
university's targets (≥ 95 % sensitivity for differentiated colonies, ≤ 10 % of good colonies removed).
""",
    team=HANBIT_TEAM, trl=3, budget_minor=230_000_000, currency=Currency.KRW,
    answers=(
        "We classified histology tiles for a Korean hospital's pathology department (six tissue classes, 120,000 "
        "tiles, balanced accuracy 0.93) and built a cell-painting phenotype model for a biotech's screening "
        "platform. This would be our first work on iPS cell colonies.",
        "The software will be developed under a documented life cycle, with versioned models, an audit trail of "
        "every classification and overrule, and a validation report for the university's quality assurance team.",
    ),
    milestones=((3, "Self-supervised model pre-trained on the archive; first fine-tuning results"),
                (9, "Plug-in running at the imaging station in shadow mode"),
                (15, "Validation study on independent batches; validation report"),
                (18, "Handover to the cell-processing centre")),
    story=(
        Submit(21.6),
        Review(IPARK, assigned_by=MSS, days_ago=18, reviewed_days_ago=15.3, scores=(3, 3, 3, 2, 3),
               recommendation=NEUTRAL,
               comment="The model is convincing, but the GMP part is one paragraph. The university's QA team will "
                       "need a computer system validation plan before any clinical batch depends on this."),
        Review(MSS, assigned_by=MSS, days_ago=18, reviewed_days_ago=14.2, scores=(4, 4, 3, 3, 3),
               recommendation=SUPPORT,
               comment="Strong machine-learning team and a reasonable budget for MSS R&D funding. The validation "
                       "plan is thin, but that can be fixed."),
        Decision(DECLINE, requested_by=IPARK, days_ago=12.1,
                 note="The proposal does not yet show how the software would be validated for use in GMP "
                      "manufacturing, which the call asks for.",
                 rejection=Rejection(MSS, 11.0,
                                     "The model and the team are strong; only the validation plan is missing, and "
                                     "the venture can supply it. MSS prefers to ask for a revision rather than "
                                     "decline.")),
        Decision(REVISE, requested_by=MSS, days_ago=10.2,
                 note="Please add (1) a computer system validation plan following GAMP 5 (risk assessment, user "
                      "requirements, IQ/OQ/PQ), (2) how the audit trail meets the expectations for electronic "
                      "records in Japan, and (3) who in your team will carry the validation work.",
                 signatures=(Signature(MSS, 10.1), Signature(IPARK, 9.0))),
    ),
)

IMMUNO_HANBIT = DemoProposal(
    challenge=IMMUNO_ONCOLOGY_TARGETS.title, author=HANBIT, started_days_ago=70,
    title="Graph learning on single-cell and spatial data to find targets in checkpoint-refractory tumours",
    summary="We model each tumour as a graph of interacting cells, learned from single-cell and spatial "
            "transcriptomes, and rank the ligand–receptor pairs that separate non-responders from responders. "
            "Each of the 20 ranked targets comes with its evidence and a proposal for the first in-vitro test.",
    approach="""\
## Data integration
Public scRNA-seq and Visium data of lung and gastric cancers (about 1.3 million cells) harmonised with Sakura's 86
biopsies; cell types annotated with a reference atlas and checked by Sakura's translational team.

## From cells to targets
1. Cell–cell communication graphs per patient, from ligand–receptor co-expression constrained by spatial
   neighbourhood where Visium data exist.
2. A graph neural network trained to separate responders from non-responders; attributions identify the
   interactions that drive the difference.
3. Ranking by specificity (expression outside the tumour), disease association and druggability (antibody access,
   known small-molecule pockets), excluding the targets Sakura has already studied.

## Output
A ranked list of 20 targets with, for each one, the cell types involved, the evidence, and a proposed co-culture
experiment for Sakura's first validation.
""",
    team=HANBIT_TEAM, trl=2, budget_minor=10_000_000, currency=Currency.JPY,
    answers=(
        "Two peer-reviewed papers on cell–cell communication graphs in lung cancer (2023, 2024), one patent "
        "application on attribution-based target ranking, and a target-discovery collaboration with a Korean "
        "cancer hospital (two targets now in antibody discovery).",
        "Each target is ranked on three evidence scores — association with non-response (graph attribution, "
        "replicated in an independent cohort), specificity and druggability — combined with weights agreed with "
        "Sakura. We show validity by recovering known resistance mechanisms (e.g. TGF-β-driven exclusion) in "
        "held-out cohorts before proposing new ones.",
    ),
    milestones=((2, "Integrated atlas of the 86 biopsies with public data"),
                (4, "Communication graphs and the responder model; first ranked list for discussion"),
                (6, "Final top-20 list with evidence and validation proposals")),
    story=(
        Submit(47.2),
        Review(IPARK, assigned_by=MSS, days_ago=43, reviewed_days_ago=40.1, scores=(4, 5, 4, 4, 4),
               recommendation=STRONGLY_SUPPORT,
               comment="標的の順位付けの根拠が明確で、当社側の検証実験まで具体的に提案されている。"),
        Review(MSS, assigned_by=MSS, days_ago=43, reviewed_days_ago=39.3, scores=(4, 4, 4, 4, 4),
               recommendation=SUPPORT,
               comment="Credible publications and a realistic six-month plan."),
        Decision(SHORTLIST, requested_by=MSS, days_ago=36.2,
                 signatures=(Signature(MSS, 36.1), Signature(IPARK, 35.3))),
        Review(COMPANY, assigned_by=IPARK, days_ago=35.0, reviewed_days_ago=30.2, scores=(5, 5, 4, 4, 4),
               recommendation=STRONGLY_SUPPORT,
               comment="既知の耐性機序を再現してから新規標的を提案する進め方は、当社のトランスレーショナル研究部門の"
                       "考え方と一致している。"),
        Choice(COMPANY, days_ago=24.0),
        Decision(SELECT, requested_by=IPARK, days_ago=22.2,
                 note="Congratulations. The kick-off meeting with Sakura's translational research team will take "
                      "place at Shonan iPark; MSS will contact you about the commercialisation funding.",
                 signatures=(Signature(IPARK, 22.1), Signature(MSS, 21.2))),
    ),
)


# Saeam Cell Therapeutics ------------------------------------------------------------------------

SAEAM_TEAM = """\
- **Seoyeon Park, PhD** (CEO): stem cell biology; ten years of iPS cell differentiation research.
- **Dr. Jaehyun Lim** (CSO): NK cell immunology, formerly at a Korean CAR-T developer.
- **Hyejin Yoon** (Head of CMC): GMP manufacturing; runs our cell-processing facility in Osong.
- Twelve scientists and technicians; our GMP facility is licensed by the MFDS.
"""

RESIDENCY = DemoProposal(
    challenge=CELL_GENE_THERAPY_RESIDENCY.title, author=SAEAM, started_days_ago=10.3,
    title="Allogeneic NK cells from iPS cells: process development at Shonan iPark",
    summary="Saeam's iPS cell-derived NK cells (SCT-NK01) control ovarian tumours in mice. In the residency we "
            "will move differentiation from plates to closed bioreactors and prepare our first consultation with "
            "the PMDA, while clinical manufacturing stays at our GMP site in Osong.",
    approach="""\
## Where we are
SCT-NK01 is an off-the-shelf NK cell product differentiated from a clinical-grade iPS cell line, engineered with a
high-affinity CD16 and membrane-bound IL-15. In an ovarian cancer xenograft model, three doses reduced tumour burden
by 78 % against the vehicle (n = 10 per group).

## What we will do at Shonan iPark
1. **Process development:** differentiation in a closed stirred-tank bioreactor (target: 10⁹ NK cells per batch,
   today 2 × 10⁸ on plates), using the shared cell-processing equipment.
2. **Characterisation:** single-cell sequencing of each process step, with the shared facility, to define release
   criteria.
3. **Regulatory preparation:** a PMDA pre-consultation on the quality package, with the residency's mentors.
""",
    team=SAEAM_TEAM, trl=4, budget_minor=200_000_000, currency=Currency.KRW,
    answers=(
        "SCT-NK01 is in late preclinical development: efficacy in two xenograft models (ovarian, 78 % reduction; "
        "gastric, 61 %), no graft-versus-host disease in humanised mice, and a GLP toxicology study planned for "
        "the fourth quarter. The iPS cell line is clinical grade with a drug master file in Korea.",
        "Month 3: bioreactor process at 10⁹ cells per batch. Month 6: comparability of bioreactor and plate "
        "batches (phenotype, cytotoxicity). Month 9: release criteria from single-cell data. Month 12: PMDA "
        "pre-consultation held, and a technology-transfer package for our Osong GMP site.",
        "Dr. Jaehyun Lim (CSO) and one process engineer, for nine months each; Hyejin Yoon (CMC) for two weeks "
        "per quarter.",
    ),
    milestones=((3, "Bioreactor process at 10^9 NK cells per batch"),
                (6, "Comparability of bioreactor and plate batches"),
                (9, "Release criteria from single-cell characterisation"),
                (12, "PMDA pre-consultation; technology-transfer package for Osong")),
    attachment=Attachment("Saeam_SCT-NK01_preclinical_summary.pdf", (
        "Saeam Cell Therapeutics - SCT-NK01 preclinical summary",
        "",
        "iPS cell-derived NK cells, high-affinity CD16, membrane-bound IL-15",
        "Ovarian cancer xenograft: -78 % tumour burden (n = 10 per group)",
        "Gastric cancer xenograft: -61 % tumour burden",
        "No GvHD observed in humanised mice",
    )),
    story=(
        Submit(5.1),
        Review(IPARK, assigned_by=IPARK, days_ago=4.2, reviewed_days_ago=2.3, scores=(4, 5, 3, 4, 4),
               recommendation=SUPPORT,
               comment="Excellent fit with the residency and realistic use of the shared equipment. We should ask "
                       "in the pitch who carries the process work when Dr. Lim is in Korea."),
        Review(MSS, assigned_by=IPARK, days_ago=1.1),  # 이지우 (MSS) has not answered yet
    ),
)

CARDIOMYOCYTE_DRAFT = DemoProposal(
    challenge=CARDIOMYOCYTE_SCALE_UP.title, author=SAEAM, started_days_ago=3.2,
    title="부유 배양 바이오리액터를 이용한 iPS 세포 유래 심근세포 대량 생산 공정 공동개발",
    summary="새암셀테라퓨틱스의 교반형 바이오리액터 분화 공정을 심근세포에 적용해, 1회 배치로 환자 1인분(약 10억 개)의 "
            "심근세포를 생산하고 라만 분광으로 순도를 비파괴 평가하는 공정을 쇼난의과대학과 함께 개발하고자 합니다.",
    approach="""\
## 기술 개요
- NK 세포 분화에서 검증한 폐쇄형 교반 바이오리액터 공정(배치당 10⁹ 세포)
- 배양 중 라만 분광 측정으로 미분화 세포 잔존을 추정하는 모델(개발 중)

## 역할 분담(안)
(대학 측과 협의 후 작성)
""",
    trl=4, budget_minor=300_000_000, currency=Currency.KRW,
)

WITHDRAWN_COLONY = DemoProposal(
    challenge=COLONY_QUALITY_CONTROL.title, author=SAEAM, started_days_ago=34.8,
    title="Colony QC validated on the floor of a GMP cell-processing facility",
    summary="Saeam runs an MFDS-licensed cell-processing facility that passages clinical-grade iPS cells every "
            "week. We propose to co-develop the colony classifier with the university and to validate it in both "
            "facilities, so that it meets GMP expectations in Japan and in Korea from the start.",
    approach="""\
## What we bring
- 9,000 phase-contrast images of our own clinical-grade line, labelled by our QC technicians.
- Experience of qualifying imaging equipment and software in a licensed GMP facility.

## Plan
Joint annotation guidelines; a classifier trained on both facilities' images; a validation study run in parallel at
Shonan iPark and in Osong.
""",
    team=SAEAM_TEAM, trl=3, budget_minor=240_000_000, currency=Currency.KRW,
    answers=(
        "We developed, with an imaging software partner, the automated confluence and morphology checks used in "
        "our own facility since 2023 (2 lines, 40 batches).",
        "Our facility's validation team will apply the same computer system validation procedure it uses for our "
        "licensed processes: risk assessment, IQ/OQ/PQ and periodic review.",
    ),
    story=(Submit(21.3), Withdraw(16.2)),
)

REGENERATIVE_POC = DemoProposal(
    challenge=REGENERATIVE_POC_2025.title, author=SAEAM, started_days_ago=44.6,
    title="동종 줄기세포 유래 연골 재생 치료제의 일본 임상연구 준비",
    summary="새암셀테라퓨틱스의 동종 제대혈 유래 중간엽줄기세포 연골 재생 치료제(SCT-CR02)는 국내 1/2a상 임상에서 "
            "안전성과 연골 재생 효과를 확인했습니다. 일본 재생의료 등 안전성 확보법에 따른 임상연구를 시작하기 위해 "
            "일본 협력 병원과 세포배양가공시설(CPC) 연계를 지원받고자 합니다.",
    approach="""\
## 제품과 개발 현황
- SCT-CR02: 동종 제대혈 유래 중간엽줄기세포와 히알루론산 하이드로겔 복합 제제, 관절경 하 결손 부위 도포
- 국내 1/2a상(24명) 완료: 중대한 이상반응 없음, 48주 MRI에서 결손 부위 충전율 평균 72%
- 식약처 2상 임상시험계획 승인 신청 준비 중

## 일본 실증 계획
1. 협력 병원과 함께 재생의료 등 안전성 확보법에 따른 제2종 재생의료 계획 수립
2. 일본 내 CPC로 기술이전(제조 공정·품질시험), 시험 제조 3배치
3. 특정인정재생의료등위원회 심사 대응과 임상연구 개시 준비
""",
    team=SAEAM_TEAM, trl=5, budget_minor=200_000_000, currency=Currency.KRW,
    answers=(
        "국내 1/2a상 임상(24명)을 2025년 3월에 완료했으며, 결과는 국제 학술지에 투고했습니다. 제조는 오송의 자사 GMP "
        "시설에서 하고 있고, 2상 임상시험계획 승인 신청을 준비하고 있습니다.",
        "6개월 안에 일본 협력 병원을 확정하고 CPC 기술이전과 시험 제조 3배치를 마치는 것이 목표입니다. 필요한 지원은 "
        "협력 병원 연계, CPC 이용, 그리고 일본 규제 자문입니다.",
    ),
    milestones=((2, "일본 협력 병원 확정 및 공동 연구계획 수립"),
                (4, "일본 CPC 기술이전 및 시험 제조 3배치"),
                (6, "특정인정재생의료등위원회 심사 신청")),
    story=(
        Submit(27.3),
        Review(IPARK, assigned_by=MSS, days_ago=23, reviewed_days_ago=21.2, scores=(4, 4, 4, 3, 4),
               recommendation=SUPPORT,
               comment="Clinical data are solid. The plan names no Japanese hospital yet; we should ask for the "
                       "status of the discussions before shortlisting."),
        Review(MSS, assigned_by=MSS, days_ago=23, reviewed_days_ago=20.3, scores=(4, 4, 4, 3, 4),
               recommendation=SUPPORT,
               comment="국내 임상 결과가 우수합니다. 일본 병원과 CPC 협의 현황을 보완하면 선정 가능성이 "
                       "높다고 봅니다."),
        Decision(REVISE, requested_by=MSS, days_ago=19.2,
                 note="일본 협력 병원과의 협의 현황(기관명, 담당 의사, 진행 단계)과 CPC 이용 계획(시설, 일정, 비용)을 "
                      "보완해 주십시오.",
                 signatures=(Signature(MSS, 19.1), Signature(IPARK, 18.3))),
        Revise(13.1,
               approach_addition="""
## 보완 사항(협력 병원과 CPC)
- 협력 병원: 간토 지역 대학병원 정형외과와 공동 연구계획을 협의 중이며, 책임 연구자의 참여 의향서를 받았습니다.
- CPC: 쇼난 아이파크 내 CPC를 이용해 2026년 2분기에 기술이전과 시험 제조를 진행합니다(비용은 사업화 자금으로 충당).
""",
               attachment=Attachment("Saeam_letter_of_intent_hospital.pdf", (
                   "Letter of intent - joint clinical research on SCT-CR02",
                   "",
                   "Department of Orthopaedic Surgery, a university hospital in the Kanto region",
                   "intends to plan a clinical study of SCT-CR02 with Saeam Cell Therapeutics",
                   "under the Act on the Safety of Regenerative Medicine.",
               ))),
        Decision(SHORTLIST, requested_by=IPARK, days_ago=10.1,
                 signatures=(Signature(IPARK, 10.0), Signature(MSS, 9.2))),
        Decision(SELECT, requested_by=MSS, days_ago=5.2,
                 note="선정을 축하드립니다. 사업화 자금 협약과 1차 지급 절차는 중소벤처기업부 담당자가 별도로 "
                      "안내드리겠습니다.",
                 signatures=(Signature(MSS, 5.1), Signature(IPARK, 4.2))),
    ),
)

IMMUNO_SAEAM = DemoProposal(
    challenge=IMMUNO_ONCOLOGY_TARGETS.title, author=SAEAM, started_days_ago=60,
    title="NK cell-centred single-cell atlas of checkpoint-refractory tumours for target discovery",
    summary="Checkpoint inhibitors fail where tumours exclude or exhaust NK and T cells. We propose an atlas of NK "
            "cell states in Sakura's biopsies, and targets that restore NK cell function, tested in our own "
            "co-culture assays with iPS cell-derived NK cells.",
    approach="""\
## Approach
Sub-clustering of NK and innate lymphoid cells in the 86 biopsies and in public data; inhibitory receptor–ligand
pairs enriched in non-responders; functional tests in co-culture with our iPS cell-derived NK cells, which give a
reproducible effector population.

## Output
Ten NK-focused target candidates with functional data from our co-culture assays.
""",
    team=SAEAM_TEAM, trl=2, budget_minor=12_000_000, currency=Currency.JPY,
    answers=(
        "Our team published NK cell exhaustion signatures in ovarian cancer (2022) and runs co-culture cytotoxicity "
        "assays with iPS cell-derived NK cells every week.",
        "Candidates are ranked by enrichment in non-responders and by the functional rescue of NK cytotoxicity in "
        "our co-culture assay (at least 30 % recovery).",
    ),
    story=(
        Submit(46.3),
        Review(IPARK, assigned_by=MSS, days_ago=43, reviewed_days_ago=40.3, scores=(4, 3, 4, 4, 3),
               recommendation=SUPPORT,
               comment="Original angle and real functional data; narrower than the call (NK cells only)."),
        Review(MSS, assigned_by=MSS, days_ago=43, reviewed_days_ago=39.1, scores=(3, 3, 4, 4, 3),
               recommendation=NEUTRAL,
               comment="Good team, but the call asks for targets across the tumour microenvironment."),
        Decision(SHORTLIST, requested_by=MSS, days_ago=36.2,
                 signatures=(Signature(MSS, 36.0), Signature(IPARK, 35.2))),
        Review(COMPANY, assigned_by=IPARK, days_ago=35.0, reviewed_days_ago=30.1, scores=(3, 3, 4, 3, 3),
               recommendation=NEUTRAL,
               comment="NK細胞に特化した視点は興味深いが、今回の課題の範囲（腫瘍微小環境全体）より狭い。"),
        Decision(DECLINE, requested_by=IPARK, days_ago=22.2,
                 note="Sakura Pharmaceutical chose one partner for this call, whose approach covers the whole tumour "
                      "microenvironment. Sakura's team found your NK cell assays valuable and would welcome a "
                      "proposal to a future call on cell therapy.",
                 signatures=(Signature(IPARK, 22.0), Signature(MSS, 21.1))),
    ),
)

DEMO_PROPOSALS = (
    AFFINITY, ADC_DRAFT, AI_COHORT_DRAFT, LIVER, COLONY, IMMUNO_HANBIT,
    RESIDENCY, CARDIOMYOCYTE_DRAFT, WITHDRAWN_COLONY, REGENERATIVE_POC, IMMUNO_SAEAM,
)

# Playing the stories ----------------------------------------------------------------------------

def seed_proposals(challenge: Challenge) -> int:
    """Play the demo proposals to this call (while it is still open); returns how many."""
    specs = [spec for spec in DEMO_PROPOSALS if spec.challenge == challenge.title]
    for spec in specs:
        _play(challenge, spec)
    return len(specs)


def _play(challenge: Challenge, spec: DemoProposal) -> Proposal:
    clock = DemoClock()
    author = person(spec.author)
    first_step = spec.story[0].days_ago if spec.story else 0.1
    written = (spec.started_days_ago + first_step) / 2  # the venture wrote between starting and sending
    with clock.dating(spec.started_days_ago) as started:
        proposal = start_proposal(challenge, actor=author, title=spec.title, language=text_language(spec.title),
                                  now=started)
    clock.happened(started, proposal)
    with clock.dating(written) as written_at:
        update_proposal(
            proposal, actor=author, now=written_at,
            changes=dict(summary=spec.summary, approach=spec.approach, team=spec.team, trl=spec.trl,
                         budget_minor=spec.budget_minor, currency=spec.currency),
            answers={question.id: answer for question, answer in zip(challenge.questions, spec.answers, strict=False)},
            milestones=[(written_at.date() + timedelta(days=30 * (months + 2)), title)
                        for months, title in spec.milestones])
    clock.happened(written_at, proposal)
    if spec.attachment:
        _attach(proposal, author, spec.attachment, clock, written)
    for step in spec.story:
        _STEPS[type(step)](proposal, step, clock, author)
    return proposal


def _attach(proposal: Proposal, author, attachment: Attachment, clock: DemoClock, days_ago: float) -> None:
    upload = FileStorage(stream=BytesIO(one_page_pdf(attachment.lines)), filename=attachment.filename,
                         content_type="application/pdf")
    with clock.dating(days_ago) as added:
        attachment = add_attachment(proposal, actor=author, upload=upload)
    clock.happened(added, proposal, attachment)


def _submit(proposal: Proposal, step: Submit, clock: DemoClock, author) -> None:
    with clock.dating(step.days_ago) as submitted:
        submit_proposal(proposal, actor=author, now=submitted)
    clock.happened(submitted, proposal)


def _translate(proposal: Proposal, step: Translate, clock: DemoClock, author) -> None:
    answers = dict(zip((question.id for question in proposal.challenge.questions), step.answers, strict=False))
    with clock.dating(step.days_ago) as translated:
        translation = save_proposal_translation(
            proposal, actor=author, language=step.language, title=step.title, summary=step.summary,
            approach=step.approach, team=step.team, answers=answers)
    clock.happened(translated, translation)


def _withdraw(proposal: Proposal, step: Withdraw, clock: DemoClock, author) -> None:
    with clock.dating(step.days_ago) as withdrawn:
        withdraw_proposal(proposal, actor=author)
    clock.happened(withdrawn, proposal)


def _revise(proposal: Proposal, step: Revise, clock: DemoClock, author) -> None:
    with clock.dating(step.days_ago + 0.2) as revised:
        update_proposal(proposal, actor=author, changes={"approach": proposal.approach + step.approach_addition},
                        answers={}, milestones=[(m.due_on, m.title) for m in proposal.milestones])
    clock.happened(revised, proposal)
    if step.attachment:
        _attach(proposal, author, step.attachment, clock, step.days_ago + 0.1)
    _submit(proposal, Submit(step.days_ago), clock, author)


_STEPS = {Submit: _submit, Translate: _translate, Withdraw: _withdraw, Revise: _revise, Review: play_review,
          Decision: play_decision, Choice: play_choice}
