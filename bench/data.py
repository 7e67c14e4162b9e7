"""Generated data for measuring: the whole marketplace at the scale of the issue (100,000 proposals).

`flask --app wsgi bench-data --challenges N --proposals M` (app/cli.py) calls `generate`, and with
`--manifest PATH` writes `manifest()` for the load benchmark. A batch holds, in the proportions of a
running programme: poster organisations (Japanese companies, universities and institutes, a few from
abroad) with their members, Korean ventures, iPark and MSS staff who review; calls in three languages
and every state (a third of them translated); proposals in states that fit their call's, skewed
towards one large call; staff and company reviews against the rubric (assigned, begun, submitted, a
few met with a declared conflict); the joint decisions behind each decided proposal and some still
open, refused or lapsed; clarification questions and answers; translations of some proposals; and
the audit rows the services would have written for all of it.

The calls' text is built from domain word lists in English, Japanese and Korean, each list drawn
with a Zipf-like frequency (the first entries often, the last ones rarely), so that common words
(抗体, 개발, antibody) match thousands of challenges and rare ones (KRAS G12D, 근감소증) a few, and the
CJK bigrams are those of real sentences. Search terms are computed by the same
`search.search_term_rows` the application uses (the costliest part: about 240 rows per call).

Rows go in by COPY (PostgreSQL) or executemany (SQLite) with ids drawn beforehand, never through
the ORM per row; generate() flushes and never commits (the command commits). Each run adds a new
batch (its own e-mail addresses), so running it twice adds cleanly. Never run it against a
production database: the accounts it makes share one known password.
"""
import bisect
import itertools
import secrets
from dataclasses import dataclass
from datetime import timedelta
from random import Random
from types import SimpleNamespace

from sqlalchemy import DateTime, exists, func, select

from app.auth.models import (
    MemberRole,
    Organization,
    OrganizationField,
    OrganizationKind,
    User,
    VerificationState,
    hash_password,
)
from app.auth.services.institutions import ensure_institutions
from app.challenges.models import (
    DEFAULT_RUBRIC,
    PUBLISHED_STATES,
    Challenge,
    ChallengeField,
    ChallengeFundingSource,
    ChallengeSearchTerm,
    ChallengeState,
    ClarificationQuestion,
    FundingSource,
    NdaVersion,
    Program,
    RubricCriterion,
)
from app.challenges.search import search_term_rows
from app.challenges.translations import ChallengeTranslation, digest
from app.common.models import AuditEvent, DecisionState, Institution, JointDecision
from app.common.money import Currency
from app.common.taxonomy import Field
from app.common.time import as_utc, utcnow
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import Proposal, ProposalState
from app.proposals.translations import ProposalTranslation
from app.proposals.translations import source_digest as proposal_source_digest
from app.review.models import Recommendation, Review, ReviewScore

BENCH_PASSWORD = "kakehashi-bench"
CHUNK = 500  # challenges per bulk insert (their terms make ~100 times as many rows)

EN, JA, KO = 0, 1, 2


class Vocabulary:
    """Concepts as (English, Japanese, Korean), drawn with weight 1/rank: the first ones most often."""

    def __init__(self, *concepts: tuple[str, str, str]):
        self.concepts = concepts
        self._cumulative = list(itertools.accumulate(1 / rank for rank in range(1, len(concepts) + 1)))

    def pick(self, rng: Random, language: int, *, other_than: str | None = None) -> str:
        for _ in range(10):  # "A and A" reads oddly: a second pick differs from the first
            n = bisect.bisect_left(self._cumulative, rng.random() * self._cumulative[-1])
            word = self.concepts[min(n, len(self.concepts) - 1)][language]
            if word != other_than:
                break
        return word


# The technologies of each field, most common first.
TECHNOLOGIES = {
    Field.ai_drug_discovery: Vocabulary(
        ("AI drug discovery", "AI創薬", "AI 신약개발"), ("machine learning", "機械学習", "머신러닝"),
        ("generative models", "生成モデル", "생성 모델"),
        ("virtual screening", "バーチャルスクリーニング", "가상 스크리닝"),
        ("structure-based drug design", "構造ベース創薬", "구조 기반 신약설계"),
        ("molecular dynamics", "分子動力学シミュレーション", "분자동역학 시뮬레이션"),
        ("graph neural networks", "グラフニューラルネットワーク", "그래프 신경망"),
        ("ADMET prediction", "ADMET予測", "ADMET 예측"), ("active learning", "能動学習", "능동 학습")),
    Field.target_identification: Vocabulary(
        ("target discovery", "標的探索", "타깃 발굴"),
        ("multi-omics analysis", "マルチオミクス解析", "멀티오믹스 분석"),
        ("CRISPR screening", "CRISPRスクリーニング", "CRISPR 스크리닝"),
        ("single-cell sequencing", "シングルセル解析", "단일세포 분석"), ("proteomics", "プロテオミクス", "단백체학"),
        ("phenotypic screening", "表現型スクリーニング", "표현형 스크리닝")),
    Field.clinical_development: Vocabulary(
        ("clinical trial design", "臨床試験デザイン", "임상시험 설계"),
        ("patient stratification", "患者層別化", "환자 층화"),
        ("real-world data", "リアルワールドデータ", "실사용 데이터"), ("pharmacokinetics", "薬物動態", "약동학"),
        ("decentralised clinical trials", "分散型臨床試験", "분산형 임상시험")),
    Field.cell_gene_therapy: Vocabulary(
        ("CAR-T cell therapy", "CAR-T細胞療法", "CAR-T 세포치료"), ("gene therapy", "遺伝子治療", "유전자치료"),
        ("AAV vectors", "AAVベクター", "AAV 벡터"), ("genome editing", "ゲノム編集", "유전체 편집"),
        ("NK cell therapy", "NK細胞療法", "NK 세포치료"), ("mRNA therapeutics", "mRNA医薬", "mRNA 치료제"),
        ("lipid nanoparticles", "脂質ナノ粒子", "지질나노입자")),
    Field.regenerative_medicine: Vocabulary(
        ("iPS cells", "iPS細胞", "iPS 세포"), ("organoids", "オルガノイド", "오가노이드"),
        ("mesenchymal stem cells", "間葉系幹細胞", "중간엽줄기세포"), ("tissue engineering", "組織工学", "조직공학"),
        ("3D bioprinting", "3Dバイオプリンティング", "3D 바이오프린팅"), ("cell sheets", "細胞シート", "세포 시트")),
    Field.diagnostics: Vocabulary(
        ("liquid biopsy", "リキッドバイオプシー", "액체생검"),
        ("biomarker discovery", "バイオマーカー探索", "바이오마커 발굴"),
        ("companion diagnostics", "コンパニオン診断", "동반진단"), ("in vitro diagnostics", "体外診断", "체외진단"),
        ("digital pathology", "デジタル病理", "디지털 병리"), ("point-of-care testing", "POC検査", "현장진단검사")),
    Field.digital_health: Vocabulary(
        ("digital therapeutics", "デジタル治療", "디지털 치료제"), ("medical imaging AI", "医用画像AI", "의료영상 AI"),
        ("wearable sensors", "ウェアラブルセンサー", "웨어러블 센서"),
        ("remote monitoring", "遠隔モニタリング", "원격 모니터링"),
        ("electronic health records", "電子カルテ", "전자의무기록")),
    Field.bioinformatics: Vocabulary(
        ("bioinformatics", "バイオインフォマティクス", "생물정보학"), ("genome analysis", "ゲノム解析", "유전체 분석"),
        ("large language models", "大規模言語モデル", "대규모 언어모델"),
        ("knowledge graphs", "ナレッジグラフ", "지식 그래프"),
        ("cloud data platforms", "クラウドデータ基盤", "클라우드 데이터 플랫폼")),
    Field.medical_devices: Vocabulary(
        ("drug delivery systems", "ドラッグデリバリーシステム", "약물전달시스템"),
        ("surgical robotics", "手術支援ロボット", "수술 로봇"),
        ("implantable devices", "埋め込み型デバイス", "이식형 의료기기"),
        ("microfluidics", "マイクロ流体デバイス", "미세유체 소자"),
        ("ultrasound imaging", "超音波画像診断", "초음파 영상")),
    Field.cellular_agriculture: Vocabulary(
        ("cultured meat", "培養肉", "배양육"), ("precision fermentation", "精密発酵", "정밀발효"),
        ("serum-free media", "無血清培地", "무혈청 배지"), ("bioreactors", "バイオリアクター", "바이오리액터")),
}
FIELD_SHARE = {  # how often each field leads a call
    Field.ai_drug_discovery: 25, Field.target_identification: 10, Field.clinical_development: 8,
    Field.cell_gene_therapy: 12, Field.regenerative_medicine: 10, Field.diagnostics: 10,
    Field.digital_health: 8, Field.bioinformatics: 8, Field.medical_devices: 6, Field.cellular_agriculture: 3,
}

MODALITIES = Vocabulary(
    ("antibodies", "抗体", "항체"), ("small molecules", "低分子化合物", "저분자 화합물"),
    ("antibody drugs", "抗体医薬品", "항체의약품"), ("new drug candidates", "新薬候補", "신약 후보물질"),
    ("cell therapies", "細胞医薬品", "세포치료제"), ("antibody-drug conjugates", "抗体薬物複合体", "항체-약물 접합체"),
    ("peptides", "中分子ペプチド", "펩타이드"), ("nucleic acid drugs", "核酸医薬", "핵산 치료제"),
    ("bispecific antibodies", "二重特異性抗体", "이중항체"), ("vaccines", "ワクチン", "백신"),
    ("protein degraders", "タンパク質分解誘導薬", "단백질 분해제"))
DISEASES = Vocabulary(
    ("cancer", "がん", "암"), ("solid tumours", "固形がん", "고형암"), ("lung cancer", "肺がん", "폐암"),
    ("Alzheimer's disease", "アルツハイマー病", "알츠하이머병"), ("diabetes", "糖尿病", "당뇨병"),
    ("autoimmune diseases", "自己免疫疾患", "자가면역질환"), ("rare diseases", "希少疾患", "희귀질환"),
    ("fibrosis", "線維症", "섬유증"), ("heart failure", "心不全", "심부전"), ("gastric cancer", "胃がん", "위암"),
    ("pancreatic cancer", "膵臓がん", "췌장암"), ("Parkinson's disease", "パーキンソン病", "파킨슨병"),
    ("infectious diseases", "感染症", "감염병"), ("obesity", "肥満症", "비만"), ("NASH", "NASH", "NASH"),
    ("atopic dermatitis", "アトピー性皮膚炎", "아토피 피부염"), ("macular degeneration", "加齢黄斑変性", "황반변성"),
    ("hepatocellular carcinoma", "肝細胞がん", "간세포암"), ("ALS", "筋萎縮性側索硬化症", "루게릭병"),
    ("sarcopenia", "サルコペニア", "근감소증"))
