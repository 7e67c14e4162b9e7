"""The demo's calls in the languages they were not written in (issue 11, "The demo data").

Every published call carries the translations its readers need: a Japanese call Korean and English,
a Korean call Japanese (and English where the call addresses an international audience), an
English call Japanese and Korean. Each is saved through ``save_translation``, as its translator
would in the editor, and dated into the call's story (``clock``):

- the posting organisation translates its own call, the day before it submits it for review;
- iPark or MSS staff translate some calls during publication review (the brokering work the
  review page asks for); one translation is a machine draft its poster reviewed;
- calls still in draft or waiting for review lack a language, so the review page shows one missing.

The rubric criteria are the default rubric, whose names the catalogs already translate; an NDA that
is the programme's default takes the reviewed legal text of the target language
(``nda_reference_translation``). Only the call's own text is written here.
"""
import math
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from app.challenges.models import DEFAULT_RUBRIC, Challenge
from app.challenges.services import nda_reference_translation
from app.challenges.translating import save_translation
from app.common.time import as_utc
from app.demo.calls import (
    ADC_LINKER_PAYLOAD,
    AI_DRUG_DISCOVERY_COHORT,
    AI_DRUG_DISCOVERY_STAY,
    ANTIBODY_AFFINITY,
    ANTIBODY_DEVELOPABILITY,
    CARDIOMYOCYTE_SCALE_UP,
    CARTILAGE_REGENERATION,
    CELL_GENE_THERAPY_RESIDENCY,
    COLONY_QUALITY_CONTROL,
    DEMO_CHALLENGES,
    IMMUNO_ONCOLOGY_TARGETS,
    LIVER_INJURY,
    PARKINSON_DIGITAL_ENDPOINTS,
    REGENERATIVE_POC_2025,
    SOLID_FORMS,
    DemoChallenge,
)
from app.demo.clock import DemoClock
from app.demo.people import person
from app.extensions import db

__all__ = ["DEMO_TRANSLATIONS", "DemoTranslation", "seed_translations", "translate_call"]

POSTER_DAY = 2  # days after posting: the poster translates before submitting (on day 3)
REVIEW_DAY = 4.5  # staff translate during publication review (the call is published on day 6)


@dataclass(frozen=True)
class DemoTranslation:
    call: DemoChallenge
    language: str
    by: str  # the translator's demo account: the poster's, or a staff member's
    title: str
    summary: str
    description: str
    confidential: str
    questions: tuple[str, ...]  # in the order of the call's questions
    day: float = POSTER_DAY  # days after the call was posted
    machine_draft: bool = False  # began as a machine draft that ``by`` reviewed


def seed_translations() -> int:
    """Add the translations that existing demo calls lack (a database seeded before they were
    written); returns how many were added. A cancelled call takes no translation any more."""
    specs = {spec.title: spec for spec in DEMO_CHALLENGES}
    clock = DemoClock()
    added = 0
    for challenge in db.session.scalars(select(Challenge).where(Challenge.title.in_(specs)).order_by(Challenge.id)):
        if not challenge.is_cancelled:
            added += translate_call(challenge, specs[challenge.title], clock)
    return added


def translate_call(challenge: Challenge, spec: DemoChallenge, clock: DemoClock, *, before_day: float = math.inf) -> int:
    """Save the translations of ``spec`` that ``challenge`` does not have yet and that were made
    before ``before_day`` (days after the call was created: the story plays them in their turn, so
    that its history runs in order), each dated ``day`` days after the call was created; returns how
    many were saved."""
    added = 0
    for text in DEMO_TRANSLATIONS:
        if text.call is not spec or text.day >= before_day or challenge.translation(text.language) is not None:
            continue
        moment = min(as_utc(challenge.created_at) + timedelta(days=text.day), clock.now - timedelta(hours=1))
        with clock.dating(moment):
            row = save_translation(
                challenge, actor=person(text.by), language=text.language, title=text.title,
                summary=text.summary, description=text.description, confidential=text.confidential,
                questions={q.id: translated for q, translated in zip(challenge.questions, text.questions, strict=True)},
                criteria=_default_rubric_in(challenge, text.language),
                nda=nda_reference_translation(challenge, text.language) or "", machine_draft=text.machine_draft)
        clock.happened(moment, row, *(v for v in challenge.nda_versions if v.language == text.language))
        added += 1
    db.session.flush()
    return added


def _default_rubric_in(challenge: Challenge, language: str) -> dict[int, str]:
    """The default rubric's names as the catalogs translate them, when the call uses that rubric."""
    def names(locale: str) -> list[str]:
        with force_locale(locale):
            return [str(name) for name, _weight in DEFAULT_RUBRIC]

    if [criterion.name for criterion in challenge.criteria] != names(challenge.language):
        return {}
    return {criterion.id: name for criterion, name in zip(challenge.criteria, names(language), strict=True)}


# Sakura Pharmaceutical: open innovation -----------------------------------------------------------

ANTIBODY_AFFINITY_KO = DemoTranslation(
    call=ANTIBODY_AFFINITY, language="ko", by="company@demo.test",
    title="AI를 활용한 항체 의약품의 친화도 성숙",
    summary="당사 항체 신약 파이프라인에 있는 중간 수준 친화도의 선도 항체에 대해, AI 기반 서열 설계로 "
            "친화도를 10배 이상 높이면서도 개발적합성을 해치지 않는 변이체를 제안하고 검증할 파트너를 찾습니다.",
    description="""\
## 배경
사쿠라제약은 자가면역·염증 질환을 중심으로 항체 의약품을 연구하고 있습니다. 파지 디스플레이로 확보한 선도 항체는 표적
특이성은 충분하지만, 친화도(KD)가 임상 후보 물질의 목표에 미치지 못합니다. 기존의 변이 도입과 선별 주기는 한 라운드에
3~4개월이 걸려 개발 일정의 병목이 되고 있습니다.

## 찾고 있는 기술
- 항체 서열(VH/VL)과 결합 데이터로부터 친화도를 높이는 변이 조합을 제안하는 머신러닝 모델(방법은 묻지 않습니다)
- 친화도와 함께 응집성·점도·면역원성 위험 등 개발적합성(developability) 지표를 고려할 수 있을 것
- 당사가 제공하는 수백 건 규모의 실측 데이터에서 출발해, 적은 실험 라운드로 개선을 거듭할 수 있는 설계 루프

## 진행 방식
선정 후 비밀유지계약(NDA)에 따라 서열과 측정 데이터를 공개합니다. 1단계(약 4개월)에서 설계 후보를 최대 96종 제안해
주시면, 쇼난 아이파크 안의 당사 연구소에서 발현과 SPR 측정을 수행합니다. 그 결과를 바탕으로 2단계 설계로 넘어갑니다.

## 제공 사항
당사의 SPR·BLI 측정 설비와 항체 발현 시스템, 당사 연구진과의 격주 정기 회의, 쇼난 아이파크 내 작업 공간을 제공합니다.
성과에 따라 공동연구 계약 또는 라이선스 계약으로 이어지는 것을 염두에 두고 있습니다. 한국 벤처기업은 중소벤처기업부의
사업화 자금을 Kakehashi를 통해 함께 지원받을 수 있습니다.
""",
    confidential="""\
**표적과 현재 데이터(비밀정보)**

- 표적: TL1A(TNFSF15). 대상 질환은 궤양성 대장염과 크론병입니다.
- 선도 항체: SKR-2207(인간화 IgG1, LALA 변이 포함). 현재 KD = 8.4 nM(SPR, 25°C), 목표 KD ≤ 0.5 nM.
- 기존 데이터: 점 변이·조합 변이 412건의 SPR 값. 이 가운데 61건은 발현량이 50 mg/L 미만입니다.
- 개발적합성 합격 기준: SEC 단량체 비율 ≥ 95%, HIC 보유 시간은 기준 항체 대비 +1.0분 이내, Tm1 ≥ 65°C.
- 예산 내역: 1단계 1,200만 엔(설계·분석), 2단계 1,800만 엔(성과 연동). 측정 비용은 당사가 부담합니다.
""",
    questions=(
        "항체 또는 다른 단백질의 친화도를 개선한 실적이 있다면, 당시의 실험 라운드 수와 개선 배율을 알려 주십시오.",
        "개발적합성(응집·점도·면역원성)을 설계에 어떻게 반영하실 계획인지 설명해 주십시오.",
        "1단계에서 당사에 요청하실 데이터와 측정의 빈도·형식을 적어 주십시오.",
    ),
)

