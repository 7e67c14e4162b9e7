"""Generated data for measuring search: many published challenges in three languages, and proposals.

`flask --app wsgi bench-data --challenges N --proposals M` (app/cli.py) calls `generate`. The text is built from
domain word lists in English, Japanese and Korean, each list drawn with a Zipf-like frequency (the
first entries often, the last ones rarely), so that common words (抗体, 개발, antibody) match
thousands of challenges and rare ones (KRAS G12D, 근감소증) a few, and the CJK bigrams are those
of real sentences. Three calls in ten have a translation into one of the other two languages (text
of the same field, drawn from a generator of its own so that the calls stay those of the seed).
Rows go in with bulk inserts; search terms are computed by the same
`search.search_term_rows` the application uses. Each run adds a new batch (its own e-mail
addresses), so running it twice adds cleanly. Never run it against a production database: the
accounts it makes share one known password.
"""
import bisect
import itertools
import secrets
from dataclasses import dataclass
from datetime import timedelta
from random import Random
from types import SimpleNamespace

from sqlalchemy import insert, select

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
    FundingSource,
    NdaVersion,
    Program,
    RubricCriterion,
)
from app.challenges.search import search_term_rows
from app.challenges.translations import ChallengeTranslation, digest
from app.common.models import Institution
from app.common.money import Currency
from app.common.taxonomy import Field
from app.common.time import utcnow
from app.extensions import db
from app.proposals.models import Proposal, ProposalState

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


@dataclass
class BenchSummary:
    batch: str
    posters: int
    ventures: int
    challenges: int
    translations: int
    search_terms: int
    proposals: int


def _weighted(rng: Random, shares: dict):
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    if not rows:
        return []
    return list(db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows))


def _bulk(model, rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(model.__table__), rows)


def _organizations(rng: Random, batch: str, now, specs: list[dict], password_hash: str) -> list[tuple[int, int]]:
    """Insert organisations with one owner each; returns (organization id, owner id) pairs."""
    ids = _insert_returning_ids(Organization, [
        dict(spec["organization"], verification_state=VerificationState.verified, verified_at=now, created_at=now)
        for spec in specs])
    _bulk(OrganizationField, [{"organization_id": org_id, "field": field}
                              for org_id, spec in zip(ids, specs, strict=True) for field in spec["fields"]])
    owners = _insert_returning_ids(User, [
        dict(email=f"bench-{batch}-{spec['handle']}@bench.test", name=rng.choice(PERSON_NAMES),
             password_hash=password_hash, organization_id=org_id, role=MemberRole.owner,
             locale=spec["locale"], email_verified_at=now, created_at=now, password_changed_at=now)
        for org_id, spec in zip(ids, specs, strict=True)])
    return list(zip(ids, owners, strict=True))


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


def _institution_authors(batch: str, now, password_hash: str) -> dict[int, int]:
    """Cohort calls are posted by the institutions; an inactive author account in each."""
    institutions = ensure_institutions()
    organizations = [institutions[Institution.ipark], institutions[Institution.mss]]
    ids = _insert_returning_ids(User, [
        dict(email=f"bench-{batch}-{org.institution.value}@bench.test", name=f"Bench author ({org.institution.value})",
             password_hash=password_hash, organization_id=org.id, role=MemberRole.member, active=False,
             created_at=now, password_changed_at=now) for org in organizations])
    return {org.id: user_id for org, user_id in zip(organizations, ids, strict=True)}


STATE_SHARE = {ChallengeState.open: 40, ChallengeState.closed: 40, ChallengeState.awarded: 20}
PROGRAM_SHARE = {Program.open_innovation: 50, Program.joint_rnd: 35, Program.startup_support: 15}
LANGUAGE_SHARE = {JA: 45, EN: 35, KO: 20}


