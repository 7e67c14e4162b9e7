"""The demo's calls: every programme, in English, Japanese and Korean, in every state.

What each call is and what happens to it (played by app.demo.seed_challenges): who posts it, who
publishes or sends it back, which ventures accept its NDA and ask, its documents, and when it
closes, is awarded or cancelled.
"""
from dataclasses import dataclass

from app.challenges.models import ChallengeState, FundingSource, Program
from app.common.money import Currency
from app.common.taxonomy import Field


@dataclass(frozen=True)
class Clarification:
    asker: str
    question: str
    answer: str | None = None  # given by the member of the poster's organisation who wrote the call


@dataclass(frozen=True)
class Document:
    filename: str
    confidential: bool
    lines: tuple[str, ...]  # the text on its one page (ASCII: the PDF base fonts cover nothing else)


@dataclass(frozen=True)
class DemoChallenge:
    poster: str
    program: Program
    state: ChallengeState
    language: str
    title: str
    summary: str
    description: str
    confidential: str
    questions: tuple[dict, ...]
    fields: tuple[Field, ...]
    trl: int
    budget_minor: int
    currency: Currency
    funding_sources: tuple[FundingSource, ...]
    posted_days_ago: int  # submitted three days after posting, published three days after that
    deadline_in_days: int  # negative: the call closed that many days ago
    reviewer: str | None = None  # the staff member who publishes it or sends it back
    review_note: str = ""
    cancel_reason: str = ""
    blind_review: bool = False
    nda_accepted_by: tuple[str, ...] = ()
    clarifications: tuple[Clarification, ...] = ()
    documents: tuple[Document, ...] = ()


def question(text: str, *, max_length: int = 2000, required: bool = True) -> dict:
    return {"text": text, "max_length": max_length, "required": required}


# Sakura Pharmaceutical: open innovation -----------------------------------------------------------

ANTIBODY_AFFINITY = DemoChallenge(
    poster="company@demo.test", program=Program.open_innovation, state=ChallengeState.open, language="ja",
    title="AIを活用した抗体医薬の親和性成熟",
    summary="当社の抗体創薬パイプラインにある中程度の親和性のリード抗体について、AIによる配列設計で"
            "親和性を10倍以上高め、しかも開発可能性を損なわない変異体を提案・検証していただける"
            "パートナーを募集します。",
    description="""\
## 背景
さくら製薬は、自己免疫疾患・炎症領域を中心に抗体医薬の創薬研究を進めています。ファージディスプレイで取得したリード抗体は標的への特異性は十分ですが、親和性（KD）が臨床候補の目標に届いていません。従来の変異導入と選抜のサイクルは1ラウンドに3〜4か月かかり、開発計画のボトルネックになっています。

## 求める技術
- 抗体配列（VH/VL）と結合データから、親和性を高める変異の組み合わせを提案する機械学習モデル（手法は問いません）
- 親和性と同時に、凝集性・粘度・免疫原性リスクといった開発可能性（developability）の指標を考慮できること
- 当社が提供する数百件規模の実測データから出発し、少ない実験ラウンドで改善を重ねられる設計ループ

## 進め方
採択後、秘密保持契約に基づいて配列と測定データを開示します。第1段階（約4か月）で設計候補を最大96種提案いただき、当社研究所（湘南ヘルスイノベーションパーク（湘南アイパーク）内）で発現とSPR測定を行います。その結果をもとに第2段階の設計に進みます。

## 提供できるもの
当社のSPR・BLI測定設備と抗体発現系、研究者との隔週の定例ミーティング、湘南アイパーク内の作業スペース。成果に応じて共同研究契約またはライセンス契約への移行を想定しています。韓国のベンチャー企業には、韓国中小ベンチャー企業部（MSS）の事業化資金をかけはしを通じて組み合わせることができます。
""",
    confidential="""\
**標的と現状データ（秘密情報）**

- 標的：TL1A（TNFSF15）。対象疾患は潰瘍性大腸炎とクローン病。
- リード抗体：SKR-2207（ヒト化IgG1、LALA変異入り）。現行 KD = 8.4 nM（SPR、25°C）、目標 KD ≤ 0.5 nM。
- 既存データ：点変異・組み合わせ変異412件の SPR 値。うち61件は発現量 50 mg/L 未満。
- 開発可能性の合格基準：SEC 単量体率 ≥ 95%、HIC 保持時間は基準抗体比 +1.0分以内、Tm1 ≥ 65°C。
- 予算内訳：第1段階1,200万円（設計・解析）、第2段階1,800万円（成果連動）。測定費用は当社負担。
""",
    questions=(
        question("これまでに抗体または他のタンパク質の親和性改善に取り組んだ実績と、その際の実験ラウンド数・改善倍率を教えてください。"),
        question("開発可能性（凝集・粘度・免疫原性）を設計にどのように組み込みますか。"),
        question("第1段階で当社に求めるデータと測定の頻度・形式を記載してください。", max_length=1000, required=False),
    ),
    fields=(Field.ai_drug_discovery, Field.bioinformatics), trl=3,
    budget_minor=30_000_000, currency=Currency.JPY,
    funding_sources=(FundingSource.company_award, FundingSource.mss_commercialization),
    posted_days_ago=16, deadline_in_days=42, reviewer="ipark@demo.test",
    nda_accepted_by=("venture@demo.test",),
    clarifications=(Clarification(
        asker="venture@demo.test",
        question="Will a structure of the antibody–antigen complex be shared after selection, or should "
                 "our proposal assume predicted structures only? And may part of the wet-lab work "
                 "(expression and a first binding screen) take place at our partner laboratory in Korea?",
        answer="採択後、抗原との共結晶構造を開示します。提案の段階では予測構造を前提に計画してください。"
               "韓国での発現・一次スクリーニングを計画に含めることは差し支えありませんが、最終的な親和性の"
               "評価は当社のSPR測定系で行います。\n\n"
               "(English) We will share the co-crystal structure after selection; please plan with predicted "
               "structures for now. Expression and a first screen in Korea are welcome, but the final affinity "
               "measurements will be made on our own SPR instruments."),
    ),
    documents=(
        Document("Sakura_antibody_affinity_call_overview.pdf", confidential=False, lines=(
            "Sakura Pharmaceutical Co., Ltd. - Kakehashi open innovation call",
            "AI-driven affinity maturation of therapeutic antibodies",
            "",
            "Stage 1 (about 4 months): up to 96 designed variants,",
            "    expressed and measured by SPR at Sakura's laboratory in Shonan iPark.",
            "Stage 2 (about 4 months): a second design round on the Stage 1 results.",
            "Please send questions through the Kakehashi clarification questions only.",
        )),
        Document("SKR-2207_assay_package_CONFIDENTIAL.pdf", confidential=True, lines=(
            "CONFIDENTIAL - disclosed under the Kakehashi NDA of this challenge",
            "Lead antibody SKR-2207 (anti-TL1A, humanised IgG1 LALA)",
            "SPR at 25 C: KD 8.4 nM (ka 2.1e5 1/Ms, kd 1.8e-3 1/s). Target: KD <= 0.5 nM.",
            "Developability gates: SEC monomer >= 95 %, HIC shift <= +1.0 min, Tm1 >= 65 C.",
            "412 variants measured; 61 expressed below 50 mg/L.",
        )),
    ),
)