ANTIBODY_AFFINITY_EN = DemoTranslation(
    call=ANTIBODY_AFFINITY, language="en", by="company@demo.test",
    title="AI-driven affinity maturation of therapeutic antibodies",
    summary="For a lead antibody of moderate affinity in our antibody discovery pipeline, we seek a partner who "
            "will propose and validate, by AI-guided sequence design, variants with at least tenfold higher "
            "affinity and no loss of developability.",
    description="""\
## Background
Sakura Pharmaceutical discovers antibody therapeutics, mainly for autoimmune and inflammatory diseases. Our lead
antibody, obtained by phage display, is specific enough for its target, but its affinity (KD) falls short of what we
need in a clinical candidate. Each conventional round of mutagenesis and selection takes three to four months and has
become the bottleneck of the development plan.

## What we are looking for
- A machine-learning model that proposes combinations of mutations that raise affinity, from antibody sequences (VH/VL)
  and binding data (any method is welcome).
- Developability (aggregation, viscosity, immunogenicity risk) taken into account together with affinity.
- A design loop that starts from the few hundred measurements we provide and improves the antibody in few experimental
  rounds.

## How we will work
After selection we disclose the sequences and the measurement data under the NDA. In Stage 1 (about four months) you
propose up to 96 designs, which we express and measure by SPR in our laboratory at Shonan iPark. The Stage 2 designs
build on those results.

## What we offer
Our SPR and BLI instruments and antibody expression systems, fortnightly meetings with our scientists, and workspace at
Shonan iPark. Depending on the results, we expect to continue under a joint research agreement or a licence. Korean
ventures can combine this call with MSS commercialisation funding through Kakehashi.
""",
    confidential="""\
**Target and current data (confidential)**

- Target: TL1A (TNFSF15), in ulcerative colitis and Crohn's disease.
- Lead antibody: SKR-2207 (humanised IgG1 with the LALA mutations). Current KD = 8.4 nM (SPR, 25 °C); target KD ≤ 0.5
  nM.
- Existing data: SPR values of 412 single and combined mutants, 61 of which expressed below 50 mg/L.
- Developability gates: SEC monomer ≥ 95 %, HIC retention time no more than 1.0 min above the reference antibody, Tm1 ≥
  65 °C.
- Budget: Stage 1 JPY 12 million (design and analysis); Stage 2 JPY 18 million, tied to results. We pay for all
  measurements.
""",
    questions=(
        "Describe your track record in improving the affinity of antibodies or other proteins: how many experimental "
        "rounds it took and by what factor affinity improved.",
        "How will you build developability (aggregation, viscosity, immunogenicity) into the design?",
        "Which data and measurements will you need from us in Stage 1, how often and in what form?",
    ),
)

ADC_LINKER_PAYLOAD_JA = DemoTranslation(
    call=ADC_LINKER_PAYLOAD, language="ja", by="company@demo.test",
    title="抗体薬物複合体（ADC）のリンカー・ペイロード選択を支える機械学習",
    summary="さくら製薬は、抗体薬物複合体（ADC）のリンカーとペイロードの組み合わせについて、血漿中安定性、"
            "バイスタンダー効果、忍容性を合成前に予測できる機械学習技術を持つパートナーを募集します。"
            "合成・評価するコンジュゲートの数を減らすことが目的です。",
    description="""\
## 本課題の背景
抗体薬物複合体は、当社のがん領域パイプラインで最も伸びている分野です。新しい抗体ごとに数種類のリンカー・ペイロードの組み合わせを検討しますが、1つの組み合わせの合成・コンジュゲーション・特性評価には6〜8週間かかります。その多くが血漿中安定性やげっ歯類での忍容性で脱落しており、こうした結果は実験で見つけるより前もって予測したいと考えています。

## 求める技術
- リンカーとペイロードの構造、コンジュゲーション化学から、次の少なくとも1つを予測するモデル
  - ヒト・マウス血漿中でのリンカー開裂
  - ペイロードの膜透過性（バイスタンダー効果の指標として）
  - ラットでの最大耐量
- 少数データへの適切な対応：共有できる実測データは約150コンジュゲート分であり、モデルが予測の確からしさを示せること
- 当社のメディシナルケミストがそのまま次の合成に生かせる、解釈可能な出力（リンカーのどの部分を、なぜ変えるべきか）

## 協業の進め方
採択後に研究契約を締結し、秘密保持契約（NDA）のもとでコンジュゲートのデータを共有します。3か月のフィージビリティ段階では、当社が新たに合成する12のコンジュゲートでモデルを前向きに検証します。当社ケミストの合議による順位付けを上回る結果が出れば、マイルストーン払いを伴う12か月の共同研究に進みます。

## 提供するもの
フィージビリティ段階の賞金、湘南ヘルスイノベーションパーク（湘南アイパーク）にある当社のADC化学・バイオアナリシス部門との協働、そして韓国のベンチャー企業には、Kakehashiを通じて調整する韓国中小ベンチャー企業部（MSS）の事業化資金。
""",
    confidential="""\
**プログラムの詳細（秘密情報）**

- 対象抗体：SKR-3110（抗TROP2）とSKR-3340（抗CDH6）。いずれもシステイン改変IgG1で、DAR4とDAR8。
- ペイロード系列：エキサテカン誘導体（カンプトテシン系）と当社独自のPBDダイマー系列PD-17〜PD-29。
- 継続判断の基準：ヒト血漿中7日間でのペイロード遊離5%未満、DAR8でのラットMTD30mg/kg以上。
- 採択後に共有するデータ：血漿中安定性148コンジュゲート分、ラット忍容性62件、異種移植モデルでの薬効35件。
- 予算：フィージビリティ段階800万円（定額）、共同研究段階は4回のマイルストーン払いで最大4,000万円。
""",
    questions=(
        "モデル化の手法と、約150コンジュゲートという規模の学習データにどう対応するかを説明してください。",
        "持ち込む公開データまたは自社データと、その利用許諾の条件を記載してください。",
    ),
)

ADC_LINKER_PAYLOAD_KO = DemoTranslation(
    call=ADC_LINKER_PAYLOAD, language="ko", by="mss@demo.test", day=REVIEW_DAY,
    title="항체-약물 접합체(ADC)의 링커-페이로드 선택을 위한 머신러닝",
    summary="사쿠라제약은 항체-약물 접합체(ADC)의 링커-페이로드 조합에 대해 혈장 안정성, 방관자 효과(bystander "
            "effect), 내약성을 합성 전에 예측하는 머신러닝 기술을 가진 파트너를 찾습니다. 합성하고 시험하는 "
            "접합체의 수를 줄이는 것이 목표입니다.",
    description="""\
## 과제 배경
항체-약물 접합체는 사쿠라제약의 항암 파이프라인에서 가장 빠르게 성장하는 분야입니다. 새 항체마다 몇 가지 링커-페이로드
조합을 검토하는데, 조합 하나를 합성·접합하고 특성을 분석하는 데 6~8주가 걸립니다. 대부분은 혈장 안정성이나 설치류 내약성
단계에서 탈락하는데, 이는 실험으로 확인하기보다 미리 예측하고 싶은 결과입니다.

## 찾고 있는 기술
- 링커와 페이로드의 구조, 접합 화학으로부터 다음 중 하나 이상을 예측하는 모델: 사람·마우스 혈장에서의 링커 절단,
  페이로드의 막 투과성(방관자 효과의 지표), 랫드 최대 내약 용량
- 적은 데이터의 적절한 처리: 당사가 공유할 수 있는 실측 데이터는 약 150개 접합체이며, 모델은 예측의 신뢰도를 제시할 수
  있어야 합니다.
- 당사 의약화학자가 바로 활용할 수 있는 해석 가능한 결과: 링커의 어느 부분을 왜 바꿔야 하는지

## 협업 방식
선정 후 연구 계약을 체결하고 비밀유지계약(NDA)에 따라 접합체 데이터를 공유합니다. 3개월간의 타당성 검증 단계에서는
당사가 새로 합성하는 접합체 12종으로 모델을 전향적으로 검증합니다. 모델의 순위가 당사 화학자들의 합의 순위보다 우수하면,
마일스톤별로 지급하는 12개월 공동연구로 넘어갑니다.

## 지원 내용
타당성 검증 단계의 상금, 쇼난 아이파크에 있는 당사 ADC 화학·생체분석팀과의 협업, 그리고 한국 벤처기업에는 Kakehashi를
통해 연계하는 중소벤처기업부의 사업화 자금을 지원합니다.
""",
    confidential="""\
**프로그램 세부 정보(비공개)**

- 대상 항체: SKR-3110(항 TROP2)과 SKR-3340(항 CDH6). 모두 시스테인을 도입한 IgG1이며 DAR 4와 DAR 8.
- 페이로드 계열: 엑사테칸 유도체(캄토테신 계열)와 당사 고유의 PBD 이량체 계열 PD-17~PD-29.
- 진행 여부 판단 기준: 사람 혈장 7일 후 페이로드 유리 5% 미만, DAR 8에서 랫드 MTD 30 mg/kg 이상.
- 선정 후 공유하는 데이터: 혈장 안정성 148개, 랫드 내약성 62개, 이종이식 모델 약효 35개 접합체.
- 예산: 타당성 검증 단계 800만 엔(정액), 공동연구 단계는 4회 마일스톤 지급으로 최대 4,000만 엔.
""",
    questions=(
        "모델링 방법과, 약 150개 접합체 규모의 학습 데이터를 어떻게 다룰지 설명해 주십시오.",
        "활용할 공개 데이터 또는 자체 데이터와 그 이용 허락 조건을 적어 주십시오.",
    ),
)