def _challenge_row(rng: Random, now, program: Program, poster: tuple[int, int], language: int,
                   lead_field: Field, code: str) -> dict:
    writer = _Writer(rng, language, lead_field)
    state = _weighted(rng, STATE_SHARE)
    day = timedelta(days=1)
    if state == ChallengeState.open:
        # One in a hundred is read past its deadline before the closing job has run.
        deadline = now - rng.uniform(0, 2) * day if rng.random() < 0.01 else now + rng.uniform(1, 120) * day
        published = min(now - rng.uniform(0, 60) * day, deadline - 14 * day)
    else:
        deadline = now - rng.uniform(1 if state == ChallengeState.closed else 60, 900) * day
        published = deadline - rng.uniform(30, 90) * day
    submitted = published - rng.uniform(1, 10) * day
    created = submitted - rng.uniform(0, 20) * day
    closed = deadline + timedelta(minutes=rng.randint(1, 30)) if state != ChallengeState.open else None
    awarded = min(closed + rng.uniform(20, 60) * day, now) if state == ChallengeState.awarded else None
    currency = rng.choice([None, Currency.JPY, Currency.JPY, Currency.KRW, Currency.USD])
    budget = {None: None, Currency.JPY: rng.randrange(1, 100) * 1_000_000,
              Currency.KRW: rng.randrange(10, 200) * 10_000_000, Currency.USD: rng.randrange(5, 500) * 1_000}[currency]
    organization_id, author_id = poster
    return dict(program=program, state=state, organization_id=organization_id, created_by_id=author_id,
                title=writer.title(program), summary=writer.paragraph(rng.randint(1, 2)),
                description=writer.description(), confidential=writer.confidential(code),
                language=LANGUAGE_CODES[language], trl=rng.choice([None, *range(1, 10)]), budget_minor=budget,
                currency=currency, deadline=deadline, blind_review=rng.random() < 0.2, created_at=created,
                updated_at=created, submitted_at=submitted, published_at=published, closed_at=closed,
                awarded_at=awarded, cancelled_at=None)


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


PROPOSAL_STATES = {
    ChallengeState.open: {ProposalState.draft: 30, ProposalState.submitted: 60, ProposalState.withdrawn: 10},
    ChallengeState.closed: {ProposalState.draft: 5, ProposalState.submitted: 35, ProposalState.revision_requested: 5,
                            ProposalState.shortlisted: 20, ProposalState.declined: 30, ProposalState.withdrawn: 5},
    ChallengeState.awarded: {ProposalState.selected: 10, ProposalState.shortlisted: 15,
                             ProposalState.declined: 65, ProposalState.withdrawn: 10},
}