ADC_LINKER_PAYLOAD = DemoChallenge(
    poster="company@demo.test", program=Program.open_innovation, state=ChallengeState.open, language="en",
    title="Machine learning for linker–payload selection in antibody–drug conjugates",
    summary="Sakura Pharmaceutical seeks a partner whose machine-learning methods predict the plasma "
            "stability, bystander effect and tolerability of antibody–drug conjugate (ADC) linker–payload "
            "combinations before synthesis, so that we make and test fewer conjugates.",
    description="""\
## Why this challenge
Antibody–drug conjugates are the fastest-growing part of our oncology pipeline. Each new antibody is paired with a
handful of linker–payload combinations, and each combination takes six to eight weeks to synthesise, conjugate and
characterise. Most of them fail on plasma stability or on tolerability in rodents: findings we would rather predict
than discover.

## What we are looking for
- Models that predict, from the linker and payload structures and the conjugation chemistry, at least one of: linker
  cleavage in human and mouse plasma, payload membrane permeability (as a proxy for bystander killing), and the
  maximum tolerated dose in rat.
- Sound handling of small data: we can share about 150 conjugates with measured outcomes, and the model must say how
  confident it is.
- Interpretable output that our medicinal chemists can act on: which part of the linker to change, and why.

## How we will work together
After selection we sign a research agreement and share our conjugate data under the NDA. A three-month feasibility
phase tests the model prospectively on twelve new conjugates that we synthesise. If it ranks them better than our
chemists' consensus, we move on to a twelve-month collaboration with milestone payments.

## What you receive
A company award for the feasibility phase, access to our ADC chemistry and bioanalytics teams at Shonan iPark, and,
for Korean ventures, MSS commercialisation funding coordinated through Kakehashi.
""",
    confidential="""\
**Programme details (confidential)**

- Antibodies in scope: SKR-3110 (anti-TROP2) and SKR-3340 (anti-CDH6), both IgG1 with engineered cysteines, DAR 4 and
  DAR 8.
- Payload series: exatecan derivatives (camptothecin class) and our own PBD-dimer series PD-17 to PD-29.
- Go/no-go thresholds: payload release below 5 % after 7 days in human plasma; rat MTD of at least 30 mg/kg at DAR 8.
- Data shared after selection: 148 conjugates with plasma stability, 62 with rat tolerability, 35 with xenograft
  efficacy.
- Budget: feasibility phase JPY 8 million (fixed); collaboration phase up to JPY 40 million in four milestone payments.
""",
    questions=(
        question("Describe your modelling approach and how it handles a training set of about 150 conjugates.",
                 max_length=3000),
        question("Which public or proprietary data will you bring, and under what licence?", max_length=1500),
    ),
    fields=(Field.ai_drug_discovery, Field.bioinformatics), trl=2,
    budget_minor=48_000_000, currency=Currency.JPY,
    funding_sources=(FundingSource.company_award, FundingSource.mss_commercialization),
    posted_days_ago=12, deadline_in_days=28, reviewer="mss@demo.test",
)