ANTIBODY_DEVELOPABILITY_JA = DemoTranslation(
    call=ANTIBODY_DEVELOPABILITY, language="ja", by="company@demo.test",
    title="抗体医薬候補の開発可能性（developability）を予測するAI",
    summary="さくら製薬は、抗体医薬候補の凝集、粘度、免疫原性のリスクを配列の段階で予測するAIモデルを共同で"
            "開発する韓国のベンチャー企業を募集します。候補選定の初期に、失敗の可能性が高い抗体を見極めることが目標です。",
    description="""\
## 背景
さくら製薬は毎年30前後の抗体候補を見いだしていますが、その多くが高濃度製剤の段階で凝集や高い粘度のために開発中止となっています。こうした問題は候補選定から6か月以上たって初めて明らかになることが多く、時間と費用の損失が大きくなっています。

## 求める技術
- VH/VL配列（可能なら予測構造も）だけから、凝集性、150mg/mLでの粘度、HIC保持時間を予測するモデル
- T細胞エピトープ予測に基づく免疫原性リスクのスコア
- 予測結果を具体的な変異の提案につなげ、創薬研究者がすぐに実験計画に生かせるツール

## 協業の進め方
採択した企業とは秘密保持契約（NDA）に基づいて社内の測定データを共有し、3か月の後ろ向き検証を経て、進行中のプロジェクトに前向きに適用します。作業の大部分はリモートで進められ、必要に応じて湘南ヘルスイノベーションパーク（湘南アイパーク）で合同ワークショップを開きます。

## 支援内容
さくら製薬からの課題遂行の対価に加え、韓国中小ベンチャー企業部（MSS）の事業化資金をKakehashiを通じて組み合わせて支援します。成果に応じて、ライセンス契約または共同開発契約につながる可能性があります。
""",
    confidential="""\
**秘密情報**

- 学習・検証用データ：社内抗体214種の配列、SEC単量体率、150mg/mLでの粘度、HIC保持時間、DSFのTm値。
- 後ろ向き検証の合格基準：粘度10cP超の抗体の判別でAUC0.80以上、HIC保持時間の順位相関0.6以上。
- 前向き適用の対象：2026年に候補選定予定のSKR-41xxシリーズ（抗IL-23R、抗OX40L）約40種。
- 予算：検証段階1,000万円、前向き適用段階1,500万円（成果連動）。
""",
    questions=(
        "貴社のモデルで凝集性や粘度を予測した実績があれば、使用したデータの規模と性能指標を記載してください。",
        "社内データを社外に持ち出さずに学習・検証する方法（オンプレミスでの導入、連合学習など）を提案してください。",
    ),
)

LIVER_INJURY_JA = DemoTranslation(
    call=LIVER_INJURY, language="ja", by="company@demo.test",
    title="初期のin vitroデータから薬剤性肝障害を予測する",
    summary="低分子化合物シリーズの肝毒性リスクをヒット・トゥ・リード段階で見極めるため、化学構造と、当社がヒト肝細胞で"
            "すでに実施しているハイコンテントイメージングおよびトランスクリプトーム解析のデータを組み合わせたいと考えています。",
    description="""\
## 背景
薬剤性肝障害（DILI）は、開発後期での脱落や市販後の販売中止の主な原因の一つであり続けています。当社の探索チームはヒット・トゥ・リード段階からヒト初代肝細胞とHepaRGスフェロイドで一連のin
vitro試験を行っていますが、その測定値をケミストが信頼できる一つのリスク推定値にまとめるモデルを持っていません。

## 対象範囲
- 次のデータを統合した単一のDILIリスクスコア
  - 化学構造
  - ハイコンテントイメージング（ミトコンドリア膜電位、脂質蓄積、細胞数）
  - 標的を絞ったトランスクリプトーム解析
- 臨床のDILI分類（例：FDAのDILIrankデータセット）と当社社内化合物の両方に対する較正
- 作用機序レベルでの説明：ミトコンドリア毒性、胆汁酸塩排出ポンプ（BSEP）の阻害、反応性代謝物

## スケジュール
提案は、湘南ヘルスイノベーションパーク（湘南アイパーク）と韓国中小ベンチャー企業部（MSS）が、当社の安全性研究チームとともに共同で審査します。候補に選ばれたチームには、締切の約3週間後に湘南アイパークまたはオンラインでアプローチを発表していただき、2か月以内にパイロット研究を開始します。

## 提供するもの
当社データを用いた6か月のパイロット研究に対する賞金と、採択された韓国のベンチャー企業にはMSSの事業化資金。
""",
    confidential="""\
**データと判断基準（秘密情報）**

- 社内データ：9シリーズ1,320化合物の肝細胞イメージングデータ。
  - うち210化合物はHepaRGのトランスクリプトームデータ（S1500+パネル）付き。
- 当社で肝臓のシグナルにより開発を中止した化合物：SKR-0871（BSEP阻害、IC50 3µM）、SKR-1290（反応性アシルグルクロニド）。
- 現行ルール：イメージングのMMP EC50が10µM未満、またはBSEP
  IC50が25µM未満の化合物は保留とする。既知の陽性を見逃さずに、誤った保留を半減させることが目標。
- 予算：パイロット研究の賞金1,500万円。これに加えてMSSの事業化資金。
""",
    questions=(
        "外部のDILIベンチマークでの性能を、使用したベンチマーク名とともに要約してください。",
        "モデルに必要なin vitroの測定項目と、最低限必要な化合物数を記載してください。",
    ),
)