TARGETS = Vocabulary(
    ("PD-1", "PD-1", "PD-1"), ("HER2", "HER2", "HER2"), ("EGFR", "EGFR", "EGFR"),
    ("GLP-1 receptor", "GLP-1受容体", "GLP-1 수용체"), ("amyloid beta", "アミロイドβ", "아밀로이드 베타"),
    ("KRAS", "KRAS", "KRAS"), ("CD19", "CD19", "CD19"), ("TROP2", "TROP2", "TROP2"), ("IL-17", "IL-17", "IL-17"),
    ("tau", "タウ", "타우"), ("Claudin 18.2", "Claudin 18.2", "Claudin 18.2"), ("BCMA", "BCMA", "BCMA"),
    ("NLRP3", "NLRP3", "NLRP3"), ("STING", "STING", "STING"), ("KRAS G12D", "KRAS G12D", "KRAS G12D"))
GOALS = Vocabulary(
    ("drug development", "医薬品開発", "신약개발"), ("joint research", "共同研究", "공동연구"),
    ("clinical development", "臨床開発", "임상개발"), ("commercialisation", "事業化", "사업화"),
    ("preclinical studies", "非臨床試験", "비임상시험"), ("lead optimisation", "リード最適化", "선도물질 최적화"),
    ("proof of concept", "概念実証", "개념증명"), ("scale-up", "スケールアップ", "스케일업"),
    ("licensing", "ライセンス導出", "기술이전"))
EVIDENCE = Vocabulary(
    ("published results", "論文実績", "논문 실적"),
    ("in vivo efficacy data", "in vivo薬効データ", "in vivo 효능 데이터"),
    ("patents", "特許", "특허"), ("benchmark results", "ベンチマーク結果", "벤치마크 결과"),
    ("clinical data", "臨床データ", "임상 데이터"))
RESOURCES = Vocabulary(
    ("compound libraries", "化合物ライブラリー", "화합물 라이브러리"),
    ("laboratory space in Shonan iPark", "湘南アイパークの実験室", "쇼난 아이파크 실험실"),
    ("patient samples", "患者検体", "환자 검체"), ("animal models", "動物モデル", "동물 모델"),
    ("screening facilities", "スクリーニング設備", "스크리닝 설비"), ("GMP manufacturing", "GMP製造", "GMP 생산"),
    ("clinical data", "臨床データ", "임상 데이터"))
TEAMS = Vocabulary(
    ("research", "研究本部", "연구본부"), ("drug discovery", "創薬研究所", "신약연구소"),
    ("business development", "事業開発部", "사업개발팀"), ("clinical development", "臨床開発部", "임상개발팀"))
REGULATORY = Vocabulary(
    ("PMDA consultations", "PMDA相談", "PMDA 상담"), ("GLP studies", "GLP試験", "GLP 시험"),
    ("IND filings", "IND申請", "IND 신청"), ("MFDS approval", "MFDS承認", "식약처 허가"))

TITLES = {
    EN: ["{tech} for {disease}", "{modality} against {target}", "Partner wanted: {tech} for {goal}",
         "{goal} of {modality} with {tech}", "Open call: {tech} in {disease}"],
    JA: ["{disease}に対する{tech}の{goal}", "{target}を標的とした{modality}の{goal}",
         "{tech}を活用した{modality}開発パートナー募集", "{disease}領域における{tech}の共同研究"],
    KO: ["{disease} 대상 {tech} {goal}", "{target} 표적 {modality} {goal}",
         "{tech}{eul} 활용한 {modality} 개발 파트너 모집", "{disease} 분야 {tech} 공동연구"],
}
COHORT_TITLES = {
    EN: ["Startup cohort: {tech}", "Shonan iPark cohort for {tech} ventures"],
    JA: ["{tech}分野スタートアップ募集", "湘南アイパーク{tech}コホート"],
    KO: ["{tech} 분야 스타트업 모집", "쇼난 아이파크 {tech} 코호트"],
}
SENTENCES = {
    EN: ["We are looking for a partner with expertise in {tech} to accelerate {goal} in {disease}.",
         "Our team has a pipeline of {modality} against {target} and seeks {tech} capabilities.",
         "Proposals should describe {evidence} and a plan for {goal} within {months} months.",
         "Priority goes to approaches that combine {tech} with {tech2}.",
         "The selected venture will work with our {team} team in Shonan iPark.",
         "We can provide {resource} and {resource2}.",
         "Preferred modalities include {modality} and {modality2}.",
         "Experience with {regulatory} is an advantage.",
         "Unmet medical need in {disease} remains high, especially for patients who do not respond to {modality}.",
         "The collaboration may lead to {goal} and a licence for {target} programmes."],
    JA: ["当社は{disease}領域における{tech}を活用した{goal}を推進しています。",
         "{target}を標的とする{modality}の{goal}に向けて、{tech}の技術を持つ韓国ベンチャーとの協業を希望します。",
         "提案には{evidence}と{months}か月以内の{goal}計画を含めてください。",
         "特に{tech}と{tech2}を組み合わせたアプローチを歓迎します。",
         "採択されたベンチャーは湘南アイパークで当社{team}と共同で研究を行います。",
         "{resource}および{resource2}を提供可能です。",
         "対象となるモダリティは{modality}および{modality2}です。",
         "{regulatory}の経験があれば優遇します。",
         "{disease}の患者さんには既存の{modality}で効果が得られない方も多く、新しい治療法が求められています。",
         "本協業は{target}プログラムの{goal}につながる可能性があります。"],
    KO: ["당사는 {disease} 분야에서 {tech}{eul} 활용한 {goal}{eul} 추진하고 있습니다.",
         "{target}{eul} 표적으로 하는 {modality}의 {goal}{eul} 위해 "
         "{tech} 기술을 보유한 한국 벤처와의 협력을 희망합니다.",
         "제안서에는 {evidence}{wa} {months}개월 이내의 {goal} 계획을 포함해 주십시오.",
         "특히 {tech}{wa} {tech2}{eul} 결합한 접근 방식을 환영합니다.",
         "선정된 벤처는 쇼난 아이파크에서 당사 {team}{wa} 함께 연구를 수행합니다.",
         "{resource} 및 {resource2}{eul} 제공할 수 있습니다.",
         "대상 모달리티는 {modality} 및 {modality2}입니다.",
         "{regulatory} 경험이 있으면 우대합니다.",
         "{disease} 환자 중에는 기존 {modality}{euro} 효과를 보지 못하는 경우가 많아 새로운 치료법이 필요합니다.",
         "이번 협력은 {target} 프로그램의 {goal}{euro} 이어질 수 있습니다."],
}
CONFIDENTIAL = {
    EN: "Confidential: internal programme code {code}; the lead series and budget are shared after the NDA.",
    JA: "社外秘：社内プログラムコード{code}。リード化合物シリーズと予算はNDA締結後に開示します。",
    KO: "대외비: 내부 프로그램 코드 {code}. 선도물질 시리즈와 예산은 NDA 체결 후 공개합니다.",
}
LANGUAGE_CODES = {EN: "en", JA: "ja", KO: "ko"}

COMPANY_STEMS = ["Sakura", "Fuji", "Aoba", "Midori", "Hikari", "Kaede", "Tsubasa", "Minato", "Hoshi", "Yamato",
                 "Asahi", "Kotobuki", "Shonan", "Kamome", "Hinode", "Izumi", "Nagisa", "Wakaba"]
COMPANY_STEMS_JA = ["さくら", "富士", "青葉", "みどり", "ひかり", "かえで", "つばさ", "みなと", "星", "大和",
                    "朝日", "寿", "湘南", "かもめ", "日の出", "泉", "なぎさ", "若葉"]
COMPANY_KINDS = [("Pharmaceutical Co., Ltd.", "製薬株式会社"), ("Biotech Inc.", "バイオテック株式会社"),
                 ("Life Sciences K.K.", "ライフサイエンス株式会社"), ("Chemical Industries", "化学工業株式会社")]
ACADEMIC_POSTERS = [(OrganizationKind.university, "Shonan University of Medicine", "湘南医科大学"),
                    (OrganizationKind.research_institute, "Kanagawa Institute of Life Science", "神奈川生命科学研究所"),
                    (OrganizationKind.university, "Tokai Pharmaceutical University", "東海薬科大学"),
                    (OrganizationKind.research_institute, "Kansai Medical Research Institute", "関西医学研究所")]
FOREIGN_POSTERS = [("KR", "Hanul University Hospital", "하늘대학교병원"), ("US", "Bayside Therapeutics", None),
                   ("SG", "Merlion Biologics", None), ("DE", "Rheinland Pharma GmbH", None)]
VENTURE_STEMS = ["Hanbit", "Saeam", "Nuri", "Daon", "Haneul", "Bitna", "Garam", "Sol", "Areum", "Dasom", "Yeoul",
                 "Onnuri", "Gaon", "Hana", "Miso", "Baram"]
VENTURE_STEMS_KO = ["한빛", "새암", "누리", "다온", "하늘", "빛나", "가람", "솔", "아름", "다솜", "여울",
                    "온누리", "가온", "하나", "미소", "바람"]
VENTURE_KINDS = [("Bio", "바이오"), ("Therapeutics", "테라퓨틱스"), ("AI Discovery", "에이아이디스커버리"),
                 ("Cell", "셀"), ("Genomics", "지노믹스"), ("Medical", "메디컬")]
PERSON_NAMES = ["Minjun Kim", "Seoyeon Park", "Jiwoo Lee", "Haruka Tanaka", "Kenji Sato", "Yuna Choi",
                "Takumi Suzuki", "Aiko Watanabe", "Hyunwoo Jung", "Sora Kang", "Ren Ito", "Mei Yamamoto"]


PARTICLES = {"eul": ("을", "를"), "wa": ("과", "와"), "euro": ("으로", "로")}