ANTIBODY_DEVELOPABILITY = DemoChallenge(
    poster="company@demo.test", program=Program.open_innovation, state=ChallengeState.open, language="ko",
    title="항체 신약 후보의 개발적합성(developability) 예측 AI",
    summary="사쿠라제약은 항체 신약 후보 물질의 응집, 점도, 면역원성 위험을 서열 단계에서 예측하는 AI "
            "모델을 함께 개발할 한국 벤처를 찾습니다. 후보 선정 초기에 실패 가능성이 높은 항체를 걸러내는 "
            "것이 목표입니다.",
    description="""\
## 배경
사쿠라제약은 매년 30여 개의 항체 후보를 발굴하지만, 그중 상당수가 고농도 제형 단계에서 응집이나 높은 점도 때문에
개발이 중단됩니다. 이런 문제는 대개 후보 선정 후 6개월 이상 지나서야 드러나 시간과 비용의 손실이 큽니다.

## 찾고 있는 기술
- VH/VL 서열(가능하다면 예측 구조 포함)만으로 응집성, 고농도(150 mg/mL) 점도, 소수성 상호작용 크로마토그래피(HIC) 보유
  시간을 예측하는 모델
- T세포 에피토프 예측에 기반한 면역원성 위험 점수
- 예측 결과를 구체적인 변이 제안으로 연결해, 신약 연구자가 바로 실험 설계에 활용할 수 있는 도구

## 협업 방식
선정된 기업과는 비밀유지계약에 따라 사내 측정 데이터를 공유하고, 3개월간 후향적 검증을 거친 뒤 진행 중인 프로젝트에
전향적으로 적용합니다. 대부분의 작업은 원격으로 진행할 수 있으며, 필요하면 쇼난 아이파크에서 공동 워크숍을 엽니다.

## 지원 내용
사쿠라제약의 과제 수행 보상과 함께, 중소벤처기업부의 사업화 자금을 카케하시를 통해 연계 지원합니다. 성과에 따라
라이선스 계약 또는 공동개발 계약으로 이어질 수 있습니다.
""",
    confidential="""\
**비공개 정보**

- 학습·검증용 데이터: 사내 항체 214종의 서열, SEC 단량체 비율, 150 mg/mL 점도, HIC 보유 시간, DSF Tm 값.
- 후향적 검증 합격 기준: 점도 10 cP 초과 항체 판별 AUC 0.80 이상, HIC 보유 시간 순위 상관 0.6 이상.
- 전향적 적용 대상: 2026년 후보 선정 예정인 SKR-41xx 시리즈(항 IL-23R, 항 OX40L) 약 40종.
- 예산: 검증 단계 1,000만 엔, 전향적 적용 단계 1,500만 엔(성과 연동).
""",
    questions=(
        question("귀사 모델로 응집성이나 점도를 예측한 실적이 있다면, 사용한 데이터 규모와 성능 지표를 적어 주십시오."),
        question("사내 데이터를 외부로 반출하지 않고 학습·검증하는 방안(예: 온프레미스 설치, 연합학습)을 "
                 "제시해 주십시오.", max_length=1500),
    ),
    fields=(Field.ai_drug_discovery, Field.bioinformatics), trl=3,
    budget_minor=25_000_000, currency=Currency.JPY,
    funding_sources=(FundingSource.company_award, FundingSource.mss_commercialization),
    posted_days_ago=9, deadline_in_days=55, reviewer="mss@demo.test",
)

LIVER_INJURY = DemoChallenge(
    poster="company@demo.test", program=Program.open_innovation, state=ChallengeState.closed, language="en",
    title="Predicting drug-induced liver injury from early in-vitro data",
    summary="We want to flag hepatotoxicity risk in small-molecule series at the hit-to-lead stage, by "
            "combining chemical structure with the high-content imaging and transcriptomics we already run "
            "on human hepatocytes.",
    description="""\
## Background
Drug-induced liver injury (DILI) remains one of the leading causes of late attrition and of post-marketing withdrawal.
Our discovery teams run a panel of in-vitro assays on primary human hepatocytes and HepaRG spheroids from the
hit-to-lead stage onwards, but we lack a model that turns these readouts into one risk estimate that chemists trust.

## Scope
- Integration of chemical structure, high-content imaging (mitochondrial membrane potential, lipid accumulation, cell
  count) and targeted transcriptomics into a single DILI risk score.
- Calibration against clinical DILI categories (for example the FDA DILIrank set) and against our internal compounds.
- Explanations at the level of mechanism: mitochondrial toxicity, inhibition of the bile salt export pump, reactive
  metabolites.

## Timeline
iPark and MSS review the proposals jointly with our safety team. Shortlisted teams present their approach at Shonan
iPark, or online, about three weeks after the deadline; the pilot starts within two months.

## What you receive
A company award for a six-month pilot on our data, and MSS commercialisation funding for the selected Korean venture.
""",
    confidential="""\
**Data and decision rules (confidential)**

- Internal set: 1,320 compounds from 9 series with hepatocyte imaging data; 210 of them with HepaRG transcriptomics
  (S1500+ panel).
- Compounds stopped for liver signals in our own history: SKR-0871 (BSEP inhibitor, IC50 3 µM) and SKR-1290 (reactive
  acyl glucuronide).
- Current rule: an imaging MMP EC50 below 10 µM or a BSEP IC50 below 25 µM puts a compound on hold. The goal is to
  halve false holds without missing any known positive.
- Budget: JPY 15 million company award for the pilot; MSS commercialisation funding on top.
""",
    questions=(
        question("Summarise the performance of your approach on an external DILI benchmark, and say which one."),
        question("Which in-vitro readouts does your model need, and from how many compounds at least?",
                 max_length=1500),
    ),
    fields=(Field.ai_drug_discovery, Field.bioinformatics), trl=4,
    budget_minor=15_000_000, currency=Currency.JPY,
    funding_sources=(FundingSource.company_award, FundingSource.mss_commercialization),
    posted_days_ago=58, deadline_in_days=-12, reviewer="ipark@demo.test",
)