# A machine draft of the public part, which the poster reviewed. Sakura has not allowed its
# confidential text to go to DeepL, so its reviewer translated that part by hand; the translation as a
# whole is labelled a reviewed machine draft.
LIVER_INJURY_KO = DemoTranslation(
    call=LIVER_INJURY, language="ko", by="company@demo.test", machine_draft=True,
    title="초기 in vitro 데이터를 이용한 약물 유발 간 손상 예측",
    summary="저분자 화합물 시리즈의 간독성 위험을 히트-투-리드(hit-to-lead) 단계에서 가려내기 위해, 화학 구조와 "
            "당사가 이미 사람 간세포로 수행하고 있는 고함량 이미징 및 전사체 분석 데이터를 결합하고자 합니다.",
    description="""\
## 배경
약물 유발 간 손상(DILI)은 여전히 개발 후기 탈락과 시판 후 회수의 주요 원인 가운데 하나입니다. 당사 탐색 연구팀은
히트-투-리드 단계부터 사람 일차 간세포와 HepaRG 스페로이드로 일련의 in vitro 시험을 수행하고 있지만, 이 측정값들을
화학자가 신뢰할 수 있는 하나의 위험도 추정치로 통합하는 모델은 아직 없습니다.

## 과제 범위
- 화학 구조, 고함량 이미징(미토콘드리아 막전위, 지질 축적, 세포 수), 표적 전사체 분석을 통합한 단일 DILI 위험 점수
- 임상 DILI 분류(예: FDA DILIrank 데이터세트)와 당사 사내 화합물 모두에 대한 보정
- 작용 기전 수준의 설명: 미토콘드리아 독성, 담즙산염 배출 펌프(BSEP) 억제, 반응성 대사체

## 일정
제안서는 쇼난 아이파크와 중소벤처기업부가 당사 안전성 연구팀과 함께 평가합니다. 후보로 선정된 팀은 마감 약 3주 후 쇼난
아이파크 현장 또는 온라인으로 접근 방법을 발표하며, 파일럿 연구는 2개월 이내에 시작합니다.

## 지원 내용
당사 데이터를 활용한 6개월 파일럿 연구에 대한 상금, 그리고 선정된 한국 벤처기업에는 중기부의 사업화 자금을 지원합니다.
""",
    confidential="""\
**데이터와 판단 기준(비공개)**

- 사내 데이터: 9개 시리즈 1,320개 화합물의 간세포 이미징 데이터. 이 가운데 210개 화합물은 HepaRG 전사체 데이터(S1500+
  패널) 포함.
- 당사가 간 관련 신호로 개발을 중단한 화합물: SKR-0871(BSEP 억제제, IC50 3 µM), SKR-1290(반응성 아실 글루쿠로나이드).
- 현행 기준: 이미징 MMP EC50이 10 µM 미만이거나 BSEP IC50이 25 µM 미만인 화합물은 보류합니다. 알려진 양성 화합물을
  하나도 놓치지 않으면서 잘못된 보류를 절반으로 줄이는 것이 목표입니다.
- 예산: 파일럿 연구 상금 1,500만 엔, 여기에 중기부 사업화 자금이 더해집니다.
""",
    questions=(
        "외부 DILI 벤치마크에서 귀사 방법의 성능을 요약하고, 어떤 벤치마크인지 밝혀 주십시오.",
        "귀사 모델에 필요한 in vitro 측정 항목과 최소 화합물 수를 적어 주십시오.",
    ),
)

IMMUNO_ONCOLOGY_TARGETS_KO = DemoTranslation(
    call=IMMUNO_ONCOLOGY_TARGETS, language="ko", by="mss@demo.test", day=REVIEW_DAY,
    title="단일세포 분석을 이용한 면역항암 분야 신약 표적 발굴",
    summary="종양 침윤 면역세포의 단일세포 RNA 시퀀싱(scRNA-seq)과 공간 전사체 분석으로, 면역관문억제제가 잘 듣지 "
            "않는 환자군에 특징적인 새로운 신약 표적을 찾아낼 파트너를 찾습니다.",
    description="""\
## 배경
면역관문억제제는 많은 암종에서 치료를 바꾸어 놓았지만, 반응하는 환자는 20~40%에 그칩니다. 당사는 비반응 환자의 종양
미세환경을 이해하고, 항체나 저분자로 공략할 수 있는 새로운 표적을 찾는 것을 목표로 하고 있습니다.

## 찾고 있는 기술
- 공개 데이터와 당사 임상 검체 데이터를 통합해, 단일세포·공간 전사체에서 세포 간 상호작용을 추정하는 분석 플랫폼
- 표적 후보를 발현 특이성, 질환 연관성, 약물 개발 가능성(druggability)으로 순위화하는 방법
- 후보마다 근거를 제시하고, 당사 연구진과 검증 실험을 설계할 수 있는 역량

## 일정
선정 후 6개월 안에 표적 후보 목록(상위 20개)을 작성해 주시면, 당사가 상위 5개 표적을 in vitro로 검증합니다. 검증 결과가
좋은 표적은 공동연구 계약에 따라 신약 연구로 이어갑니다.

## 지원 내용
당사 상금, 검체 데이터 이용, 당사 중개연구 부문과의 정기 토론, 그리고 중기부의 사업화 자금을 지원합니다.
""",
    confidential="""\
**제공 데이터와 평가 기준(비공개)**

- 제공 데이터: 비소세포폐암·위암 치료 전 생검 86례의 scRNA-seq(약 52만 개 세포). 이 가운데 24례는 Visium 공간 데이터
  포함. 반응·비반응은 RECIST로 판정 완료.
- 당사가 이미 검토해 제안에서 제외하는 표적: TIGIT, LAG-3, CD47, ILT4.
- 평가 기준: 상위 20개 후보 중 3개 이상이 당사 1차 검증(공배양계에서 T세포 활성 30% 이상 회복)을 통과할 것.
- 예산 내역: 상금 1,000만 엔, 검증 단계 추가 비용 500만 엔.
""",
    questions=(
        "종양 미세환경 분석 실적(논문, 특허, 기업과의 공동연구)을 제시해 주십시오.",
        "표적 후보의 순위화에 사용하는 기준과, 그 타당성을 보이는 방법을 설명해 주십시오.",
    ),
)

IMMUNO_ONCOLOGY_TARGETS_EN = DemoTranslation(
    call=IMMUNO_ONCOLOGY_TARGETS, language="en", by="company@demo.test",
    title="Single-cell analysis to find new drug targets in immuno-oncology",
    summary="We seek a partner who will find new drug targets specific to patients who respond poorly to immune "
            "checkpoint inhibitors, from single-cell RNA-seq and spatial transcriptomics of tumour-infiltrating "
            "immune cells.",
    description="""\
## Background
Immune checkpoint inhibitors have changed treatment in many cancers, yet only 20 to 40 % of patients respond. We want to
understand the tumour microenvironment of non-responders and find new targets that an antibody or a small molecule can
reach.

## What we are looking for
- An analysis platform that integrates public data with our clinical samples and infers cell–cell interactions from
  single-cell and spatial transcriptomics.
- A method that ranks candidate targets by specificity of expression, association with disease and druggability.
- Evidence behind each candidate, and the ability to design validation experiments with our scientists.

## Schedule
Within six months of selection you deliver a list of candidate targets (the top 20); we then validate the top five in
vitro. Targets that validate well move on to drug discovery under a joint research agreement.

## What we offer
A company award, access to our sample data, regular discussions with our translational research department, and MSS
commercialisation funding.
""",
    confidential="""\
**Data provided and success criteria (confidential)**

- Data: scRNA-seq of 86 pre-treatment biopsies of non-small-cell lung and gastric cancer (about 520,000 cells), 24 of
  them with Visium spatial data. Response is assessed by RECIST.
- Targets we have already studied, excluded from proposals: TIGIT, LAG-3, CD47, ILT4.
- Success criterion: at least 3 of the top 20 candidates pass our first validation (recovery of T-cell activation by at
  least 30 % in a co-culture assay).
- Budget: award JPY 10 million, plus JPY 5 million for the validation phase.
""",
    questions=(
        "List your work on the tumour microenvironment (publications, patents, collaborations with companies).",
        "Explain the criteria you will use to rank candidate targets, and how you will show that they are sound.",
    ),
)

SOLID_FORMS_KO = DemoTranslation(
    call=SOLID_FORMS, language="ko", by="company@demo.test",
    title="결정 다형·염 형태 예측을 통한 원료의약품 개발 효율화",
    summary="저분자 원료의약품의 결정 다형 위험과 최적의 염 형태를 계산과학으로 예측해, 고체 형태 스크리닝의 "
            "실험 수를 줄이는 기술을 찾습니다.",
    description="""\
## 배경
개발 후기에 발견되는 새로운 결정형은 용해도와 생체이용률을 바꾸어 제형을 다시 설계하거나 임상시험을 추가해야 하는
상황으로 이어질 수 있습니다. 당사는 고체 형태 스크리닝에 화합물 하나당 몇 개월의 시간과 많은 양의 원료의약품을 쓰고
있습니다.

## 찾고 있는 기술
- 결정 구조 예측(CSP)을 통한 다형 지형(polymorph landscape) 계산과, 놓친 결정형이 있을 위험의 평가
- 염·공결정 후보를 용해도와 안정성 관점에서 순위화하는 방법
- 계산 결과에 근거한 실험 계획 제안

## 진행 방식
선정 후 대상 화합물의 구조와 알려진 결정형 데이터를 공개하고, 4개월 동안 계산과 검증 실험을 수행합니다.
""",
    confidential="""\
- 대상 화합물: SKR-1875(JAK1 선택적 억제제, 1상 준비 중). 알려진 결정형은 Form I~III의 3종.
- 과제: 40°C/75%RH 조건에서 Form II가 Form III로 전이하는 것을 확인했으며, 이보다 안정한 결정형을 놓치지 않았는지
  확인하고자 합니다.
- 예산: 1,200만 엔(계산 800만 엔, 검증 실험 400만 엔).
""",
    questions=("결정 구조 예측 실적과, 계산 결과를 실험으로 검증한 사례를 적어 주십시오.",),
)