def generate(*, challenges: int, proposals: int, seed: int | None = None, advance=lambda steps: None) -> BenchSummary:
    """Add a batch of published challenges (with their search terms) and proposals; flushes, never commits.

    `advance(n)` is called as challenges and proposals are written, for a progress bar.
    """
    rng = Random(seed)
    # Translations draw from a generator of their own: the calls themselves stay those of the seed.
    translation_rng = Random(f"translations-{seed}" if seed is not None else None)
    now = utcnow()
    batch = secrets.token_hex(4)
    password_hash = hash_password(BENCH_PASSWORD)  # once: argon2 is slow on purpose

    posters, cohort_posters = [], []
    if challenges:
        posters = _organizations(rng, batch, now, _poster_specs(rng, max(10, challenges // 50)), password_hash)
        cohort_posters = list(_institution_authors(batch, now, password_hash).items())

    challenge_ids, challenge_states, term_count, translation_count = [], [], 0, 0
    remaining, serial = challenges, itertools.count(1)
    while remaining > 0:
        rows, fields, lead_fields = [], [], []
        for _ in range(min(CHUNK, remaining)):
            program = _weighted(rng, PROGRAM_SHARE)
            lead_field = _weighted(rng, FIELD_SHARE)
            lead_fields.append(lead_field)
            poster = rng.choice(cohort_posters if program == Program.startup_support else posters)
            rows.append(_challenge_row(rng, now, program, poster, _weighted(rng, LANGUAGE_SHARE), lead_field,
                                       code=f"KK-{batch}-{next(serial)}"))
            fields.append({lead_field, *rng.sample(list(Field), rng.randint(0, 2))})
        ids = _insert_returning_ids(Challenge, rows)
        _bulk(ChallengeField, [{"challenge_id": cid, "field": f} for cid, fs in zip(ids, fields, strict=True)
                               for f in fs])
        _bulk(ChallengeFundingSource, [
            {"challenge_id": cid, "source": source} for cid, row in zip(ids, rows, strict=True)
            for source in ([FundingSource.ipark_in_kind, FundingSource.mss_commercialization]
                           if row["program"] == Program.startup_support
                           else [FundingSource.company_award,
                                 FundingSource.mss_rnd if row["program"] == Program.joint_rnd
                                 else FundingSource.mss_commercialization])])
        _bulk(NdaVersion, [{"challenge_id": cid, "number": 1, "language": row["language"],
                            "body": "Standard mutual NDA (bench data).", "created_at": now}
                           for cid, row in zip(ids, rows, strict=True)])
        _bulk(RubricCriterion, [{"challenge_id": cid, "position": n, "name": str(name), "weight": weight}
                                for cid in ids for n, (name, weight) in enumerate(DEFAULT_RUBRIC, start=1)])
        translations = [_translation_row(translation_rng, now, cid, row, lead_field)
                        for cid, row, lead_field in zip(ids, rows, lead_fields, strict=True)]
        _bulk(ChallengeTranslation, [translation for translation in translations if translation])
        translation_count += sum(1 for translation in translations if translation)
        terms = [term for cid, row, translation in zip(ids, rows, translations, strict=True)
                 for term in search_term_rows(cid, _Versions(row, translation))]
        _bulk(ChallengeSearchTerm, terms)
        term_count += len(terms)
        challenge_ids += ids
        challenge_states += [row["state"] for row in rows]
        remaining -= len(rows)
        advance(len(rows))

    if proposals and not challenge_ids:  # proposals alone: answer the calls already there
        published = db.session.execute(select(Challenge.id, Challenge.state)
                                       .where(Challenge.state.in_(PUBLISHED_STATES))).all()
        challenge_ids, challenge_states = [r.id for r in published], [r.state for r in published]
    if proposals and not challenge_ids:
        raise ValueError("There is no published challenge to propose to: add --challenges.")
    venture_count = max(10, proposals // 20, -(-proposals * 2 // max(len(challenge_ids), 1)))
    ventures = _organizations(rng, batch, now, _venture_specs(rng, venture_count), password_hash) if proposals else []
    proposal_count = _proposals(rng, now, proposals, challenge_ids, challenge_states, ventures, advance)
    db.session.flush()
    return BenchSummary(batch=batch, posters=len(posters), ventures=len(ventures), challenges=challenges,
                        translations=translation_count, search_terms=term_count, proposals=proposal_count)


def _proposals(rng: Random, now, count: int, challenge_ids: list[int], states: list, ventures: list, advance) -> int:
    """Proposals to random calls, popular ones more (a few calls draw many answers), one per venture each."""
    popularity = list(itertools.accumulate(1 / (n + 1) ** 0.7 for n in range(len(challenge_ids))))
    order = list(range(len(challenge_ids)))
    rng.shuffle(order)
    taken, rows, made = set(), [], 0
    while made < count:
        slot = order[min(bisect.bisect_left(popularity, rng.random() * popularity[-1]), len(order) - 1)]
        venture, owner = rng.choice(ventures)
        if (slot, venture) in taken:
            continue
        taken.add((slot, venture))
        state = _weighted(rng, PROPOSAL_STATES[ChallengeState(states[slot])])
        submitted = None
        if state not in {ProposalState.draft, ProposalState.withdrawn} or rng.random() < 0.5:
            days_ago = (0, 60) if states[slot] == ChallengeState.open else (60, 900)
            submitted = now - timedelta(days=rng.uniform(*days_ago))
        created = (submitted or now) - timedelta(days=rng.uniform(0, 14))
        rows.append(dict(challenge_id=challenge_ids[slot], organization_id=venture, created_by_id=owner, state=state,
                         title=f"Proposal {made + 1}", language="ko", created_at=created, updated_at=created,
                         submitted_at=submitted,
                         shortlisted_at=submitted if state in {ProposalState.shortlisted, ProposalState.selected}
                         else None,
                         decided_at=created if state in {ProposalState.selected, ProposalState.declined} else None,
                         withdrawn_at=created if state == ProposalState.withdrawn else None))
        made += 1
        if len(rows) == 5000 or made == count:
            _bulk(Proposal, rows)
            advance(len(rows))
            rows = []
    return made