IMMUNO_ONCOLOGY_TARGETS = DemoChallenge(
    poster="company@demo.test", program=Program.open_innovation, state=ChallengeState.awarded, language="ja",
    title="シングルセル解析を用いたがん免疫領域の創薬標的探索",
    summary="腫瘍浸潤免疫細胞のシングルセルRNA-seqと空間トランスクリプトーム解析から、免疫チェックポイント"
            "阻害薬が効きにくい患者群に特有の新しい創薬標的を見いだすパートナーを募集します。",
    description="""\
## 背景
免疫チェックポイント阻害薬は多くのがん種で治療を変えましたが、奏効する患者は2〜4割にとどまります。当社は非奏効例の腫瘍微小環境を理解し、抗体または低分子で狙える新しい標的を見つけることを目指しています。

## 求める技術
- 公開データと当社の臨床検体データを統合し、シングルセル・空間トランスクリプトームから細胞間相互作用を推定する解析基盤
- 標的候補を、発現の特異性・疾患との関連・創薬可能性（druggability）で順位付けする手法
- 候補ごとに根拠を示し、当社の研究者と検証実験を設計できること

## スケジュール
採択後6か月で標的候補リスト（上位20）を作成いただき、当社で上位5標的の in vitro
検証を行います。検証結果が良好な標的については、共同研究契約のもとで創薬研究に進みます。

## 提供できるもの
当社からの賞金、検体データへのアクセス、当社トランスレーショナル研究部門との定例ディスカッション、韓国中小ベンチャー企業部（MSS）の事業化資金。
""",
    confidential="""\
**提供データと評価基準（秘密情報）**

- 提供データ：非小細胞肺がん・胃がんの治療前生検86例の scRNA-seq（約52万細胞）。うち24例は Visium 空間データ付き。
- 奏効・非奏効：RECIST で判定済み。
- 当社で検討済みのため提案から除外する標的：TIGIT、LAG-3、CD47、ILT4。
- 評価基準：上位20候補のうち3つ以上が当社の一次検証（共培養系での T 細胞活性化の回復30%以上）を通過すること。
- 予算内訳：賞金1,000万円、検証フェーズの追加費用500万円。
""",
    questions=(
        question("腫瘍微小環境の解析実績（論文・特許・企業との共同研究）を挙げてください。"),
        question("標的候補の順位付けに用いる基準と、その妥当性の示し方を説明してください。"),
    ),
    fields=(Field.target_identification, Field.bioinformatics), trl=2,
    budget_minor=15_000_000, currency=Currency.JPY,
    funding_sources=(FundingSource.company_award, FundingSource.mss_commercialization),
    posted_days_ago=101, deadline_in_days=-45, reviewer="mss@demo.test",
)

ORAL_PEPTIDES = DemoChallenge(
    poster="company@demo.test", program=Program.open_innovation, state=ChallengeState.draft, language="ja",
    title="経口ペプチド医薬の膜透過性予測モデルの共同開発",
    summary="環状ペプチドの腸管膜透過性と代謝安定性を、合成する前に予測できるモデルをお持ちのパートナーを"
            "募集します。経口投与できる中分子医薬の設計を加速することが目的です。",
    description="""\
## 背景
環状ペプチドは、低分子では狙いにくいタンパク質間相互作用を阻害できる中分子医薬として期待されています。一方で経口吸収性は配列や
N-メチル化のパターンに大きく左右され、現在は合成と Caco-2 試験を繰り返して最適化しています。

## 求める技術
- 環状ペプチドの配列・修飾・立体配座から膜透過性（PAMPA、Caco-2）を予測するモデル
- 代謝安定性（肝ミクロソーム、消化管プロテアーゼ）を同時に考慮できること
- 予測に基づき、合成すべき候補を優先順位付けして提案できること

## 進め方
採択後に当社の測定データを開示し、3か月の後向き検証の後、進行中のプロジェクトで前向きに評価します。
""",
    confidential="""\
- 対象：PCSK9 阻害環状ペプチド SKR-P05 シリーズ（11〜14残基、N-メチル化3〜5か所）。
- 社内データ：PAMPA・Caco-2 の測定値380化合物分。
- 目標：Caco-2 Papp ≥ 1 × 10⁻⁶ cm/s、ラット経口バイオアベイラビリティ ≥ 2%。
- 予算：後向き検証500万円、前向き評価1,500万円。
""",
    questions=(question("環状ペプチドまたは中分子の物性予測に取り組んだ実績を記載してください。"),),
    fields=(Field.ai_drug_discovery,), trl=3,
    budget_minor=20_000_000, currency=Currency.JPY,
    funding_sources=(FundingSource.company_award, FundingSource.mss_commercialization),
    posted_days_ago=2, deadline_in_days=70,
)

PARKINSON_DIGITAL_ENDPOINTS = DemoChallenge(
    poster="company@demo.test", program=Program.open_innovation, state=ChallengeState.pending_review,
    language="en",
    title="Digital endpoints from wearable sensors for early Parkinson's disease trials",
    summary="Sakura Pharmaceutical is planning a Phase II trial in early Parkinson's disease and wants a "
            "validated digital endpoint (gait, tremor or sleep measured at home with wearables) that is "
            "more sensitive to change than the MDS-UPDRS.",
    description="""\
## Background
Disease-modifying trials in early Parkinson's disease are long and large because the standard clinical scales change
slowly and vary from one visit to the next. Continuous measurement at home could detect progression earlier, with
fewer patients.

## What we are looking for
- A wearable-based measure of gait, tremor, bradykinesia or sleep with published analytical validation.
- Evidence, or a credible plan, for clinical validation: correlation with MDS-UPDRS and sensitivity to change over 12
  months.
- Software and data handling acceptable to regulators in Japan (PMDA) and Korea (MFDS), including Japanese and Korean
  patient materials.

## How we will work together
A six-month feasibility study in about 30 patients at two Japanese sites, followed, if successful, by use as an
exploratory endpoint in our Phase II trial.
""",
    confidential="""\
- Trial: SKR-5521 (LRRK2 kinase inhibitor), Phase IIa, 120 patients in Japan and Korea, first patient planned for the
  first quarter of 2027.
- Today's primary endpoint: change in MDS-UPDRS Part III at 52 weeks. We need a digital endpoint that gives the same
  power with a sample at least 30 % smaller.
- Budget: JPY 30 million over two years, of which JPY 12 million for device validation.
""",
    questions=(
        question("Which measure do you propose, and what validation data exist for it?", max_length=3000),
        question("Describe the regulatory status of your device and software in Japan and Korea.", max_length=1500),
    ),
    fields=(Field.digital_health, Field.clinical_development, Field.medical_devices), trl=5,
    budget_minor=30_000_000, currency=Currency.JPY,
    funding_sources=(FundingSource.company_award, FundingSource.mss_commercialization),
    posted_days_ago=5, deadline_in_days=63,
)