SOLID_FORMS_EN = DemoTranslation(
    call=SOLID_FORMS, language="en", by="company@demo.test",
    title="Predicting polymorphs and salt forms to speed up drug substance development",
    summary="We seek computational methods that predict the polymorph risk and the best salt form of a "
            "small-molecule drug substance, so that solid-form screening needs fewer experiments.",
    description="""\
## Background
A new crystal form found late in development can change solubility and bioavailability, and force a redesign of the
formulation or additional clinical studies. Our solid-form screening takes several months and a lot of drug substance
per compound.

## What we are looking for
- Crystal structure prediction (CSP) of the polymorph landscape, with an estimate of the risk that a form has been
  missed.
- A method that ranks salt and co-crystal candidates for solubility and stability.
- Experimental plans proposed on the basis of the calculations.

## How we will work
After selection we disclose the structure of the compound and the data on its known crystal forms; calculations and
confirmatory experiments take four months.
""",
    confidential="""\
- Compound: SKR-1875 (selective JAK1 inhibitor, preparing for Phase I). Three crystal forms are known, Form I to III.
- The problem: Form II converts to Form III at 40 °C/75 % RH, and we want to be sure that no more stable form has been
  missed.
- Budget: JPY 12 million (JPY 8 million for calculations, JPY 4 million for confirmatory experiments).
""",
    questions=("Describe your experience with crystal structure prediction, and cases where experiments confirmed "
               "your calculations.",),
)

# Shonan University of Medicine: joint R&D ------------------------------------------------------

CARDIOMYOCYTE_SCALE_UP_KO = DemoTranslation(
    call=CARDIOMYOCYTE_SCALE_UP, language="ko", by="university@demo.test",
    title="iPS 세포 유래 심근세포의 대량 배양 및 품질 평가 기술 공동개발",
    summary="쇼난의과대학은 iPS 세포로 만든 심근세포 시트의 임상 적용을 위해, 부유 배양을 통한 대량 생산과 "
            "비파괴 품질 평가 기술을 함께 개발할 한국 바이오 벤처기업을 찾습니다.",
    description="""\
## 연구 배경
저희 연구실은 중증 심부전 환자에게 iPS 세포 유래 심근세포 시트를 이식하는 재생의료 연구를 진행하고 있습니다. 다음 단계의
임상연구에는 환자 1명당 약 10억 개의 심근세포가 필요하지만, 현재의 평면 배양으로는 제조에 시간이 오래 걸리고 로트 간
편차도 해결해야 할 과제입니다.

## 공동개발 주제
- 바이오리액터를 이용한 부유(3차원) 배양에서의 분화 유도 프로토콜 최적화
- 배양 중인 세포를 파괴하지 않고 순도·성숙도·미분화 세포 잔존을 평가하는 방법(이미지 분석, 배지 성분 분석, 라만 분광 등)
- GMP 제조로의 전환을 염두에 둔 공정 설계와 기록 체계

## 저희가 제공하는 것
임상 등급 iPS 세포주, 분화 유도 기본 프로토콜, 동물 모델 평가계, 쇼난 아이파크 내 세포배양 시설을 제공합니다. 연구비는
한국 측은 중소벤처기업부의 연구개발 자금으로, 일본 측은 대학 연구비로 분담합니다.

## 기대하는 파트너
세포 배양 공정, 바이오리액터 또는 세포 품질 평가 기술을 보유하고, 2년간 공동연구를 수행할 수 있는 한국 기업을 찾습니다.
""",
    confidential="""\
- 사용 예정 세포주: 임상용 iPS 세포주 SUM-iPS-07(HLA 동형접합체, 본 대학에서 수립).
- 현재 분화 효율: cTnT 양성률 82 ± 6%(평면 배양, 12개 로트). 목표는 부유 배양에서 cTnT 양성률 90% 이상, 잔존 미분화
  세포(TRA-1-60 양성) 0.01% 미만.
- 지식재산: 분화 유도 프로토콜은 본 대학이 특허를 출원했습니다(미공개). 공동연구에서 나온 개량 발명은 공동 소유로 할
  방침입니다.
- 연구비 내역(한국 측, 중기부 연구개발 자금): 연 1억 5,000만 원 × 2년.
""",
    questions=(
        "귀사의 배양·평가 기술과 지금까지의 세포치료제 분야 실적을 적어 주십시오.",
        "2년간의 연구 계획과 양측의 역할 분담안을 적어 주십시오.",
    ),
)

CARDIOMYOCYTE_SCALE_UP_EN = DemoTranslation(
    call=CARDIOMYOCYTE_SCALE_UP, language="en", by="university@demo.test",
    title="Large-scale culture and quality assessment of iPS cell-derived cardiomyocytes: joint development",
    summary="Shonan University of Medicine seeks a Korean bio venture to co-develop suspension culture for mass "
            "production and non-destructive quality assessment of iPS cell-derived cardiomyocytes, on the way to "
            "the clinical use of cardiomyocyte sheets.",
    description="""\
## Research background
Our laboratory develops a regenerative therapy that transplants sheets of iPS cell-derived cardiomyocytes into patients
with severe heart failure. The next clinical study needs about one billion cardiomyocytes per patient, but our current
two-dimensional culture is slow and varies from lot to lot.

## Topics of the joint development
- Optimising the differentiation protocol for suspension (3D) culture in bioreactors.
- Non-destructive methods that assess the purity, maturity and residual undifferentiated cells of a running culture
  (image analysis, analysis of the medium, Raman spectroscopy and others).
- Process design and record keeping ready for the move to GMP manufacturing.

## What we provide
A clinical-grade iPS cell line, our basic differentiation protocol, animal models for evaluation, and the cell culture
facility at Shonan iPark. The research costs are shared: MSS R&D funding on the Korean side, the university's research
funds on the Japanese side.

## The partner we hope for
A Korean company with technology in cell culture processes, bioreactors or cell quality assessment, able to commit to
two years of joint research.
""",
    confidential="""\
- Cell line: the clinical-grade iPS cell line SUM-iPS-07 (HLA homozygous, established at our university).
- Current differentiation efficiency: 82 ± 6 % cTnT-positive cells (2D culture, 12 lots). Target in suspension culture:
  at least 90 % cTnT-positive, and fewer than 0.01 % residual undifferentiated (TRA-1-60-positive) cells.
- Intellectual property: the university has filed a patent on the differentiation protocol (not yet published).
  Improvements made in the joint research are to be owned jointly.
- Research funds (Korean side, MSS R&D funding): KRW 150 million a year for two years.
""",
    questions=(
        "Describe your culture and assessment technology and your track record in cell therapy.",
        "Set out a two-year research plan and a proposed division of roles between the two teams.",
    ),
)