def _particle(word: str, name: str) -> str:
    """The form of a Korean particle that fits the sound the word before it ends with."""
    last = word[-1] if word else "a"
    if "가" <= last <= "힣":
        final = (ord(last) - ord("가")) % 28
        if name == "euro" and final == 8:  # after ㄹ: 로
            return "로"
        return PARTICLES[name][0 if final else 1]
    return PARTICLES[name][0 if last.isdigit() or last.upper() in "LMN" else 1]


class _Writer:
    """Text for one challenge: its field's technologies, with the shared vocabularies."""

    def __init__(self, rng: Random, language: int, field: Field):
        self.rng, self.language, self.technologies = rng, language, TECHNOLOGIES[field]

    def _fill(self, template: str) -> str:
        rng, lang = self.rng, self.language
        slots = {
            "tech": self.technologies.pick(rng, lang), "modality": MODALITIES.pick(rng, lang),
            "disease": DISEASES.pick(rng, lang), "target": TARGETS.pick(rng, lang), "goal": GOALS.pick(rng, lang),
            "evidence": EVIDENCE.pick(rng, lang), "resource": RESOURCES.pick(rng, lang),
            "team": TEAMS.pick(rng, lang), "regulatory": REGULATORY.pick(rng, lang),
            "months": rng.choice([6, 12, 18, 24, 36]),
        }
        slots["tech2"] = self.technologies.pick(rng, lang, other_than=slots["tech"])
        slots["modality2"] = MODALITIES.pick(rng, lang, other_than=slots["modality"])
        slots["resource2"] = RESOURCES.pick(rng, lang, other_than=slots["resource"])
        if lang == EN:
            text = template.format(**slots)
            return text[0].upper() + text[1:]
        if lang == JA:
            return template.format(**slots)
        # Korean: a particle follows the slot just before it, in the form that fits its sound.
        pieces, rest = [], template
        while "{" in rest:
            before, _, after = rest.partition("{")
            name, _, rest = after.partition("}")
            pieces.append(before)
            pieces.append(_particle("".join(pieces), name) if name in PARTICLES else str(slots[name]))
        pieces.append(rest)
        return "".join(pieces)

    def title(self, program: Program) -> str:
        templates = (COHORT_TITLES if program == Program.startup_support else TITLES)[self.language]
        return self._fill(self.rng.choice(templates))[:200]

    def paragraph(self, sentences: int) -> str:
        separator = " " if self.language != JA else ""
        return separator.join(self._fill(self.rng.choice(SENTENCES[self.language])) for _ in range(sentences))

    def description(self) -> str:
        paragraphs = [self.paragraph(self.rng.randint(2, 4)) for _ in range(self.rng.randint(2, 4))]
        return "\n\n".join(paragraphs)

    def confidential(self, code: str) -> str:
        return CONFIDENTIAL[self.language].format(code=code)


# -- what people write besides calls ----------------------------------------------------------------

PROPOSAL_LANGUAGE_SHARE = {KO: 60, EN: 35, JA: 5}  # Korean ventures write in Korean or English
PROPOSAL_OPENINGS = {
    EN: ["Our platform addresses this call directly.", "We propose a two-phase plan.",
         "Our team has validated the approach in preclinical models."],
    JA: ["当社の技術は本課題に直接応えるものです。", "二段階の計画を提案します。",
         "当社チームは非臨床モデルで本手法を検証済みです。"],
    KO: ["당사의 플랫폼은 이번 과제에 직접 부합합니다.", "2단계 계획을 제안합니다.",
         "당사 팀은 비임상 모델에서 본 접근법을 검증했습니다."],
}
TEAM_TEXT = {
    EN: "Founded in {year}; {people} researchers, {phds} with a PhD; offices in Seoul and Pangyo.",
    JA: "{year}年設立。研究者{people}名（うち博士{phds}名）。ソウルと板橋に拠点。",
    KO: "{year}년 설립, 연구인력 {people}명(박사 {phds}명), 서울·판교 소재.",
}
REVIEW_COMMENTS = {
    Institution.ipark: ["Strong data package; the timeline is ambitious.", "研究計画は妥当。チーム体制に懸念あり。",
                        "Good fit with the call; budget needs detail.", "技術的優位性が明確。事業化計画は要検討。"],
    Institution.mss: ["사업화 가능성이 높음. 일정이 다소 낙관적임.", "기술 차별성은 있으나 검증 데이터 부족.",
                      "Clear commercial path; team is small.", "팀 역량 우수, 예산 산정 근거 보완 필요."],
    None: ["当社のパイプラインとの適合性が高い。", "Interesting, but overlaps with an internal programme.",
           "面談を希望します。"],
}
QUESTION_TEMPLATES = {
    EN: ["Does the call accept approaches based on {tech}?", "Can the {resource} be used from the first month?",
         "Is prior experience with {regulatory} required?"],
    JA: ["{tech}を用いたアプローチも対象になりますか。", "{resource}は初月から利用できますか。",
         "{regulatory}の経験は必須ですか。"],
    KO: ["{tech} 기반 접근도 지원 대상인가요?", "{resource} 첫 달부터 이용할 수 있나요?",
         "{regulatory} 경험이 필수인가요?"],
}
ANSWERS = {
    EN: "Yes, provided the plan shows {goal} within the programme period.",
    JA: "はい。プログラム期間内に{goal}の計画が示されていれば対象です。",
    KO: "네, 사업 기간 내 {goal} 계획이 제시되면 지원 대상입니다.",
}
REVISION_NOTE = "Please add the in vivo data and a milestone plan for the first year."
DECLINE_REASON = "Thank you for your proposal; it fits the call less closely than others."
REJECTION_REASON = "We do not agree yet: please collect the second review first."
WITHDRAWAL_REASON = "The venture withdrew its proposal."
CONFLICT_REASON = "I advised this team last year."
CANCEL_REASON = "The programme budget was reassigned."
CHANGES_NOTE = "Please state the budget and the expected TRL."

# Calls of every state (DESIGN.md, "Challenge"); a cancelled call was published first half the time.
STATE_SHARE = {ChallengeState.draft: 6, ChallengeState.pending_review: 4, ChallengeState.open: 30,
               ChallengeState.closed: 32, ChallengeState.awarded: 20, ChallengeState.cancelled: 8}
PROGRAM_SHARE = {Program.open_innovation: 50, Program.joint_rnd: 35, Program.startup_support: 15}
LANGUAGE_SHARE = {JA: 45, EN: 35, KO: 20}

# Proposals in states that fit their call's: decisions come after the deadline, a few before it.
PROPOSAL_STATES = {
    ChallengeState.open: {ProposalState.draft: 28, ProposalState.submitted: 55, ProposalState.revision_requested: 4,
                          ProposalState.declined: 5, ProposalState.withdrawn: 8},
    ChallengeState.closed: {ProposalState.draft: 4, ProposalState.submitted: 28, ProposalState.revision_requested: 5,
                            ProposalState.shortlisted: 22, ProposalState.selected: 3, ProposalState.declined: 32,
                            ProposalState.withdrawn: 6},
    ChallengeState.awarded: {ProposalState.draft: 2, ProposalState.shortlisted: 8, ProposalState.selected: 8,
                             ProposalState.declined: 72, ProposalState.withdrawn: 10},
    ChallengeState.cancelled: {ProposalState.draft: 30, ProposalState.submitted: 50, ProposalState.withdrawn: 20},
}
# The largest call has this share of the proposals (the issue measured "a call with 1,625 proposals"
# at 100,000); the others follow rank^-0.5 with a random spread, so most have a few dozen.
LARGEST_SHARE = 0.01625
POPULARITY_EXPONENT = 0.5
CALL_STATE_DRAW = {ChallengeState.open: 0.6, ChallengeState.cancelled: 0.3}  # fewer proposals yet, or ever
# How far each staff review has got: of proposals already decided, after the deadline, before it.
REVIEWS_DECIDED = {"submitted": 94, "begun": 2, "assigned": 2, "conflict": 2}
REVIEWS_AFTER_DEADLINE = {"submitted": 43, "begun": 20, "assigned": 35, "conflict": 2}
REVIEWS_BEFORE_DEADLINE = {"submitted": 15, "begun": 25, "assigned": 59, "conflict": 1}
PROPOSAL_CHUNK = 5000  # proposals per round of bulk inserts (with their reviews, decisions and audit rows)
DAY = timedelta(days=1)


@dataclass
class BenchSummary:
    batch: str
    posters: int
    ventures: int
    staff: int
    challenges: int
    translations: int
    search_terms: int
    proposals: int
    reviews: int = 0
    decisions: int = 0
    questions: int = 0
    audit_events: int = 0


_CUMULATIVE: dict[int, tuple[list, list]] = {}