SOLID_FORMS = DemoChallenge(
    poster="company@demo.test", program=Program.open_innovation, state=ChallengeState.cancelled, language="ja",
    title="結晶多形・塩形態の予測による原薬開発の効率化",
    summary="低分子原薬の結晶多形リスクと最適な塩形態を計算科学で予測し、固体スクリーニングの実験数を"
            "減らす技術を募集します。",
    description="""\
## 背景
開発後期に見つかる新しい結晶形は、溶解性やバイオアベイラビリティを変え、製剤の再設計や追加の臨床試験につながることがあります。当社では固体スクリーニングに1化合物あたり数か月と多くの原薬を費やしています。

## 求める技術
- 結晶構造予測（CSP）による多形ランドスケープの計算と、見落としリスクの評価
- 塩・共結晶の候補を溶解性と安定性の観点から順位付けする手法
- 計算結果に基づく実験計画の提案

## 進め方
採択後、対象化合物の構造と既知の結晶形データを開示し、4か月で計算と検証実験を行います。
""",
    confidential="""\
- 対象化合物：SKR-1875（JAK1 選択的阻害薬、第I相準備中）。既知の結晶形は Form I〜III の3種。
- 課題：40°C/75%RH で Form II から Form III への転移を確認しており、より安定な形の見落としがないことを確かめたい。
- 予算：1,200万円（計算800万円、検証実験400万円）。
""",
    questions=(question("結晶構造予測の実績と、計算結果を実験で検証した事例を記載してください。"),),
    fields=(Field.ai_drug_discovery,), trl=4,
    budget_minor=12_000_000, currency=Currency.JPY,
    funding_sources=(FundingSource.company_award, FundingSource.mss_commercialization),
    posted_days_ago=20, deadline_in_days=35, reviewer="mss@demo.test",
    cancel_reason="社内の開発計画の見直しにより、対象化合物の開発を中止することになったため、本課題の募集を"
                  "取りやめます。ご関心をお寄せいただいた皆さまにお詫び申し上げます。",
)

# Shonan University of Medicine: joint R&D ------------------------------------------------------

CARDIOMYOCYTE_SCALE_UP = DemoChallenge(
    poster="university@demo.test", program=Program.joint_rnd, state=ChallengeState.open, language="ja",
    title="iPS細胞由来心筋細胞の大量培養と品質評価技術の共同開発",
    summary="湘南医科大学は、iPS細胞から作製した心筋細胞シートの臨床応用に向けて、浮遊培養による大量"
            "生産と非破壊の品質評価技術を共同で開発する韓国のバイオベンチャーを募集します。",
    description="""\
## 研究の背景
当研究室では、重症心不全の患者さんを対象に、iPS細胞由来心筋細胞シートを移植する再生医療の研究を進めています。次の段階の臨床研究では1人あたり約10億個の心筋細胞が必要ですが、現在の平面培養では製造に時間がかかり、ロット間のばらつきも課題となっています。

## 共同開発のテーマ
- バイオリアクターを用いた浮遊（3次元）培養での分化誘導プロトコルの最適化
- 培養中の細胞を壊さずに、純度・成熟度・未分化細胞の残存を評価する手法（画像解析、培地成分分析、ラマン分光など）
- GMP製造への移行を見据えた工程設計と記録の仕組み

## 当方が提供するもの
臨床グレードのiPS細胞株、分化誘導の基本プロトコル、動物モデルでの評価系、湘南ヘルスイノベーションパーク（湘南アイパーク）内の細胞培養施設。研究費は、韓国側を韓国中小ベンチャー企業部（MSS）の研究開発資金、日本側を大学の研究費で分担します。

## 期待するパートナー
細胞培養工程、バイオリアクター、または細胞の品質評価に関する技術を持ち、2年間の共同研究に取り組める韓国の企業を求めます。
""",
    confidential="""\
- 使用予定株：臨床用 iPS 細胞株 SUM-iPS-07（HLA ホモ接合体、当大学で樹立）。
- 現行の分化効率：cTnT 陽性率82±6%（平面培養、12ロット）。
- 目標：浮遊培養で cTnT 陽性率90%以上、残存未分化細胞（TRA-1-60 陽性）0.01%未満。
- 知的財産：分化誘導プロトコルは当大学が特許出願済み（未公開）。共同研究で生じた改良発明は共有とする方針。
- 研究費の内訳（韓国側、MSS 研究開発資金）：年1億5,000万ウォン×2年。
""",
    questions=(
        question("貴社の培養・評価技術と、これまでの細胞医薬分野での実績を記載してください。"),
        question("2年間の研究計画と、両者の役割分担の案を記載してください。", max_length=3000),
    ),
    fields=(Field.regenerative_medicine, Field.cell_gene_therapy), trl=4,
    budget_minor=300_000_000, currency=Currency.KRW,
    funding_sources=(FundingSource.mss_rnd, FundingSource.ipark_in_kind),
    posted_days_ago=14, deadline_in_days=35, reviewer="mss@demo.test",
)