COLONY_QUALITY_CONTROL_JA = DemoTranslation(
    call=COLONY_QUALITY_CONTROL, language="ja", by="university@demo.test",
    title="iPS細胞コロニーの画像による品質管理の自動化",
    summary="湘南医科大学は、日常的に撮影する位相差画像からiPS細胞のコロニーを分類し、分化したコロニーや異常な"
            "コロニーを臨床用バッチに影響が及ぶ前に取り除けるようにする深層学習ソフトウェアを、共同で開発する"
            "韓国のパートナーを募集します。",
    description="""\
## 課題
臨床グレードのiPS細胞株を継代する前には毎回、熟練した技術者が顕微鏡でコロニーを一つずつ確認し、分化が始まったものを取り除いています。この判断は主観的で、1バッチに数時間かかり、GMPが求める形で記録に残すことも困難です。

## 共同で開発したいもの
- 分化したコロニー、混在したコロニー、異常なコロニーを検出し、その確信度を技術者が確認できる位相差画像の分類器
- 当大学の細胞調製施設にある自動イメージング装置との連携と、GMPに適した監査証跡
- 当大学の品質保証部門と設計する、独立したバッチでのバリデーション研究

## 当大学が提供するもの
複数の臨床グレード株のアノテーション付き画像、湘南ヘルスイノベーションパーク（湘南アイパーク）のイメージング装置の利用、当大学細胞調製センターの規制対応のノウハウを提供します。韓国のパートナーには韓国中小ベンチャー企業部（MSS）の研究開発資金が充てられ、当大学はイメージング装置の利用時間とアノテーション担当者を提供します。
""",
    confidential="""\
- 画像データ：臨床グレード5株の位相差画像48,000枚（対物10倍）。熟練技術者2名がラベル付けし、評価者間一致度はκ＝0.71。
- 合格目標：良好なコロニーの除去を10%以下に抑えつつ、分化コロニーの検出感度95%以上。
- 予算：MSSの研究開発資金から18か月で2億4,000万ウォン。
""",
    questions=(
        "細胞や組織を対象とした同様の画像解析の実績を、その成果とともに記載してください。",
        "GMPの要求を満たすために、ソフトウェアをどのようにバリデーションするかを記載してください。",
    ),
)

COLONY_QUALITY_CONTROL_KO = DemoTranslation(
    call=COLONY_QUALITY_CONTROL, language="ko", by="university@demo.test",
    title="iPS 세포 콜로니의 이미지 기반 품질 관리 자동화",
    summary="쇼난의과대학은 일상적으로 촬영하는 위상차 이미지로 iPS 세포 콜로니를 분류해, 분화했거나 비정상인 "
            "콜로니를 임상용 배치에 영향을 주기 전에 제거할 수 있게 하는 딥러닝 소프트웨어를 함께 개발할 한국 "
            "파트너를 찾습니다.",
    description="""\
## 해결하려는 문제
임상 등급 iPS 세포주를 계대할 때마다 숙련된 기술자가 현미경으로 콜로니를 하나하나 살펴 분화가 시작된 콜로니를
제거합니다. 이 판단은 주관적이고 배치당 몇 시간이 걸리며, GMP가 요구하는 방식으로 기록하기도 어렵습니다.

## 함께 개발하려는 것
- 분화·혼재·비정상 콜로니를 찾아내고, 기술자가 확인할 수 있도록 신뢰도를 함께 보여 주는 위상차 이미지 분류기
- 본 대학 세포가공시설의 자동 이미징 장비와의 연동, GMP에 맞는 감사 추적 기능
- 본 대학 품질보증팀과 함께 설계하는, 독립된 배치를 이용한 밸리데이션 연구

## 본 대학이 제공하는 것
여러 임상 등급 세포주의 주석(annotation) 이미지, 쇼난 아이파크의 이미징 장비 이용, 본 대학 세포가공센터의 규제 대응
노하우를 제공합니다. 한국 파트너는 중소벤처기업부의 연구개발 자금으로 지원되며, 본 대학은 이미징 장비 사용 시간과 주석
작업 인력을 제공합니다.
""",
    confidential="""\
- 이미지 데이터: 임상 등급 5개 세포주의 위상차 이미지 48,000장(10배 대물렌즈). 숙련 기술자 2명이 라벨링했으며 평가자 간
  일치도는 κ = 0.71입니다.
- 합격 목표: 양호한 콜로니의 제거를 10% 이하로 유지하면서 분화 콜로니 검출 민감도 95% 이상.
- 예산: 중기부 연구개발 자금, 18개월간 2억 4,000만 원.
""",
    questions=(
        "세포나 조직을 대상으로 수행한 유사한 이미지 분석 실적을 결과와 함께 설명해 주십시오.",
        "GMP 요건에 맞게 소프트웨어를 어떻게 밸리데이션할 계획인지 설명해 주십시오.",
    ),
)

CARTILAGE_REGENERATION_JA = DemoTranslation(
    call=CARTILAGE_REGENERATION, language="ja", by="university@demo.test",
    title="iPS細胞由来軟骨細胞を用いた膝軟骨再生の共同研究",
    summary="湘南医科大学は、iPS細胞から分化させた軟骨細胞スフェロイドを関節腔内に移植する再生医療研究を共に"
            "進める韓国のバイオ企業を募集します。生体材料または注入型製剤の技術をお持ちの企業を歓迎します。",
    description="""\
## 研究の背景
膝の軟骨損傷は自然には治らず、多くの患者さんが最終的に人工関節置換術を受けています。当研究チームは、iPS細胞から分化させた軟骨細胞スフェロイドを欠損部に移植して軟骨を再生する研究を進めており、大動物モデルで有望な結果を得ています。

## 共同研究のテーマ
- スフェロイドを欠損部に固定し、生着を助ける生体材料（ハイドロゲル、スキャフォールド）の開発
- 関節鏡手術で注入できる製剤と送達デバイス
- 移植後の軟骨再生をMRIなどで定量的に評価する手法

## 提供するもの
臨床用iPS細胞株と軟骨分化プロトコル、大動物実験施設、湘南ヘルスイノベーションパーク（湘南アイパーク）の細胞培養施設を提供します。韓国側の研究費は、韓国中小ベンチャー企業部（MSS）の研究開発資金で支援されます。
""",
    confidential="""\
- 現在のデータ：ミニブタの軟骨欠損モデル（直径6mm）8頭で、12週後のICRSスコアは平均9.1（対照群5.3）。
- スフェロイド1個あたり約5×10⁴細胞、欠損1cm²あたり200個を移植。
- 研究費：MSSの研究開発資金、年1億2,000万ウォン×2年。動物実験の費用は大学が負担。
""",
    questions=("保有する生体材料・製剤の技術と、動物実験の実績を説明してください。",),
)

# The two institutions: startup support cohorts -------------------------------------------------

CELL_GENE_THERAPY_RESIDENCY_JA = DemoTranslation(
    call=CELL_GENE_THERAPY_RESIDENCY, language="ja", by="ipark@demo.test",
    title="湘南アイパーク 細胞・遺伝子治療レジデンシー 韓国第1期（2026年）",
    summary="湘南ヘルスイノベーションパーク（湘南アイパーク）と韓国中小ベンチャー企業部（MSS）は、韓国の細胞・"
            "遺伝子治療スタートアップを湘南アイパークでの12か月のレジデンシーに招きます。ラボスペース、共用機器、"
            "日本の製薬企業によるメンタリングに加え、1社あたり最大2億ウォンのMSS事業化資金を提供します。",
    description="""\
## プログラムの概要
藤沢市の湘南アイパークには、スタートアップからグローバル製薬企業まで、150を超えるライフサイエンス企業・研究機関が集まっています。本レジデンシーでは最大5社の韓国スタートアップを1年間受け入れ、実験の実施、日本のパートナーとの出会い、PMDAとの最初の相談に向けた準備を支援します。

## 応募対象
- 細胞治療（CAR-T、NK、iPS細胞由来）、遺伝子治療（AAV、レンチウイルス、ゲノム編集）やその製造技術の韓国スタートアップ
- 動物モデルでの非臨床POC、または実験室規模で検証済みの製造技術を有すること
- 年間のうち3か月以上、湘南アイパークに滞在できるメンバーがいること

## 支援内容
- BSL-2のウェットラボスペース、または共用インキュベーションラボのベンチを12か月間無償で提供（アイパークの現物支援）
- フローサイトメトリー、シングルセルシーケンス、細胞調製などの共用機器の利用
- 日本の製薬企業からのメンターの紹介と、ライセンス先候補とのマッチング
- 1社あたり最大2億ウォンのMSS事業化資金（マイルストーンごとに分割して支給）

## 選考
提案はアイパークとMSSが共同で審査します。候補に選ばれたスタートアップにはオンラインでピッチをしていただき、最終選考の結果は締切の約6週間後に発表します。
""",
    confidential="""\
- 2026年に利用できるラボ区画：B棟3階のB-312とB-315（BSL-2、各96m²）、インキュベーションラボのベンチ6台。
- 確定しているメンター企業：さくら製薬（細胞治療のCMC）。ほか2社と交渉中。
- 予算：本期のMSS事業化資金は10億ウォン（1社あたり最大2億ウォン、40%・30%・30%の3回に分割）。
- アイパークの現物支援：約2,400万円相当。
""",
    questions=(
        "主要なプログラムについて、開発段階とその根拠となるデータを説明してください。",
        "レジデンシー期間中に何に取り組み、12か月以内にどのマイルストーンを達成するかを記載してください。",
        "貴社のどなたが、どのくらいの期間、湘南アイパークに滞在する予定かを記載してください。",
    ),
)