def _weighted(rng: Random, shares: dict):
    """A key of ``shares`` drawn by its weight (the module's tables of shares, summed once)."""
    if id(shares) not in _CUMULATIVE:
        _CUMULATIVE[id(shares)] = (list(shares), list(itertools.accumulate(shares.values())))
    keys, cumulative = _CUMULATIVE[id(shares)]
    return keys[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert rows whose ids the next rows need. The ids are drawn first (from the table's sequence on
    PostgreSQL; after the largest on SQLite, which is what SQLite itself would choose and safe while
    this transaction writes alone), so that the rows go in by COPY or executemany like the others:
    RETURNING in parameter order makes SQLAlchemy send SQLite one statement per row."""
    if not rows:
        return []
    table = model.__table__
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        ids = list(connection.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
            f"FROM generate_series(1, {len(rows)})").scalars())
    else:
        start = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar()
        ids = list(range(start + 1, start + len(rows) + 1))
    _load(model, [dict(row, id=row_id) for row, row_id in zip(rows, ids, strict=True)])
    return ids


def _sqlite_moment(moment) -> str:
    return moment.isoformat(" ", "microseconds")[:26]  # SQLAlchemy's SQLite format (UTC), faster than its own


def _bind_processor(column_type, dialect):
    if dialect.name == "sqlite" and isinstance(column_type, DateTime):
        return _sqlite_moment
    return column_type._cached_bind_processor(dialect)


def _load(model, rows: list[dict]) -> int:
    """Rows straight through the driver: COPY on PostgreSQL, executemany on SQLite, each value converted
    by its column's own type (enums, JSON, moments) as SQLAlchemy would. A column a row leaves out gets
    its scalar default (``default=""``); callable defaults (moments) must be given."""
    if not rows:
        return 0
    table = model.__table__
    connection = db.session.connection()
    dialect = connection.dialect
    given = list(rows[0])
    defaults = {column.name: column.default.arg for column in table.columns
                if column.name not in rows[0] and column.default is not None and column.default.is_scalar}
    names = given + list(defaults)
    default_values = list(defaults.values())
    processors = [(n, _bind_processor(table.c[name].type, dialect)) for n, name in enumerate(names)]
    processors = [(n, processor) for n, processor in processors if processor is not None]

    def converted(row):
        values = [row[name] for name in given]
        values += default_values
        for n, processor in processors:
            if values[n] is not None:
                values[n] = processor(values[n])
        return values

    if dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor, \
                cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(converted(row))
    else:
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) "
                                   f"VALUES ({', '.join('?' for _ in names)})", [tuple(converted(row)) for row in rows])
    return len(rows)


def _audit(actor_id, action: str, subject_type: str, subject_id: int, at, /, from_state=None, to_state=None,
           **details) -> dict:
    """An audit row as app.common.audit.record writes it."""
    return dict(created_at=at, actor_id=actor_id, action=action, subject_type=subject_type, subject_id=subject_id,
                from_state=None if from_state is None else str(from_state),
                to_state=None if to_state is None else str(to_state), ip=None, details=details)


def _between(rng: Random, start, end):
    return start + (end - start) * rng.random() if end > start else start


# -- organisations and people --------------------------------------------------------------------------

def _organizations(rng: Random, batch: str, now, specs: list[dict], password_hash: str,
                   member_share: float = 0.0) -> list[dict]:
    """Organisations with an owner each and, for ``member_share`` of them, one or two members more.
    Returns {"id", "owner", "members" (every user id, the owner first)} per organisation."""
    ids = _insert_returning_ids(Organization, [
        dict(spec["organization"], verification_state=VerificationState.verified, verified_at=now, created_at=now)
        for spec in specs])
    _load(OrganizationField, [{"organization_id": org_id, "field": field}
                              for org_id, spec in zip(ids, specs, strict=True) for field in spec["fields"]])
    people = []  # (organization index, role, handle, locale)
    for n, spec in enumerate(specs):
        people.append((n, MemberRole.owner, spec["handle"], spec["locale"]))
        if rng.random() < member_share:
            people += [(n, MemberRole.member, f"{spec['handle']}-m{k}", spec["locale"])
                       for k in range(1, rng.randint(1, 2) + 1)]
    user_ids = _insert_returning_ids(User, [
        dict(email=f"bench-{batch}-{handle}@bench.test", name=rng.choice(PERSON_NAMES), password_hash=password_hash,
             organization_id=ids[n], role=role, active=True, locale=locale, email_verified_at=now, created_at=now,
             password_changed_at=now) for n, role, handle, locale in people])
    organizations = [{"id": org_id, "owner": None, "members": []} for org_id in ids]
    for (n, _, _, _), user_id in zip(people, user_ids, strict=True):
        organizations[n]["members"].append(user_id)
    for organization in organizations:
        organization["owner"] = organization["members"][0]
    return organizations


def _poster_specs(rng: Random, count: int) -> list[dict]:
    specs = []
    for n in range(count):
        fields = rng.sample(list(Field), rng.randint(1, 3))
        roll = rng.random()
        if roll < 0.85:
            stem = rng.randrange(len(COMPANY_STEMS))
            kind_latin, kind_native = rng.choice(COMPANY_KINDS)
            organization = dict(kind=OrganizationKind.company, country="JP",
                                name_latin=f"{COMPANY_STEMS[stem]} {kind_latin} {n + 1}",
                                name_native=f"{COMPANY_STEMS_JA[stem]}{kind_native}{n + 1}")
            locale = "ja"
        elif roll < 0.93:
            kind, latin, native = rng.choice(ACADEMIC_POSTERS)
            organization = dict(kind=kind, country="JP", name_latin=f"{latin} {n + 1}", name_native=f"{native}{n + 1}")
            locale = "ja"
        else:
            country, latin, native = rng.choice(FOREIGN_POSTERS)
            organization = dict(kind=OrganizationKind.company, country=country, name_latin=f"{latin} {n + 1}",
                                name_native=native)
            locale = "ko" if country == "KR" else "en"
        specs.append({"organization": organization, "fields": fields, "locale": locale, "handle": f"poster-{n + 1}"})
    return specs


def _venture_specs(rng: Random, count: int) -> list[dict]:
    specs = []
    for n in range(count):
        stem = rng.randrange(len(VENTURE_STEMS))
        kind_latin, kind_native = rng.choice(VENTURE_KINDS)
        specs.append({"organization": dict(kind=OrganizationKind.venture, country="KR",
                                           name_latin=f"{VENTURE_STEMS[stem]} {kind_latin} {n + 1}",
                                           name_native=f"{VENTURE_STEMS_KO[stem]}{kind_native} {n + 1}"),
                      "fields": rng.sample(list(Field), rng.randint(1, 2)), "locale": "ko",
                      "handle": f"venture-{n + 1}"})
    return specs


def _staff(rng: Random, batch: str, now, per_institution: int, password_hash: str) -> dict[Institution, list[int]]:
    """Reviewing staff of both institutions: active, e-mail verified, without a second factor (which
    STAFF_REQUIRE_2FA, off outside production, would otherwise ask them to enrol)."""
    institutions = ensure_institutions()
    people = [(institution, n) for institution in (Institution.ipark, Institution.mss)
              for n in range(1, per_institution + 1)]
    ids = _insert_returning_ids(User, [
        dict(email=f"bench-{batch}-{institution.value}-{n}@bench.test", name=rng.choice(PERSON_NAMES),
             password_hash=password_hash, organization_id=institutions[institution].id, role=MemberRole.member,
             active=True, locale="ja" if institution == Institution.ipark else "ko", email_verified_at=now,
             created_at=now, password_changed_at=now) for institution, n in people])
    staff: dict[Institution, list[int]] = {Institution.ipark: [], Institution.mss: []}
    for (institution, _), user_id in zip(people, ids, strict=True):
        staff[institution].append(user_id)
    staff["organizations"] = {institution: institutions[institution].id for institution in staff}
    return staff


# -- calls ----------------------------------------------------------------------------------------------

def _challenge_row(rng: Random, now, program: Program, poster: tuple[int, int], language: int,
                   lead_field: Field, code: str, state: ChallengeState | None = None) -> dict:
    writer = _Writer(rng, language, lead_field)
    state = state or _weighted(rng, STATE_SHARE)
    published_ever = state in PUBLISHED_STATES or (state == ChallengeState.cancelled and rng.random() < 0.5)
    submitted = published = closed = awarded = cancelled = None
    note = None
    if state == ChallengeState.open:
        # One in a hundred is read past its deadline before the closing job has run.
        deadline = now - rng.uniform(0, 2) * DAY if rng.random() < 0.01 else now + rng.uniform(1, 120) * DAY
        published = min(now - rng.uniform(0, 60) * DAY, deadline - 14 * DAY)
    elif state in {ChallengeState.closed, ChallengeState.awarded}:
        deadline = now - rng.uniform(1 if state == ChallengeState.closed else 60, 900) * DAY
        published = deadline - rng.uniform(30, 90) * DAY
    elif published_ever:  # cancelled while open
        deadline = now + rng.uniform(-30, 60) * DAY
        published = min(deadline, now) - rng.uniform(20, 60) * DAY
        cancelled = _between(rng, published, min(deadline, now))
    else:  # a draft, waiting for review, or cancelled before publication
        deadline = now + rng.uniform(30, 150) * DAY
    if published is not None:
        submitted = published - rng.uniform(1, 10) * DAY
    elif state == ChallengeState.pending_review or (state != ChallengeState.open and rng.random() < 0.3):
        submitted = now - rng.uniform(1, 20) * DAY
        if state == ChallengeState.draft:
            note = CHANGES_NOTE  # sent back with changes requested
    created = (submitted or now - rng.uniform(0, 10) * DAY) - rng.uniform(0, 20) * DAY
    if state == ChallengeState.cancelled and cancelled is None:
        cancelled = _between(rng, submitted or created, now)
    if state in {ChallengeState.closed, ChallengeState.awarded}:
        closed = deadline + timedelta(minutes=rng.randint(1, 30))
    if state == ChallengeState.awarded:
        awarded = min(closed + rng.uniform(20, 60) * DAY, now)
    currency = rng.choice([None, Currency.JPY, Currency.JPY, Currency.KRW, Currency.USD])
    budget = {None: None, Currency.JPY: rng.randrange(1, 100) * 1_000_000,
              Currency.KRW: rng.randrange(10, 200) * 10_000_000, Currency.USD: rng.randrange(5, 500) * 1_000}[currency]
    organization_id, author_id = poster
    return dict(program=program, state=state, organization_id=organization_id, created_by_id=author_id,
                title=writer.title(program), summary=writer.paragraph(rng.randint(1, 2)),
                description=writer.description(), confidential=writer.confidential(code),
                language=LANGUAGE_CODES[language], trl=rng.choice([None, *range(1, 10)]), budget_minor=budget,
                currency=currency, deadline=deadline, blind_review=rng.random() < 0.2, review_note=note,
                created_at=created, updated_at=cancelled or awarded or closed or published or submitted or created,
                submitted_at=submitted, published_at=published, closed_at=closed, awarded_at=awarded,
                cancelled_at=cancelled)


def _challenge_audit(row: dict, challenge_id: int, staff: list[int], rng: Random) -> list[dict]:
    """What the challenge services would have logged on the way to the call's state."""
    author, events = row["created_by_id"], []

    def log(actor, at, before, after, **details):
        events.append(_audit(actor, f"challenge.{after.value}", "challenges", challenge_id, at, before, after,
                             **details))

    events.append(_audit(author, "challenge.created", "challenges", challenge_id, row["created_at"],
                         to_state=ChallengeState.draft, program=row["program"].value))
    state = ChallengeState.draft
    if row["submitted_at"] is not None:
        log(author, row["submitted_at"], state, ChallengeState.pending_review)
        state = ChallengeState.pending_review
        if row["review_note"]:
            log(rng.choice(staff), row["submitted_at"] + DAY, state, ChallengeState.draft, note=row["review_note"])
            state = ChallengeState.draft
    if row["published_at"] is not None:
        log(rng.choice(staff), row["published_at"], state, ChallengeState.open)
        state = ChallengeState.open
    if row["closed_at"] is not None:
        log(None, row["closed_at"], state, ChallengeState.closed)
        state = ChallengeState.closed
    if row["awarded_at"] is not None:
        log(rng.choice(staff), row["awarded_at"], state, ChallengeState.awarded)
    if row["cancelled_at"] is not None:
        log(author, row["cancelled_at"], state, ChallengeState.cancelled, reason=CANCEL_REASON)
    return events


TRANSLATED_SHARE = 0.3  # calls with a translation, into one of the two other languages


def _translation_row(rng: Random, now, challenge_id: int, row: dict, lead_field: Field) -> dict | None:
    """A translation of some calls: the same kind of text in another language, as a reviewed one would read."""
    if rng.random() >= TRANSLATED_SHARE:
        return None
    language = rng.choice([code for code in (EN, JA, KO) if LANGUAGE_CODES[code] != row["language"]])
    writer = _Writer(rng, language, lead_field)
    text = dict(title=writer.title(row["program"]), summary=writer.paragraph(rng.randint(1, 2)),
                description=writer.description(), confidential=writer.confidential("KK-translated"))
    machine_draft = rng.random() < 0.5
    criteria = [str(name) for name, _ in DEFAULT_RUBRIC]
    return dict(text, challenge_id=challenge_id, language=LANGUAGE_CODES[language], machine_draft=machine_draft,
                written_by_id=row["created_by_id"], reviewed_by_id=row["created_by_id"] if machine_draft else None,
                source_digest=digest(row["title"], row["summary"], row["description"], row["confidential"],
                                     *criteria),
                created_at=now, updated_at=now)


class _Versions:
    """A call as search_term_rows reads it: its original, and its translation if it has one."""

    def __init__(self, row: dict, translation: dict | None):
        self.versions = [SimpleNamespace(**row), *([SimpleNamespace(**translation)] if translation else [])]

    def search_versions(self) -> list:
        return self.versions


@dataclass
class _Call:
    """What proposals, reviews and questions need to know of a call."""

    id: int
    state: ChallengeState
    program: Program
    organization_id: int
    members: list[int]  # the posting organisation's people (empty for the institutions' cohort calls)
    language: str
    blind: bool
    published_at: object
    deadline: object
    closed_at: object
    awarded_at: object
    cancelled_at: object
    criteria: list[int]
    weights: list[int]  # of the criteria, in the same order
    lead_field: Field = Field.ai_drug_discovery

    @property
    def takes_proposals(self) -> bool:
        return self.published_at is not None

    @property
    def company_call(self) -> bool:
        return self.program.company_chooses and bool(self.members)


def _existing_calls() -> list[_Call]:
    """Published calls already in the database: what `--challenges 0 --proposals M` answers."""
    rows = db.session.execute(select(
        Challenge.id, Challenge.state, Challenge.program, Challenge.organization_id, Challenge.language,
        Challenge.blind_review, Challenge.published_at, Challenge.deadline, Challenge.closed_at,
        Challenge.awarded_at, Challenge.cancelled_at).where(Challenge.published_at.is_not(None))
        .order_by(Challenge.id)).all()
    criteria: dict[int, list[int]] = {}
    weights: dict[int, list[int]] = {}
    for challenge_id, criterion_id, weight in db.session.execute(
            select(RubricCriterion.challenge_id, RubricCriterion.id, RubricCriterion.weight)
            .order_by(RubricCriterion.position)):
        criteria.setdefault(challenge_id, []).append(criterion_id)
        weights.setdefault(challenge_id, []).append(weight)
    members: dict[int, list[int]] = {}
    for organization_id, user_id in db.session.execute(
            select(User.organization_id, User.id).join(User.organization)
            .where(Organization.kind != OrganizationKind.institution, User.active.is_(True)).order_by(User.id)):
        members.setdefault(organization_id, []).append(user_id)
    moment = as_utc
    return [_Call(id=row.id, state=ChallengeState(row.state), program=Program(row.program),
                  organization_id=row.organization_id, members=members.get(row.organization_id, []),
                  language=row.language, blind=row.blind_review, published_at=moment(row.published_at),
                  deadline=moment(row.deadline), closed_at=moment(row.closed_at), awarded_at=moment(row.awarded_at),
                  cancelled_at=moment(row.cancelled_at), criteria=criteria.get(row.id, []),
                  weights=weights.get(row.id, []))
            for row in rows if ChallengeState(row.state) in PROPOSAL_STATES]


# -- the whole batch ------------------------------------------------------------------------------------

def generate(*, challenges: int, proposals: int, seed: int | None = None, advance=lambda steps: None) -> BenchSummary:
    """Add a batch: organisations and people, calls in every state with their search terms, proposals
    with reviews, joint decisions, questions, translations and audit rows. Flushes, never commits.

    `advance(n)` is called as challenges and proposals are written, for a progress bar.
    """
    return _Batch(seed).generate(challenges, proposals, advance)


class _Batch:
    def __init__(self, seed: int | None):
        self.rng = Random(seed)
        # Translations draw from a generator of their own: the calls themselves stay those of the seed.
        self.translation_rng = Random(f"translations-{seed}" if seed is not None else None)
        self.now = utcnow()
        self.batch = secrets.token_hex(4)
        self.password_hash = hash_password(BENCH_PASSWORD)  # once: argon2 is slow on purpose
        self.audit_count = 0
        self.conflicted: dict[int, set[int]] = {}  # venture id -> staff who declared a conflict with it

    def audit(self, rows: list[dict]) -> None:
        self.audit_count += _load(AuditEvent, rows)

    def generate(self, challenges: int, proposals: int, advance) -> BenchSummary:
        rng, now = self.rng, self.now
        self.staff = _staff(rng, self.batch, now, max(2, min(30, proposals // 4000 + 2)), self.password_hash)
        self.all_staff = self.staff[Institution.ipark] + self.staff[Institution.mss]
        posters = []
        if challenges:
            posters = _organizations(rng, self.batch, now, _poster_specs(rng, max(10, challenges // 50)),
                                     self.password_hash, member_share=0.6)
        calls, translations, terms = self._challenges(challenges, posters, advance)
        if proposals and not calls:  # proposals alone: answer the calls already there
            calls = _existing_calls()
        calls = [call for call in calls if call.takes_proposals]
        if proposals and not calls:
            raise ValueError("There is no published challenge to propose to: add --challenges.")
        counts = self._proposal_counts(calls, proposals)
        venture_count = max(10, proposals // 20, -(-max(counts, default=0) * 5 // 4))
        ventures = _organizations(rng, self.batch, now, _venture_specs(rng, venture_count), self.password_hash,
                                  member_share=0.3) if proposals else []
        self._advance_conflicts(ventures)
        made, reviews, decisions = self._proposals(calls, counts, ventures, advance)
        questions = self._questions(calls, ventures) if ventures else 0
        db.session.flush()
        return BenchSummary(batch=self.batch, posters=len(posters), ventures=len(ventures),
                            staff=len(self.all_staff), challenges=challenges, translations=translations,
                            search_terms=terms, proposals=made, reviews=reviews, decisions=decisions,
                            questions=questions, audit_events=self.audit_count)

    # -- calls ----------------------------------------------------------------------------------------

    def _challenges(self, count: int, posters: list[dict], advance) -> tuple[list[_Call], int, int]:
        rng, now = self.rng, self.now
        cohort_posters = [(self.staff["organizations"][institution], self.staff[institution])
                          for institution in (Institution.ipark, Institution.mss)]
        calls, translation_count, term_count = [], 0, 0
        remaining, serial = count, itertools.count(1)
        while remaining > 0:
            rows, fields, lead_fields, members = [], [], [], []
            for _ in range(min(CHUNK, remaining)):
                program = _weighted(rng, PROGRAM_SHARE)
                lead_field = _weighted(rng, FIELD_SHARE)
                lead_fields.append(lead_field)
                if program == Program.startup_support:
                    organization_id, staff = rng.choice(cohort_posters)
                    poster, people = (organization_id, rng.choice(staff)), staff
                else:
                    organization = rng.choice(posters)
                    poster, people = (organization["id"], rng.choice(organization["members"])), organization["members"]
                members.append(people)
                number = next(serial)
                # The first calls of a batch take each state in turn: even a small batch has them all.
                state = list(STATE_SHARE)[number - 1] if number <= len(STATE_SHARE) else None
                rows.append(_challenge_row(rng, now, program, poster, _weighted(rng, LANGUAGE_SHARE), lead_field,
                                           code=f"KK-{self.batch}-{number}", state=state))
                fields.append({lead_field, *rng.sample(list(Field), rng.randint(0, 2))})
            ids = _insert_returning_ids(Challenge, rows)
            _load(ChallengeField, [{"challenge_id": cid, "field": f} for cid, fs in zip(ids, fields, strict=True)
                                   for f in fs])
            _load(ChallengeFundingSource, [
                {"challenge_id": cid, "source": source} for cid, row in zip(ids, rows, strict=True)
                for source in ([FundingSource.ipark_in_kind, FundingSource.mss_commercialization]
                               if row["program"] == Program.startup_support
                               else [FundingSource.company_award,
                                     FundingSource.mss_rnd if row["program"] == Program.joint_rnd
                                     else FundingSource.mss_commercialization])])
            _load(NdaVersion, [{"challenge_id": cid, "number": 1, "language": row["language"], "is_original": True,
                                "body": "Standard mutual NDA (bench data).", "created_at": row["created_at"],
                                "written_by_id": None, "machine_draft": False, "source_digest": None}
                               for cid, row in zip(ids, rows, strict=True)])
            criterion_ids = _insert_returning_ids(RubricCriterion, [
                {"challenge_id": cid, "position": n, "name": str(name), "weight": weight}
                for cid in ids for n, (name, weight) in enumerate(DEFAULT_RUBRIC, start=1)])
            per_call = len(DEFAULT_RUBRIC)
            translations = [_translation_row(self.translation_rng, now, cid, row, lead_field)
                            for cid, row, lead_field in zip(ids, rows, lead_fields, strict=True)]
            translation_count += _load(ChallengeTranslation, [translation for translation in translations
                                                              if translation])
            terms = [term for cid, row, translation in zip(ids, rows, translations, strict=True)
                     for term in search_term_rows(cid, _Versions(row, translation))]
            term_count += _load(ChallengeSearchTerm, terms)
            events = []
            for n, (cid, row, translation) in enumerate(zip(ids, rows, translations, strict=True)):
                events += _challenge_audit(row, cid, self.all_staff, rng)
                if translation:
                    events.append(_audit(translation["written_by_id"], "challenge.translated", "challenges", cid,
                                         row["submitted_at"] or row["created_at"], language=translation["language"],
                                         machine_draft=translation["machine_draft"]))
                calls.append(_Call(
                    id=cid, state=row["state"], program=row["program"], organization_id=row["organization_id"],
                    members=members[n], language=row["language"], blind=row["blind_review"],
                    published_at=row["published_at"], deadline=row["deadline"], closed_at=row["closed_at"],
                    awarded_at=row["awarded_at"], cancelled_at=row["cancelled_at"],
                    criteria=criterion_ids[n * per_call:(n + 1) * per_call],
                    weights=[weight for _, weight in DEFAULT_RUBRIC], lead_field=lead_fields[n]))
            self.audit(events)
            remaining -= len(rows)
            advance(len(rows))
        return calls, translation_count, term_count

    def _proposal_counts(self, calls: list[_Call], total: int) -> list[int]:
        """How many proposals each call gets: one large call (a company's, closed, so that its ranking has
        every state), the others by popularity rank with a random spread; open calls are still collecting."""
        if not calls or not total:
            return [0] * len(calls)
        rng = self.rng
        order = list(range(len(calls)))
        rng.shuffle(order)
        largest = next((n for n in order if calls[n].state == ChallengeState.closed and calls[n].company_call),
                       order[0])
        order.remove(largest)
        weights = [0.0] * len(calls)
        for rank, n in enumerate(order, start=2):
            spread = rng.lognormvariate(0, 0.4) * CALL_STATE_DRAW.get(calls[n].state, 1)
            weights[n] = rank ** -POPULARITY_EXPONENT * spread
        share = LARGEST_SHARE * sum(weights) / (1 - LARGEST_SHARE)
        if share >= 1.3 * 2 ** -POPULARITY_EXPONENT:  # a large batch: the others stay well below it
            weights = [min(weight, 0.55 * share) for weight in weights]
            share = LARGEST_SHARE * sum(weights) / (1 - LARGEST_SHARE)
        weights[largest] = max(share, 1.3 * max(weights), 1e-9)  # a small one: it still stands out
        scale = total / sum(weights)
        counts = [int(weight * scale) for weight in weights]
        for n in sorted(range(len(calls)), key=lambda n: weights[n] * scale - counts[n], reverse=True):
            if sum(counts) >= total:
                break
            counts[n] += 1  # the largest remainders first, to make the total
        return counts

    def _advance_conflicts(self, ventures: list[dict]) -> None:
        """A few conflicts declared ahead of any review: staff naming a venture (one of them since withdrawn
        by a colleague), and one naming a person by address."""
        if not ventures:
            return
        rng, now = self.rng, self.now
        rows = []
        for how in ("venture", "withdrawn", "address"):
            declarer, venture = rng.choice(self.all_staff), rng.choice(ventures)
            withdrawn = how == "withdrawn"
            rows.append(dict(user_id=declarer, organization_id=None if how == "address" else venture["id"],
                             person_id=None, email=self._email_of(venture["owner"]) if how == "address" else None,
                             proposal_id=None, identity_hidden=False, reason=CONFLICT_REASON,
                             created_at=now - 200 * DAY, withdrawn_at=now - 100 * DAY if withdrawn else None,
                             withdrawn_by_id=next(user for user in self.all_staff if user != declarer)
                             if withdrawn else None,
                             withdrawal_reason="Declared in error." if withdrawn else None))
            if not withdrawn:
                self.conflicted.setdefault(venture["id"], set()).add(declarer)
        ids = _insert_returning_ids(Conflict, rows)
        events = []
        for conflict_id, row in zip(ids, rows, strict=True):
            events.append(_audit(row["user_id"], "conflict.declared", "review_conflicts", conflict_id,
                                 row["created_at"], organization_id=row["organization_id"], email=row["email"]))
            if row["withdrawn_at"]:
                events.append(_audit(row["withdrawn_by_id"], "conflict.withdrawn", "review_conflicts", conflict_id,
                                     row["withdrawn_at"], declarer_id=row["user_id"], reason=row["withdrawal_reason"]))
        self.audit(events)

    def _email_of(self, user_id: int) -> str:
        return db.session.scalar(select(User.email).where(User.id == user_id))

    # -- proposals and what follows them --------------------------------------------------------------

    def _proposals(self, calls: list[_Call], counts: list[int], ventures: list[dict], advance) -> tuple[int, int, int]:
        rng = self.rng
        texts = _ProposalTexts(Random(rng.random()))
        planned = []
        for call, count in zip(calls, counts, strict=True):
            for venture in rng.sample(ventures, min(count, len(ventures))):
                planned.append((call, venture))
        rng.shuffle(planned)  # chunks mix calls, as time does
        made = reviews = decisions = 0
        for start in range(0, len(planned), PROPOSAL_CHUNK):
            chunk = planned[start:start + PROPOSAL_CHUNK]
            plans = [_ProposalPlan(rng, self.now, call, venture, texts) for call, venture in chunk]
            ids = _insert_returning_ids(Proposal, [plan.row for plan in plans])
            for plan, proposal_id in zip(plans, ids, strict=True):
                plan.id = proposal_id
            reviews += self._reviews(plans)
            decisions += self._decisions(plans)
            self._proposal_translations(plans, texts)
            self.audit([event for plan in plans for event in plan.own_events()])
            made += len(plans)
            advance(len(plans))
        return made, reviews, decisions

    def _pick(self, institution: Institution, venture_id: int) -> int | None:
        """A member of ``institution``'s staff without a conflict with the venture (None if all have one)."""
        conflicted = self.conflicted.get(venture_id, set())
        candidates = [user for user in self.staff[institution] if user not in conflicted]
        return self.rng.choice(candidates) if candidates else None

    def _signer(self, institution: Institution, venture_id: int) -> int:
        """Who signed for ``institution``: someone without a conflict, as can_sign demands, unless every
        one of its (few, in a small batch) staff has one: then the decision predates the conflict."""
        return self._pick(institution, venture_id) or self.rng.choice(self.staff[institution])

    def _reviews(self, plans: list["_ProposalPlan"]) -> int:
        """Reviews as the services leave them: assigned, begun (no conflict, some scores), submitted, or
        answered with a declared conflict, which then hides the venture from that reviewer."""
        rng = self.rng
        rows, meta = [], []  # meta: (plan, status, assigner, time)
        for plan in plans:
            how_many, statuses = plan.review_plan()
            if not how_many:
                continue
            reviewers = []
            for institution in (Institution.ipark, Institution.mss)[:how_many]:
                reviewer = self._pick(institution, plan.venture["id"])
                if reviewer is not None:
                    reviewers.append(reviewer)
            if plan.company_reviews and plan.call.members:
                reviewers.append(rng.choice(plan.call.members))
            for reviewer in reviewers:
                status = _weighted(rng, statuses)
                if status == "conflict" and reviewer not in self.all_staff:
                    status = "assigned"
                assigned = _between(rng, plan.submitted_at, plan.review_until)
                answered = _between(rng, assigned, plan.review_until)
                submitted = _between(rng, answered, plan.review_until)
                rows.append(dict(
                    proposal_id=plan.id, reviewer_id=reviewer, assigned_by_id=rng.choice(self.all_staff),
                    assigned_at=assigned,
                    no_conflict_at=answered if status in {"begun", "submitted"} else None,
                    conflict_declared_at=answered if status == "conflict" else None,
                    comment=rng.choice(REVIEW_COMMENTS[plan.reviewer_institution(reviewer, self.staff)])
                    if status in {"begun", "submitted"} else "",
                    recommendation=plan.recommendation(rng) if status == "submitted"
                    or (status == "begun" and rng.random() < 0.3) else None,
                    submitted_at=submitted if status == "submitted" else None,
                    updated_at=submitted if status == "submitted" else answered))
                meta.append((plan, status))
                if status == "conflict":
                    self.conflicted.setdefault(plan.venture["id"], set()).add(reviewer)
        # The scores, drawn before the rows go in: a submitted review stores its weighted mean, as
        # save_review does (the draws come in the same order as when they were drawn after the insert).
        scores_given = []
        for row, (plan, status) in zip(rows, meta, strict=True):
            given = {}
            if status in {"begun", "submitted"}:
                scored = plan.call.criteria if status == "submitted" else \
                    plan.call.criteria[:rng.randint(0, len(plan.call.criteria) - 1)]
                given = {criterion: plan.score(rng) for criterion in scored}
            scores_given.append(given)
            row["weighted_score"] = Review.mean_of(zip(given.values(), plan.call.weights, strict=True)) \
                if status == "submitted" and given else None
        ids = _insert_returning_ids(Review, rows)
        scores, events, conflicts = [], [], []
        for review_id, row, (plan, status), given in zip(ids, rows, meta, scores_given, strict=True):
            events.append(_audit(row["assigned_by_id"], "review.assigned", "reviews", review_id, row["assigned_at"],
                                 proposal_id=plan.id, reviewer_id=row["reviewer_id"]))
            if status in {"begun", "submitted"}:
                events.append(_audit(row["reviewer_id"], "review.no_conflict", "reviews", review_id,
                                     row["no_conflict_at"], proposal_id=plan.id))
                scores += [dict(review_id=review_id, criterion_id=criterion, score=score, comment="")
                           for criterion, score in given.items()]
                verb = "review.submitted" if status == "submitted" else "review.saved"
                events.append(_audit(row["reviewer_id"], verb, "reviews", review_id, row["updated_at"],
                                     proposal_id=plan.id,
                                     scores={str(criterion): score for criterion, score in given.items()},
                                     recommendation=row["recommendation"].value if row["recommendation"] else None))
            elif status == "conflict":
                conflicts.append(dict(user_id=row["reviewer_id"], organization_id=plan.venture["id"], person_id=None,
                                      email=None, proposal_id=plan.id, identity_hidden=plan.call.blind,
                                      reason=CONFLICT_REASON, created_at=row["conflict_declared_at"],
                                      withdrawn_at=None, withdrawn_by_id=None, withdrawal_reason=None))
                events.append(_audit(row["reviewer_id"], "review.conflict_declared", "reviews", review_id,
                                     row["conflict_declared_at"], proposal_id=plan.id))
        _load(ReviewScore, scores)
        for conflict_id, conflict in zip(_insert_returning_ids(Conflict, conflicts), conflicts, strict=True):
            events.append(_audit(conflict["user_id"], "conflict.declared", "review_conflicts", conflict_id,
                                 conflict["created_at"], proposal_id=conflict["proposal_id"]))
        self.audit(events)
        return len(rows)

    def _decisions(self, plans: list["_ProposalPlan"]) -> int:
        """The joint decisions behind each proposal's state, and some still open (requested, or signed by
        one side), rejected by an institution, or lapsed when the venture withdrew."""
        rng = self.rng
        rows, meta = [], []
        for plan in plans:
            venture = plan.venture["id"]
            for decision in plan.decision_plan(rng):
                ipark, mss = self._signer(Institution.ipark, venture), self._signer(Institution.mss, venture)
                requester = rng.choice([ipark, mss])
                kind, action, at = decision["kind"], decision["action"], decision["at"]
                requested = at - rng.uniform(1, 10) * DAY
                if kind == "approved" and rng.random() < 0.5:
                    first, second = (ipark, "ipark"), (mss, "mss")
                else:
                    first, second = (mss, "mss"), (ipark, "ipark")
                row = dict(subject_type="proposals", subject_id=plan.id, action=action, created_at=requested,
                           requested_by_id=requester, note=decision.get("note"),
                           ipark_signed_by_id=None, ipark_signed_at=None, mss_signed_by_id=None, mss_signed_at=None,
                           rejected_by_id=None, rejected_at=None, rejection_reason=None, decided_at=None,
                           state=DecisionState.pending)
                signatures = []
                if kind == "approved":
                    signatures = [(first, _between(rng, requested, at)), (second, at)]
                    row.update(state=DecisionState.approved, decided_at=at)
                elif kind in {"ipark", "mss"}:
                    signatures = [((ipark if kind == "ipark" else mss, kind), at)]
                elif kind == "rejected":
                    rejecter = requester if rng.random() < 0.2 else mss
                    row.update(state=DecisionState.rejected, rejected_by_id=rejecter, rejected_at=at,
                               decided_at=at, rejection_reason=REJECTION_REASON)
                elif kind == "withdrawn":
                    row.update(state=DecisionState.rejected, rejected_by_id=plan.venture["owner"], rejected_at=at,
                               decided_at=at, rejection_reason=WITHDRAWAL_REASON)
                for (signer, side), signed_at in signatures:
                    row[f"{side}_signed_by_id"], row[f"{side}_signed_at"] = signer, signed_at
                rows.append(row)
                meta.append((plan, decision, signatures))
        ids = _insert_returning_ids(JointDecision, rows)
        events = []
        for decision_id, row, (plan, decision, signatures) in zip(ids, rows, meta, strict=True):
            action = row["action"]
            events.append(_audit(row["requested_by_id"], "decision.requested", "joint_decisions", decision_id,
                                 row["created_at"], to_state=DecisionState.pending, action=action,
                                 subject_type="proposals", subject_id=plan.id))
            for (signer, side), signed_at in signatures:
                events.append(_audit(signer, "decision.signed", "joint_decisions", decision_id, signed_at,
                                     institution=side, action=action))
            if row["state"] == DecisionState.approved:
                signer = signatures[-1][0][0]
                events.append(_audit(signer, "decision.approved", "joint_decisions", decision_id, row["decided_at"],
                                     DecisionState.pending, DecisionState.approved, action=action))
                events.append(_audit(signer, f"proposal.{decision['target']}", "proposals", plan.id,
                                     row["decided_at"], decision["from"], decision["target"], decision_id=decision_id))
            elif row["state"] == DecisionState.rejected:
                verb = "decision.withdrawn" if row["rejection_reason"] == WITHDRAWAL_REASON else "decision.rejected"
                events.append(_audit(row["rejected_by_id"], verb, "joint_decisions", decision_id, row["decided_at"],
                                     DecisionState.pending, DecisionState.rejected, action=action,
                                     reason=row["rejection_reason"]))
        self.audit(events)
        return len(rows)

    def _proposal_translations(self, plans: list["_ProposalPlan"], texts: "_ProposalTexts") -> None:
        """A translation for some proposals, into the language the posting company reads (or English)."""
        rng, rows, events = self.rng, [], []
        for plan in plans:
            if plan.state == ProposalState.draft or rng.random() >= 0.08:
                continue
            language = next(code for code in ("ja", "en", "ko") if code != plan.row["language"])
            text = texts.translation(language)
            row = dict(proposal_id=plan.id, language=language, title=text["title"], summary=text["summary"],
                       approach=text["approach"], team=text["team"], answers={},
                       written_by_id=plan.row["created_by_id"],
                       machine_draft=rng.random() < 0.4,
                       source_digest=proposal_source_digest(SimpleNamespace(answers=[], **{
                           name: plan.row[name] for name in ("title", "summary", "approach", "team")})),
                       created_at=plan.submitted_at or plan.row["created_at"], updated_at=plan.row["updated_at"])
            rows.append(row)
            events.append(_audit(row["written_by_id"], "proposal.translated", "proposals", plan.id, row["created_at"],
                                 language=language, created=True, machine_draft=row["machine_draft"]))
        _load(ProposalTranslation, rows)
        self.audit(events)

    def _questions(self, calls: list[_Call], ventures: list[dict]) -> int:
        """Clarification questions from ventures, most answered by the poster once the call has moved on."""
        rng, rows = self.rng, []
        for call in calls:
            if not call.members:
                continue
            language = {"en": EN, "ja": JA, "ko": KO}[call.language]
            writer = _Writer(rng, language, call.lead_field)
            end = min(call.cancelled_at or call.deadline, self.now)
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4])):
                asked = _between(rng, call.published_at, end)
                answered = call.state != ChallengeState.open or rng.random() < 0.6
                answered_at = _between(rng, asked, min(asked + 7 * DAY, self.now)) if answered else None
                rows.append(dict(challenge_id=call.id, asked_by_id=rng.choice(ventures)["owner"],
                                 body=writer._fill(rng.choice(QUESTION_TEMPLATES[language])), asked_at=asked,
                                 answer=writer._fill(ANSWERS[language]) if answered else None,
                                 answered_by_id=rng.choice(call.members) if answered else None,
                                 answered_at=answered_at))
        ids = _insert_returning_ids(ClarificationQuestion, rows)
        events = []
        for question_id, row in zip(ids, rows, strict=True):
            events.append(_audit(row["asked_by_id"], "challenge.question_asked", "challenges", row["challenge_id"],
                                 row["asked_at"], question_id=question_id))
            if row["answered_at"]:
                events.append(_audit(row["answered_by_id"], "challenge.question_answered", "challenges",
                                     row["challenge_id"], row["answered_at"], question_id=question_id))
        self.audit(events)
        return len(rows)


class _ProposalTexts:
    """Pools of proposal text per language, drawn from for each proposal (writing each one afresh would
    cost more than everything else a proposal needs)."""

    def __init__(self, rng: Random, size: int = 300):
        self.rng = rng
        self.pools = {}
        for language in (EN, JA, KO):
            writers = [_Writer(rng, language, field) for field in TECHNOLOGIES]
            opening = PROPOSAL_OPENINGS[language]
            self.pools[LANGUAGE_CODES[language]] = {
                "title": [rng.choice(writers).title(Program.open_innovation) for _ in range(size)],
                "summary": [rng.choice(writers).paragraph(2) for _ in range(size)],
                "approach": [f"{rng.choice(opening)}\n\n{rng.choice(writers).paragraph(3)}" for _ in range(size // 2)],
                "team": [TEAM_TEXT[language].format(year=rng.randint(2012, 2024), people=people,
                                                    phds=rng.randint(1, min(12, people)))
                         for people in (rng.randint(4, 60) for _ in range(20))],
            }

    def text(self, language: str) -> dict:
        pool = self.pools[language]
        return {name: self.rng.choice(items) for name, items in pool.items()}

    def translation(self, language: str) -> dict:
        return self.text(language)


class _ProposalPlan:
    """One proposal's life, drawn to fit its call: its state and moments, the reviews and the decisions
    that led there, and the audit rows of the venture's own steps."""

    REVIEWED = {ProposalState.revision_requested, ProposalState.shortlisted, ProposalState.selected,
                ProposalState.declined}

    def __init__(self, rng: Random, now, call: _Call, venture: dict, texts: _ProposalTexts):
        self.call, self.venture, self.id = call, venture, None
        state = self.state = _weighted(rng, PROPOSAL_STATES[call.state])
        end = min(call.cancelled_at or call.deadline, now)
        created = _between(rng, call.published_at, end - DAY * rng.random())
        submitted = None
        if state not in {ProposalState.draft, ProposalState.withdrawn} or rng.random() < 0.6:
            submitted = _between(rng, created, end)
        # Decisions come after the deadline; in an open call (or for a revision), some days after submission.
        decided_from = call.closed_at or (submitted or created)
        decided_until = min(call.awarded_at or now, decided_from + 45 * DAY, now)
        shortlisted = decided = withdrawn = None
        self.was_shortlisted = state in {ProposalState.shortlisted, ProposalState.selected} or (
            state == ProposalState.declined and call.state != ChallengeState.open and rng.random() < 0.3)
        if self.was_shortlisted:
            shortlisted = _between(rng, decided_from, decided_until - (decided_until - decided_from) / 2)
        if state in {ProposalState.selected, ProposalState.declined}:
            decided = _between(rng, shortlisted or decided_from, decided_until)
        if state == ProposalState.withdrawn:
            withdrawn = _between(rng, submitted or created, end)
        revised = _between(rng, decided_from, decided_until) if state == ProposalState.revision_requested else None
        chosen_by = chosen_at = None
        if call.company_call and state in {ProposalState.selected, ProposalState.shortlisted} and (
                state == ProposalState.selected or rng.random() < 0.4):
            chosen_by = rng.choice(call.members)
            chosen_at = _between(rng, shortlisted, decided or decided_until)
        self.submitted_at, self.shortlisted_at, self.decided_at = submitted, shortlisted, decided
        self.revised_at, self.withdrawn_at, self.chosen_at, self.chosen_by = revised, withdrawn, chosen_at, chosen_by
        self.review_until = shortlisted or decided or revised or (
            min(decided_until, now) if submitted else None)
        self.rng_quality = rng.random()  # how good it is: scores and recommendations follow
        language = LANGUAGE_CODES[_weighted(rng, PROPOSAL_LANGUAGE_SHARE)]
        text = texts.text(language)
        currency = rng.choice([None, Currency.KRW, Currency.JPY])
        updated = max(moment for moment in (created, submitted, shortlisted, decided, withdrawn, revised, chosen_at)
                      if moment is not None)
        self.row = dict(
            challenge_id=call.id, organization_id=venture["id"], created_by_id=venture["owner"], state=state,
            title=text["title"], summary=text["summary"] if submitted or rng.random() < 0.5 else "",
            approach=text["approach"] if submitted else "", team=text["team"] if submitted else "",
            language=language, trl=rng.choice([None, *range(2, 8)]),
            budget_minor=None if currency is None else rng.randrange(5, 300) * (
                10_000_000 if currency == Currency.KRW else 1_000_000),
            currency=currency, created_at=created, updated_at=updated, submitted_at=submitted,
            shortlisted_at=shortlisted, decided_at=decided, withdrawn_at=withdrawn,
            revision_note=REVISION_NOTE if revised else None,
            decision_reason=DECLINE_REASON if state == ProposalState.declined else None,
            company_chosen_at=chosen_at, company_chosen_by_id=chosen_by)
        self.company_reviews = call.company_call and self.was_shortlisted

    # reviews ---------------------------------------------------------------------------------------

    def review_plan(self) -> tuple[int, dict]:
        """How many staff reviews (one per institution) and how far each has got."""
        if self.submitted_at is None or self.review_until is None:
            return 0, {}
        if self.state in self.REVIEWED:
            return 2, REVIEWS_DECIDED
        if self.state == ProposalState.submitted and self.call.state != ChallengeState.open:
            return 2, REVIEWS_AFTER_DEADLINE
        if self.state == ProposalState.submitted and self.rng_quality < 0.25:
            return 1, REVIEWS_BEFORE_DEADLINE
        return 0, {}

    @staticmethod
    def reviewer_institution(reviewer: int, staff: dict) -> Institution | None:
        if reviewer in staff[Institution.ipark]:
            return Institution.ipark
        return Institution.mss if reviewer in staff[Institution.mss] else None

    def score(self, rng: Random) -> int:
        base = 1 + 4 * self.rng_quality + (0.8 if self.was_shortlisted else 0)
        return max(1, min(5, round(base + rng.uniform(-1.2, 1.2))))

    def recommendation(self, rng: Random) -> Recommendation:
        level = self.rng_quality + (0.3 if self.was_shortlisted else 0) + rng.uniform(-0.2, 0.2)
        return (Recommendation.strongly_support if level > 0.95 else Recommendation.support if level > 0.6
                else Recommendation.neutral if level > 0.35 else Recommendation.oppose)

    # decisions -------------------------------------------------------------------------------------

    def decision_plan(self, rng: Random) -> list[dict]:
        """Each: kind (approved, requested, ipark or mss signed, rejected, withdrawn), action, moment."""
        plans, state = [], self.state
        if self.submitted_at is None:
            return plans
        before = self.shortlisted_at or self.decided_at or self.revised_at
        if before is not None and rng.random() < 0.05:  # an earlier proposal that one institution refused
            plans.append(dict(kind="rejected", action="proposal.decline", at=before - rng.uniform(1, 5) * DAY))
        if self.shortlisted_at is not None:
            plans.append(dict(kind="approved", action="proposal.shortlist", at=self.shortlisted_at,
                              target=ProposalState.shortlisted, **{"from": ProposalState.submitted}))
        if state == ProposalState.selected:
            plans.append(dict(kind="approved", action="proposal.select", at=self.decided_at,
                              target=ProposalState.selected, **{"from": ProposalState.shortlisted}))
        elif state == ProposalState.declined:
            previous = ProposalState.shortlisted if self.shortlisted_at else ProposalState.submitted
            plans.append(dict(kind="approved", action="proposal.decline", at=self.decided_at, note=DECLINE_REASON,
                              target=ProposalState.declined, **{"from": previous}))
        elif state == ProposalState.revision_requested:
            plans.append(dict(kind="approved", action="proposal.request_revision", at=self.revised_at,
                              note=REVISION_NOTE, target=ProposalState.revision_requested,
                              **{"from": ProposalState.submitted}))
        elif state == ProposalState.withdrawn and rng.random() < 0.25:
            plans.append(dict(kind="withdrawn", action="proposal.shortlist", at=self.withdrawn_at))
        elif self.call.state != ChallengeState.cancelled and (
                (state == ProposalState.submitted and self.call.state != ChallengeState.open and rng.random() < 0.2)
                or (state == ProposalState.shortlisted and (self.chosen_at or not self.call.company_call)
                    and rng.random() < 0.3)):
            action = "proposal.select" if state == ProposalState.shortlisted else rng.choice(
                ["proposal.shortlist", "proposal.decline"])
            at = max(self.chosen_at or self.review_until, self.review_until)
            plans.append(dict(kind=rng.choice(["requested", "ipark", "mss"]), action=action, at=at,
                              note=DECLINE_REASON if action == "proposal.decline" else None))
        return plans

    def own_events(self) -> list[dict]:
        """The venture's (and the company's) own steps, as app.proposals.services logs them."""
        row, events = self.row, []
        owner = row["created_by_id"]
        events.append(_audit(owner, "proposal.started", "proposals", self.id, row["created_at"],
                             to_state=ProposalState.draft, challenge_id=self.call.id, language=row["language"]))
        if self.submitted_at is not None:
            events.append(_audit(owner, "proposal.submitted", "proposals", self.id, self.submitted_at,
                                 ProposalState.draft, ProposalState.submitted))
        if self.withdrawn_at is not None:
            events.append(_audit(owner, "proposal.withdrawn", "proposals", self.id, self.withdrawn_at,
                                 ProposalState.submitted if self.submitted_at else ProposalState.draft,
                                 ProposalState.withdrawn))
        if self.chosen_at is not None:
            events.append(_audit(self.chosen_by, "proposal.chosen_by_company", "proposals", self.id, self.chosen_at))
        return events


# -- the manifest for the load benchmark ----------------------------------------------------------------

BENCH_EMAILS = "bench-%@bench.test"
MANIFEST_TABLES = (Organization, User, Challenge, ChallengeTranslation, ChallengeSearchTerm, ClarificationQuestion,
                   Proposal, ProposalTranslation, Review, ReviewScore, Conflict, JointDecision, AuditEvent)


def manifest() -> dict:
    """Accounts, calls and row counts for the load benchmark (bench/load.py), read from the database:
    the same whether this run added the data or found it. Every account has the bench password, is
    active and e-mail verified; none has a second factor (``totp`` names those that do).

    Each figure is one plain GROUP BY whose rows are weighed here: right after a bulk load PostgreSQL
    has no statistics yet, and a join over the aggregates took it minutes."""
    def bench_people(*conditions):
        return db.session.execute(select(User.id, User.email, User.organization_id, User.role).join(User.organization)
                                  .where(User.email.like(BENCH_EMAILS), User.active.is_(True),
                                         User.email_verified_at.is_not(None), *conditions)
                                  .order_by(User.id)).all()

    per_venture: dict[int, list] = {}
    for organization_id, state, number in db.session.execute(
            select(Proposal.organization_id, Proposal.state, func.count())
            .group_by(Proposal.organization_id, Proposal.state)):
        per_venture.setdefault(organization_id, []).append((state, number))
    owners = {person.organization_id: person.email
              for person in bench_people(Organization.kind == OrganizationKind.venture, User.role == MemberRole.owner)}

    def venture_rank(organization_id):  # 10 to 30 proposals in the most states; else the most proposals
        total = sum(number for _, number in per_venture[organization_id])
        return (10 <= total <= 30, len(per_venture[organization_id]), total, -organization_id)

    candidates = [organization_id for organization_id in per_venture if organization_id in owners]
    venture = owners[max(candidates, key=venture_rank)] if candidates else None

    posters: dict[int, str] = {}
    for person in bench_people(Organization.kind != OrganizationKind.institution,
                               Organization.kind != OrganizationKind.venture):
        if person.organization_id not in posters or person.role == MemberRole.owner:
            posters[person.organization_id] = person.email
    per_call = dict(db.session.execute(select(Proposal.challenge_id, func.count())
                                       .group_by(Proposal.challenge_id)).all())
    poster_of = dict(db.session.execute(select(Challenge.id, Challenge.organization_id)).all())
    company_calls = [challenge_id for challenge_id in per_call if poster_of[challenge_id] in posters]
    largest = max(company_calls, key=lambda challenge_id: (per_call[challenge_id], -challenge_id), default=None)

    reviews = dict(db.session.execute(select(Review.reviewer_id, func.count()).group_by(Review.reviewer_id)).all())
    staff = {}
    for institution in Institution:
        people = bench_people(Organization.institution == institution)
        busiest = max(people, key=lambda person: (reviews.get(person.id, 0), -person.id), default=None)
        staff[institution] = busiest.email if busiest else None
    page = db.session.scalar(
        select(Challenge.id).where(Challenge.state == ChallengeState.open, Challenge.deadline > utcnow(),
                                   exists().where(ChallengeTranslation.challenge_id == Challenge.id))
        .order_by(Challenge.id).limit(1))
    accounts = {"venture": venture, "company": largest and posters[poster_of[largest]],
                "staff": staff[Institution.ipark], "mss": staff[Institution.mss]}
    totp = dict(db.session.execute(select(User.email, User.totp_secret).where(
        User.email.in_([email for email in accounts.values() if email]), User.totp_secret.is_not(None))).all())
    return {
        "password": BENCH_PASSWORD,
        "accounts": accounts,
        "totp": {role: totp[email] for role, email in accounts.items() if email in totp},
        "challenges": {"largest": largest, "page": page},
        "counts": {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                   for model in MANIFEST_TABLES},
    }