COLONY_QUALITY_CONTROL = DemoChallenge(
    poster="university@demo.test", program=Program.joint_rnd, state=ChallengeState.closed, language="en",
    title="Automated image-based quality control of iPS cell colonies",
    summary="Shonan University of Medicine seeks a Korean partner to co-develop deep-learning software that "
            "classifies iPS cell colonies from routine phase-contrast images, so that differentiated or "
            "abnormal colonies are removed before they compromise a clinical batch.",
    description="""\
## The problem
Before every passage of a clinical-grade iPS cell line, a trained technician inspects each colony under the microscope
and removes those that have started to differentiate. The judgement is subjective, takes hours per batch, and is hard
to document in the way GMP requires.

## What we want to build together
- A classifier for phase-contrast images that flags differentiated, mixed and abnormal colonies, with a confidence the
  technician can see.
- Integration with the automated imaging station in our cell-processing facility, and an audit trail suitable for GMP.
- A validation study on independent batches, designed with our quality assurance team.

## What we bring
Annotated images from several clinical-grade lines, access to the imaging station at Shonan iPark, and the regulatory
know-how of our cell-processing centre. The Korean partner is funded by MSS R&D funding; the university contributes
imaging time and annotation staff.
""",
    confidential="""\
- Image set: 48,000 annotated phase-contrast images (10× objective) from 5 clinical-grade lines, labelled by two
  senior technicians; inter-rater agreement κ = 0.71.
- Acceptance target: at least 95 % sensitivity for differentiated colonies with no more than 10 % of good colonies
  removed.
- Budget: KRW 240 million over 18 months from MSS R&D funding.
""",
    questions=(
        question("Describe comparable image-analysis work you have done on cells or tissues, with results."),
        question("How will you validate the software to GMP expectations?", max_length=1500),
    ),
    fields=(Field.regenerative_medicine, Field.bioinformatics), trl=3,
    budget_minor=240_000_000, currency=Currency.KRW,
    funding_sources=(FundingSource.mss_rnd,),
    posted_days_ago=71, deadline_in_days=-20, reviewer="ipark@demo.test",
)

CARTILAGE_REGENERATION = DemoChallenge(
    poster="university@demo.test", program=Program.joint_rnd, state=ChallengeState.open, language="ko",
    title="iPS 세포 유래 연골세포를 이용한 무릎 연골 재생 공동연구",
    summary="쇼난의과대학은 iPS 세포에서 분화한 연골세포 구형체(spheroid)를 관절강 내에 이식하는 재생의료 "
            "연구를 함께 수행할 한국 바이오 기업을 찾습니다. 생체재료 또는 주입형 제형 기술을 보유한 기업을 "
            "환영합니다.",
    description="""\
## 연구 배경
무릎 연골 손상은 스스로 회복되지 않아, 많은 환자가 결국 인공관절 수술을 받게 됩니다. 저희 연구팀은 iPS 세포에서
분화시킨 연골세포 구형체를 결손 부위에 이식해 연골을 재생하는 연구를 진행하고 있으며, 대동물 모델에서 유망한 결과를
얻었습니다.

## 공동연구 주제
- 구형체를 결손 부위에 고정하고 생착을 돕는 생체재료(하이드로겔, 스캐폴드) 개발
- 관절경 수술로 주입할 수 있는 제형과 전달 기구
- 이식 후 연골 재생을 MRI 등으로 정량 평가하는 방법

## 제공 내용
임상용 iPS 세포주와 연골 분화 프로토콜, 대동물 실험 시설, 쇼난 아이파크의 세포배양 시설을 제공합니다. 한국 측 연구비는
중소벤처기업부의 연구개발 자금으로 지원됩니다.
""",
    confidential="""\
- 현재 데이터: 미니돼지 연골 결손 모델(직경 6 mm) 8마리에서 12주 후 ICRS 점수 평균 9.1(대조군 5.3).
- 구형체 1개당 약 5 × 10⁴ 세포, 결손 1 cm²당 200개 이식.
- 연구비: 중소벤처기업부 연구개발 자금 연 1억 2,000만 원 × 2년. 대학은 동물실험 비용을 부담.
""",
    questions=(question("보유한 생체재료·제형 기술과 동물실험 실적을 설명해 주십시오."),),
    fields=(Field.regenerative_medicine, Field.medical_devices), trl=3,
    budget_minor=240_000_000, currency=Currency.KRW,
    funding_sources=(FundingSource.mss_rnd,),
    posted_days_ago=8, deadline_in_days=49, reviewer="ipark@demo.test",
)

# The two institutions: startup support cohorts -------------------------------------------------

CELL_GENE_THERAPY_RESIDENCY = DemoChallenge(
    poster="ipark@demo.test", program=Program.startup_support, state=ChallengeState.open, language="en",
    title="Shonan iPark Cell and Gene Therapy Residency — Korea Cohort 2026",
    summary="iPark Institute and MSS invite Korean cell and gene therapy startups to a twelve-month "
            "residency at Shonan iPark: lab space, shared equipment, mentoring by Japanese pharma, and MSS "
            "commercialisation funding of up to KRW 200 million per company.",
    description="""\
## The programme
Shonan iPark in Fujisawa hosts more than 150 life-science companies and institutes, from start-ups to global
pharmaceutical companies. The residency brings up to five Korean startups on site for a year, to run experiments, meet
Japanese partners and prepare for their first discussions with the PMDA.

## Who should apply
- Korean startups developing cell therapies (CAR-T, NK, iPS cell-derived), gene therapies (AAV, lentiviral vectors,
  gene editing) or technologies for their manufacture.
- Preclinical proof of concept in an animal model, or a manufacturing technology validated at laboratory scale.
- A team member able to stay at Shonan iPark for at least three months of the year.

## What the cohort receives
- BSL-2 wet-lab space, or benches in the shared incubation laboratory, free of charge for twelve months (iPark in kind).
- Access to shared flow cytometry, single-cell sequencing and cell-processing equipment.
- A mentor from a Japanese pharmaceutical company and introductions to potential licensees.
- MSS commercialisation funding of up to KRW 200 million per company, paid in milestone tranches.

## Selection
iPark and MSS review the proposals jointly. Shortlisted startups pitch online; the final selection is announced about
six weeks after the deadline.
""",
    confidential="""\
- Laboratory units available in 2026: Building B, 3rd floor, units B-312 and B-315 (BSL-2, 96 m² each), and six
  benches in the Incubation Lab.
- Corporate mentors confirmed: Sakura Pharmaceutical (cell therapy CMC); two more partners under negotiation.
- Budget: MSS commercialisation funding of KRW 1 billion for the cohort (up to KRW 200 million per company, in three
  tranches of 40 %, 30 % and 30 %); iPark in-kind support valued at about JPY 24 million.
""",
    questions=(
        question("Describe your lead programme, its stage of development and the data behind it.", max_length=3000),
        question("What will you do during the residency, and which milestones will you reach within twelve months?",
                 max_length=3000),
        question("Who from your team will stay at Shonan iPark, and for how long?", max_length=1000, required=False),
    ),
    fields=(Field.cell_gene_therapy, Field.regenerative_medicine), trl=4,
    budget_minor=1_000_000_000, currency=Currency.KRW,
    funding_sources=(FundingSource.ipark_in_kind, FundingSource.mss_commercialization),
    posted_days_ago=18, deadline_in_days=21, reviewer="mss@demo.test",
    clarifications=(Clarification(
        asker="venture2@demo.test",
        question="Our GMP manufacturing site is in Osong, Korea. Can the residency work be limited to process "
                 "development and non-clinical studies, with clinical manufacturing staying in Korea? And is a "
                 "laboratory unit shared with another startup, or assigned to one company?"),
    ),
)