CELL_GENE_THERAPY_RESIDENCY_KO = DemoTranslation(
    call=CELL_GENE_THERAPY_RESIDENCY, language="ko", by="mss@demo.test", day=REVIEW_DAY,
    title="쇼난 아이파크 세포·유전자치료 레지던시 — 2026년 한국 1기",
    summary="쇼난 아이파크와 중소벤처기업부가 한국의 세포·유전자치료 스타트업을 쇼난 아이파크의 12개월 레지던시에 "
            "초대합니다. 연구 공간과 공용 장비, 일본 제약사의 멘토링, 기업당 최대 2억 원의 중기부 사업화 자금을 "
            "지원합니다.",
    description="""\
## 프로그램 소개
후지사와시에 있는 쇼난 아이파크에는 스타트업부터 글로벌 제약사까지 150개가 넘는 생명과학 기업과 연구기관이 모여
있습니다. 레지던시는 최대 5개 한국 스타트업을 1년간 현장에 받아들여, 실험을 수행하고 일본 파트너를 만나며 PMDA와의 첫
상담을 준비하도록 돕습니다.

## 지원 대상
- 세포치료제(CAR-T, NK, iPS 세포 유래), 유전자치료제(AAV, 렌티바이러스 벡터, 유전자 편집) 또는 그 제조 기술을 개발하는
  한국 스타트업
- 동물 모델에서의 비임상 개념 증명(PoC) 또는 실험실 규모에서 검증된 제조 기술을 보유한 기업
- 1년 가운데 3개월 이상 쇼난 아이파크에 체류할 수 있는 팀원이 있는 기업

## 지원 내용
- BSL-2 습식 실험실 공간 또는 공용 인큐베이션 랩의 실험대를 12개월간 무상 제공(쇼난 아이파크 현물 지원)
- 유세포 분석, 단일세포 시퀀싱, 세포 가공 장비 등 공용 장비 이용
- 일본 제약사 멘토 배정과 잠재적 라이선스 파트너 소개
- 기업당 최대 2억 원의 중기부 사업화 자금(마일스톤에 따라 분할 지급)

## 선정 절차
쇼난 아이파크와 중기부가 제안서를 공동으로 평가합니다. 후보로 선정된 스타트업은 온라인으로 발표하며, 최종 선정 결과는
마감 약 6주 후에 발표합니다.
""",
    confidential="""\
- 2026년 이용 가능한 실험실: B동 3층 B-312호와 B-315호(BSL-2, 각 96 m²), 인큐베이션 랩 실험대 6개.
- 확정된 기업 멘토: 사쿠라제약(세포치료제 CMC). 그 밖에 파트너 2곳과 협의 중.
- 예산: 이번 기수의 중기부 사업화 자금 10억 원(기업당 최대 2억 원, 40%·30%·30%의 3회 분할 지급), 쇼난 아이파크 현물
  지원은 약 2,400만 엔 상당.
""",
    questions=(
        "주력 프로그램과 개발 단계, 이를 뒷받침하는 데이터를 설명해 주십시오.",
        "레지던시 기간에 무엇을 하고, 12개월 안에 어떤 마일스톤을 달성할지 적어 주십시오.",
        "어느 팀원이 얼마 동안 쇼난 아이파크에 체류할 예정인지 적어 주십시오.",
    ),
)

AI_DRUG_DISCOVERY_COHORT_JA = DemoTranslation(
    call=AI_DRUG_DISCOVERY_COHORT, language="ja", by="ipark@demo.test", day=REVIEW_DAY,
    title="AI創薬・抗体医薬スタートアップ 日韓連携プログラム 2026年第1期",
    summary="韓国中小ベンチャー企業部（MSS）と湘南ヘルスイノベーションパーク（湘南アイパーク）は、AIを活用した創薬と"
            "抗体医薬の分野で事業を展開する韓国のスタートアップを募集します。採択企業は、湘南アイパークの入居スペース、"
            "日本の製薬企業によるメンタリング、1社あたり最大2億ウォンの事業化資金の支援を受けられます。",
    description="""\
## 事業の概要
韓国中小ベンチャー企業部（MSS）と湘南アイパークは、日韓の先端バイオ協力の一環として、日本の医薬品市場への進出を目指す韓国のスタートアップを支援するプログラムを期ごとに運営しています。採択企業は神奈川県藤沢市の湘南アイパークを拠点に、1年間にわたり日本の製薬企業との共同研究や技術移転に取り組みます。

## 支援対象
- AIを活用した標的探索、化合物設計、抗体設計などの創薬プラットフォームを持つスタートアップ
- 二重特異性抗体、抗体薬物複合体（ADC）などの次世代抗体医薬を開発するスタートアップ
- 創業7年以内の中小企業で、日本のパートナーとの具体的な協力計画がある企業

## 支援内容
- 事業化資金：1社あたり最大2億ウォン（マイルストーンに応じて分割支給）
- 湘南アイパークの入居スペースと共用機器の利用（12か月、アイパークの現物支援）
- 日本の製薬企業の研究開発担当者による1対1のメンタリングと、商談の設定
- 日本の規制（PMDA）と契約実務に関するワークショップ

## 選考手続き
書面審査（MSS・アイパーク共同）→オンラインでの発表審査→最終選考の順に進めます。結果は締切後約6週間以内にKakehashiでお知らせします。書面審査は企業名を伏せて行います。
""",
    confidential="""\
- 2026年の予算：事業化資金総額12億ウォン（6社×最大2億ウォン）、1次40%・2次30%・3次30%の分割支給。
- 参加が確定したメンター企業：さくら製薬（抗体・ADC）。このほか日本の製薬企業2社と協議中（企業名は非公開）。
- 評価の配点：技術力35、日本市場への適合性25、チームの力量20、事業化計画20。
""",
    questions=(
        "保有する技術（プラットフォームまたはパイプライン）と、現在の開発段階を説明してください。",
        "湘南アイパークへの入居期間中の目標と、日本のパートナーとの協力計画を記載してください。",
    ),
)

AI_DRUG_DISCOVERY_COHORT_EN = DemoTranslation(
    call=AI_DRUG_DISCOVERY_COHORT, language="en", by="mss@demo.test",
    title="AI drug discovery and antibody therapeutics startups: Korea–Japan Cohort 2026",
    summary="MSS and iPark Institute invite Korean startups in AI-driven drug discovery and antibody therapeutics. "
            "Selected companies receive space at Shonan iPark, mentoring by Japanese pharmaceutical companies and "
            "commercialisation funding of up to KRW 200 million each.",
    description="""\
## About the programme
As part of Korea–Japan cooperation in advanced biotechnology, the Ministry of SMEs and Startups (MSS) and iPark
Institute run a cohort programme for Korean startups preparing to enter the Japanese pharmaceutical market. For one
year, the selected companies work from Shonan iPark in Fujisawa, Kanagawa, on joint research and technology transfer
with Japanese pharmaceutical companies.

## Who can apply
- Startups with a drug discovery platform that uses AI for target discovery, compound design or antibody design.
- Startups developing next-generation antibody therapeutics such as bispecific antibodies and antibody–drug conjugates
  (ADCs).
- SMEs founded no more than seven years ago, with a concrete plan to work with a Japanese partner.

## What the cohort receives
- Commercialisation funding of up to KRW 200 million per company, paid in instalments by milestone.
- Space at Shonan iPark and use of its shared equipment for twelve months (iPark in kind).
- One-to-one mentoring by R&D managers of Japanese pharmaceutical companies, and business meetings arranged with them.
- Workshops on Japanese regulation (PMDA) and contract practice.

## Selection
Written review (MSS and iPark jointly), then an online pitch, then the final selection. Results are announced on
Kakehashi within about six weeks of the deadline. The written review is blind: the reviewers do not see company names.
""",
    confidential="""\
- 2026 budget: KRW 1.2 billion of commercialisation funding (6 companies, up to KRW 200 million each), paid in three
  instalments of 40 %, 30 % and 30 %.
- Mentor companies confirmed: Sakura Pharmaceutical (antibodies, ADCs). Talks with two more Japanese pharmaceutical
  companies are under way (names confidential).
- Scoring weights: technology 35, fit with the Japanese market 25, team 20, commercialisation plan 20.
""",
    questions=(
        "Describe your technology (platform or pipeline) and its current stage of development.",
        "What are your goals for your time at Shonan iPark, and how do you plan to work with Japanese partners?",
    ),
)