REGENERATIVE_SCALE_UP = DemoChallenge(
    poster="ipark@demo.test", program=Program.startup_support, state=ChallengeState.draft, language="en",
    title="Regenerative Medicine Scale-up Programme — Korea Cohort 2026 (autumn)",
    summary="A six-month programme for Korean regenerative medicine startups moving from research-grade to "
            "GMP manufacturing: process-development support at Shonan iPark, workshops on Japan's "
            "conditional approval pathway, and MSS commercialisation funding.",
    description="""\
## The programme
Japan's Act on the Safety of Regenerative Medicine and the conditional, time-limited approval pathway make Japan an
attractive first market for regenerative medicine. Many Korean startups have the science but need help to scale their
manufacturing and to understand the Japanese regulatory route.

## What the cohort receives
- Process-development support in the shared cell-processing laboratory at Shonan iPark.
- Four regulatory workshops with former PMDA reviewers and Japanese regulatory consultants.
- Introductions to Japanese contract manufacturers and hospitals running clinical research.
- MSS commercialisation funding for each selected startup.

## Who should apply
Korean startups with a regenerative medicine product in preclinical or early clinical development, planning GMP
manufacturing within two years.
""",
    confidential="""\
- Budget: KRW 600 million from MSS for four startups; iPark in-kind support (laboratory access and workshops) valued
  at about JPY 9 million.
- Workshop speakers approached: two former PMDA reviewers (names to be confirmed).
""",
    questions=(
        question("Describe your product, its development stage and your current manufacturing process.",
                 max_length=3000),
        question("What do you need to scale up, and what will you achieve in six months?", max_length=3000),
    ),
    fields=(Field.regenerative_medicine, Field.cell_gene_therapy), trl=5,
    budget_minor=600_000_000, currency=Currency.KRW,
    funding_sources=(FundingSource.ipark_in_kind, FundingSource.mss_commercialization),
    posted_days_ago=9, deadline_in_days=80, reviewer="mss@demo.test",
    review_note="Thank you: the programme fits the partnership well. Before we publish, please (1) state the "
                "MSS commercialisation amount per company and the tranche schedule, which must follow the MSS "
                "guidelines (at most KRW 150 million per company for a six-month programme); (2) say whether "
                "the process-development laboratory is BSL-2 and how many weeks of access each startup "
                "receives; (3) confirm that MSS may publish a Korean version of the call at the same time.",
)

AI_DRUG_DISCOVERY_COHORT = DemoChallenge(
    poster="mss@demo.test", program=Program.startup_support, state=ChallengeState.open, language="ko",
    title="AI 신약개발·항체 치료제 스타트업 한일 코호트 2026",
    summary="중소벤처기업부와 쇼난 아이파크가 AI 기반 신약 개발과 항체 치료제 분야의 한국 스타트업을 "
            "모집합니다. 선정 기업은 쇼난 아이파크 입주 공간과 일본 제약사 멘토링, 기업당 최대 2억 원의 "
            "사업화 자금을 지원받습니다.",
    description="""\
## 사업 개요
중소벤처기업부와 쇼난 아이파크는 한·일 첨단바이오 협력의 하나로, 일본 제약 시장 진출을 준비하는 한국
스타트업을 위한 코호트 프로그램을 운영합니다. 선정 기업은 가나가와현 후지사와시의 쇼난 아이파크를 거점으로 1년간 일본
제약사와의 공동연구와 기술이전을 추진합니다.

## 지원 대상
- AI를 활용한 표적 발굴, 화합물 설계, 항체 설계 등 신약 개발 플랫폼을 보유한 스타트업
- 이중항체, 항체-약물 접합체(ADC) 등 차세대 항체 치료제를 개발하는 스타트업
- 창업 7년 이내의 중소기업으로, 일본 파트너와의 구체적인 협력 계획이 있는 기업

## 지원 내용
- 사업화 자금: 기업당 최대 2억 원(마일스톤에 따라 분할 지급)
- 쇼난 아이파크 입주 공간과 공용 장비 이용(12개월, 쇼난 아이파크 현물 지원)
- 일본 제약사 연구개발 담당자와의 1:1 멘토링 및 사업 미팅 주선
- 일본 규제(PMDA)와 계약 실무 워크숍

## 선정 절차
서면 평가(중소벤처기업부·쇼난 아이파크 공동) → 온라인 발표 평가 → 최종 선정. 결과는 마감 후 약 6주 안에 카케하시에서
안내합니다. 서면 평가는 기업명을 가린 상태로 진행합니다.
""",
    confidential="""\
- 2026년 예산: 사업화 자금 총 12억 원(6개 기업 × 최대 2억 원), 1차 40%·2차 30%·3차 30% 분할 지급.
- 참여가 확정된 멘토 기업: 사쿠라제약(항체·ADC). 그 밖에 일본 제약사 2곳과 협의 중(기업명 비공개).
- 평가 가중치: 기술성 35, 일본 시장 적합성 25, 팀 역량 20, 사업화 계획 20.
""",
    questions=(
        question("보유 기술(플랫폼 또는 파이프라인)과 현재 개발 단계를 설명해 주십시오.", max_length=3000),
        question("쇼난 아이파크 입주 기간의 목표와 일본 파트너 협력 계획을 적어 주십시오.", max_length=3000),
    ),
    fields=(Field.ai_drug_discovery, Field.target_identification), trl=3,
    budget_minor=1_200_000_000, currency=Currency.KRW,
    funding_sources=(FundingSource.ipark_in_kind, FundingSource.mss_commercialization),
    posted_days_ago=11, deadline_in_days=35, reviewer="ipark@demo.test", blind_review=True,
)

REGENERATIVE_POC_2025 = DemoChallenge(
    poster="mss@demo.test", program=Program.startup_support, state=ChallengeState.closed, language="ko",
    title="재생의료 스타트업 일본 실증 지원 — 2025년 하반기",
    summary="일본의 재생의료 제도(조건부·기한부 승인)를 활용해 현지 실증을 추진하려는 한국 재생의료·"
            "세포치료 스타트업을 모집합니다. 선정 기업은 일본 협력 병원 연계와 사업화 자금을 지원받습니다.",
    description="""\
## 사업 개요
일본은 재생의료 등 안전성 확보법과 조건부·기한부 승인 제도를 통해 재생의료 제품이 비교적 빠르게 환자에게 닿을 수 있는
시장입니다. 이 사업은 한국 재생의료 스타트업이 일본에서 임상연구 또는 실증을 시작할 수 있도록 돕습니다.

## 지원 대상
- 줄기세포, 면역세포, 조직공학 제품 등 재생의료·세포치료 제품을 개발하는 한국 스타트업
- 비임상 시험을 마쳤거나 한국에서 임상을 진행 중인 기업

## 지원 내용
- 기업당 최대 2억 원의 사업화 자금
- 일본 협력 병원과 세포배양가공시설(CPC) 연계
- 쇼난 아이파크의 규제·인허가 자문과 입주 공간(쇼난 아이파크 현물 지원)
""",
    confidential="""\
- 예산: 사업화 자금 총 8억 원(4개 기업), 쇼난 아이파크 현물 지원은 기업당 약 300만 엔 상당.
- 협력 의향을 밝힌 일본 병원: 간토 지역 대학병원 2곳(기관명 비공개).
""",
    questions=(
        question("제품의 개발 단계와 한국 내 인허가 현황을 설명해 주십시오."),
        question("일본 실증의 목표와 일정, 필요한 지원을 적어 주십시오.", max_length=3000),
    ),
    fields=(Field.regenerative_medicine, Field.cell_gene_therapy), trl=5,
    budget_minor=800_000_000, currency=Currency.KRW,
    funding_sources=(FundingSource.mss_commercialization, FundingSource.ipark_in_kind),
    posted_days_ago=76, deadline_in_days=-25, reviewer="ipark@demo.test",
)

AI_DRUG_DISCOVERY_STAY = DemoChallenge(
    poster="ipark@demo.test", program=Program.startup_support, state=ChallengeState.pending_review,
    language="ja",
    title="湘南アイパーク 創薬AIスタートアップ短期滞在プログラム 2026",
    summary="韓国の創薬AIスタートアップが湘南ヘルスイノベーションパーク（湘南アイパーク）に3か月滞在し、"
            "日本の製薬企業の研究者と実データを用いた検証プロジェクトに取り組むプログラムです。",
    description="""\
## プログラムの概要
創薬AIの技術は、製薬企業の実データで検証されて初めて導入につながります。本プログラムでは、韓国の創薬AIスタートアップが湘南アイパークに3か月滞在し、参加製薬企業の研究者と小規模な検証プロジェクトを行います。

## 対象
- 標的探索、化合物設計、ADMET予測などの創薬AI技術を持つ韓国のスタートアップ
- 滞在期間中、1名以上が湘南アイパークで活動できること

## 支援内容
- 湘南アイパークの共用オフィスと会議室（アイパークの現物支援）
- 参加製薬企業との検証プロジェクトの設計と秘密保持契約の取りまとめ
- 韓国中小ベンチャー企業部（MSS）による事業化資金
""",
    confidential="""\
- 受入枠：3社。滞在者1名分の共用オフィスと提携宿泊施設（月40万円相当）をアイパークが現物で提供。
- 参加予定の製薬企業：さくら製薬、ほか1社と調整中。
- MSS 事業化資金：1社あたり最大5,000万ウォン。
""",
    questions=(
        question("貴社の技術と、製薬企業の実データで検証した実績を記載してください。"),
        question("3か月の滞在で取り組みたい検証プロジェクトの案を記載してください。"),
    ),
    fields=(Field.ai_drug_discovery, Field.bioinformatics), trl=4,
    budget_minor=150_000_000, currency=Currency.KRW,
    funding_sources=(FundingSource.ipark_in_kind, FundingSource.mss_commercialization),
    posted_days_ago=4, deadline_in_days=60,
)

DEMO_CHALLENGES = (
    ANTIBODY_AFFINITY, ADC_LINKER_PAYLOAD, ANTIBODY_DEVELOPABILITY, LIVER_INJURY, IMMUNO_ONCOLOGY_TARGETS,
    ORAL_PEPTIDES, PARKINSON_DIGITAL_ENDPOINTS, SOLID_FORMS,
    CARDIOMYOCYTE_SCALE_UP, COLONY_QUALITY_CONTROL, CARTILAGE_REGENERATION,
    CELL_GENE_THERAPY_RESIDENCY, REGENERATIVE_SCALE_UP, AI_DRUG_DISCOVERY_COHORT, REGENERATIVE_POC_2025,
    AI_DRUG_DISCOVERY_STAY,
)