REGENERATIVE_POC_2025_JA = DemoTranslation(
    call=REGENERATIVE_POC_2025, language="ja", by="ipark@demo.test", day=REVIEW_DAY,
    title="再生医療スタートアップの日本での実証支援（2025年下期）",
    summary="日本の再生医療制度（条件及び期限付承認）を活用して現地での実証を目指す、韓国の再生医療・細胞治療"
            "スタートアップを募集します。採択企業は、日本の協力病院との連携と事業化資金の支援を受けられます。",
    description="""\
## 事業の概要
日本は、再生医療等安全性確保法と条件及び期限付承認制度により、再生医療等製品が比較的早く患者さんに届く市場です。本事業は、韓国の再生医療スタートアップが日本で臨床研究または実証を始められるよう支援します。

## 支援対象
- 幹細胞、免疫細胞、組織工学製品などの再生医療・細胞治療製品を開発する韓国のスタートアップ
- 非臨床試験を終えた企業、または韓国で臨床試験を実施中の企業

## 支援内容
- 1社あたり最大2億ウォンの事業化資金
- 日本の協力病院および細胞培養加工施設（CPC）との連携
- 湘南ヘルスイノベーションパーク（湘南アイパーク）による規制・許認可の助言と入居スペース（アイパークの現物支援）
""",
    confidential="""\
- 予算：事業化資金総額8億ウォン（4社）。アイパークの現物支援は1社あたり約300万円相当。
- 協力の意向を示している日本の病院：関東地方の大学病院2施設（施設名は非公開）。
""",
    questions=(
        "製品の開発段階と、韓国での許認可の状況を説明してください。",
        "日本での実証の目標とスケジュール、必要な支援を記載してください。",
    ),
)

# Not yet published: a language still missing, for publication review to show --------------------

PARKINSON_DIGITAL_ENDPOINTS_JA = DemoTranslation(  # no Korean yet
    call=PARKINSON_DIGITAL_ENDPOINTS, language="ja", by="company@demo.test",
    title="早期パーキンソン病の臨床試験に向けた、ウェアラブルセンサーによるデジタルエンドポイント",
    summary="さくら製薬は早期パーキンソン病を対象とする第II相試験を計画しており、MDS-UPDRSより変化を鋭敏に"
            "捉える、検証済みのデジタルエンドポイント（ウェアラブル機器で在宅測定する歩行・振戦・睡眠）を求めています。",
    description="""\
## 背景
早期パーキンソン病を対象とする疾患修飾療法の臨床試験は、標準的な臨床評価尺度の変化が緩やかで、来院ごとのばらつきも大きいため、長期かつ大規模になりがちです。在宅での連続測定によって、より少ない患者数で進行を早期に捉えられる可能性があります。

## 求める技術
- 分析的バリデーションが公表されている、ウェアラブル機器による歩行・振戦・運動緩慢・睡眠の測定
- 臨床的バリデーションのエビデンス、または信頼できる計画（MDS-UPDRSとの相関、12か月間の変化に対する感度）
- 日本語と韓国語の患者向け資料を含め、日本（PMDA）と韓国（MFDS）の規制当局に受け入れられるソフトウェアとデータの取り扱い

## 協業の進め方
国内2施設の約30人の患者さんを対象に6か月のフィージビリティ研究を行い、成功すれば当社の第II相試験の探索的エンドポイントとして採用します。
""",
    confidential="""\
- 試験：SKR-5521（LRRK2キナーゼ阻害薬）、第IIa相、日本と韓国で120人。最初の患者登録は2027年第1四半期を予定。
- 現在の主要評価項目：52週時点のMDS-UPDRS Part
  IIIの変化量。同じ検出力を30%以上少ない症例数で得られるデジタルエンドポイントが必要。
- 予算：2年間で3,000万円。うち1,200万円をデバイスのバリデーションに充てる。
""",
    questions=(
        "提案する測定項目と、それについて得られているバリデーションデータを記載してください。",
        "貴社のデバイスとソフトウェアの、日本と韓国における規制上の位置づけを説明してください。",
    ),
)

AI_DRUG_DISCOVERY_STAY_KO = DemoTranslation(  # no English yet
    call=AI_DRUG_DISCOVERY_STAY, language="ko", by="ipark@demo.test",
    title="쇼난 아이파크 AI 신약개발 스타트업 단기 체류 프로그램 2026",
    summary="한국의 AI 신약개발 스타트업이 쇼난 아이파크에 3개월간 머물며, 일본 제약사 연구자와 함께 실제 "
            "데이터로 검증 프로젝트를 수행하는 프로그램입니다.",
    description="""\
## 프로그램 개요
AI 신약개발 기술은 제약사의 실제 데이터로 검증되어야 비로소 도입으로 이어집니다. 이 프로그램에서는 한국의 AI 신약개발
스타트업이 쇼난 아이파크에 3개월간 머물며, 참여 제약사의 연구자와 함께 소규모 검증 프로젝트를 수행합니다.

## 지원 대상
- 표적 발굴, 화합물 설계, ADMET 예측 등 AI 신약개발 기술을 보유한 한국 스타트업
- 체류 기간 동안 1명 이상이 쇼난 아이파크에서 활동할 수 있는 기업

## 지원 내용
- 쇼난 아이파크의 공용 사무실과 회의실(쇼난 아이파크 현물 지원)
- 참여 제약사와의 검증 프로젝트 설계 및 비밀유지계약(NDA) 체결 지원
- 중기부의 사업화 자금
""",
    confidential="""\
- 선정 규모: 3개 기업. 체류자 1명분의 공용 사무실과 제휴 숙박시설(월 40만 엔 상당)을 쇼난 아이파크가 현물로 제공합니다.
- 참여 예정 제약사: 사쿠라제약 외 1개사와 협의 중.
- 중기부 사업화 자금: 기업당 최대 5,000만 원.
""",
    questions=(
        "귀사의 기술과, 제약사의 실제 데이터로 검증한 실적을 적어 주십시오.",
        "3개월 체류 기간에 수행하고 싶은 검증 프로젝트안을 적어 주십시오.",
    ),
)

DEMO_TRANSLATIONS: tuple[DemoTranslation, ...] = (
    ANTIBODY_AFFINITY_KO, ANTIBODY_AFFINITY_EN, ADC_LINKER_PAYLOAD_JA, ADC_LINKER_PAYLOAD_KO,
    ANTIBODY_DEVELOPABILITY_JA, LIVER_INJURY_JA, LIVER_INJURY_KO, IMMUNO_ONCOLOGY_TARGETS_KO,
    IMMUNO_ONCOLOGY_TARGETS_EN, SOLID_FORMS_KO, SOLID_FORMS_EN,
    CARDIOMYOCYTE_SCALE_UP_KO, CARDIOMYOCYTE_SCALE_UP_EN, COLONY_QUALITY_CONTROL_JA, COLONY_QUALITY_CONTROL_KO,
    CARTILAGE_REGENERATION_JA,
    CELL_GENE_THERAPY_RESIDENCY_JA, CELL_GENE_THERAPY_RESIDENCY_KO, AI_DRUG_DISCOVERY_COHORT_JA,
    AI_DRUG_DISCOVERY_COHORT_EN, REGENERATIVE_POC_2025_JA,
    PARKINSON_DIGITAL_ENDPOINTS_JA, AI_DRUG_DISCOVERY_STAY_KO,
)
