"""Benchmark: import 100,000 generated organisations into an empty SQLite database.

Runs alone: ``.venv/bin/python bench/import_organisations.py [--rows N] [--seed S]``.

1. Generates N organisations (names and descriptions in English, Chinese and Urdu,
   sectors from the seeded taxonomy, the demo zones, countries CN and PK,
   registration numbers and ROR ids) into a CSV file in a temporary folder.
2. Creates an empty SQLite database there, migrates it, imports the demo zones
   with ``corridor import zones``, then times ``corridor import organisations``
   (the real command: every row checked, search documents built, languages
   detected, written in bulk).
3. Checks the full-text index: searches in the three languages find imported rows.
4. In a separate process with its own empty database, times a baseline: a raw
   ``bulk_create`` of the same rows and their sector links, with no checks, no
   search documents and no language detection. Prints both and the ratio.

Target (issue 2): at most 60 s for 100,000 rows on a 2-core machine.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EN_PREFIX = [
    "Beijing",
    "Zhongguancun",
    "Haidian",
    "Lahore",
    "Karachi",
    "Islamabad",
    "Peshawar",
    "Indus",
    "Silk Road",
    "Huaxia",
    "Jinghua",
    "Margalla",
    "Ravi",
    "Kunlun",
    "Taihang",
]
EN_CORE = [
    "Star-Core",
    "Deep Vision",
    "Cloud Bridge",
    "Quantum Leaf",
    "Blue Helix",
    "Iron Ox",
    "Swift Ledger",
    "Green Gene",
    "Bright Path",
    "Sky Arm",
    "Data River",
    "Fine Wafer",
    "Smart Grain",
    "Jade Robot",
    "Falcon",
    "Crescent",
    "Lotus",
    "Summit",
    "Nova",
    "Vertex",
]
EN_KIND = [
    "Technology Co., Ltd.",
    "Microelectronics",
    "Robotics",
    "Biotech",
    "Fintech Labs",
    "AI Research Institute",
    "Cloud Services",
    "Blockchain Solutions",
    "Semiconductor Inc.",
    "Diagnostics",
    "Systems (Pvt) Ltd.",
]
ZH_PLACE = ["北京", "中关村", "海淀", "昌平", "亦庄", "上海", "深圳", "杭州", "西安", "成都"]
ZH_CORE = [
    "星芯",
    "睿视",
    "云桥",
    "量子",
    "蓝螺旋",
    "铁牛",
    "迅链",
    "绿基因",
    "明途",
    "天臂",
    "数河",
    "精晶",
    "智粮",
    "玉机",
    "华夏",
    "京华",
    "昆仑",
    "太行",
]
ZH_KIND = [
    "科技有限公司",
    "微电子有限公司",
    "机器人有限公司",
    "生物技术有限公司",
    "金融科技有限公司",
    "人工智能研究院",
    "云计算有限公司",
    "区块链技术有限公司",
    "半导体股份有限公司",
    "诊断技术有限公司",
]
UR_PLACE = ["لاہور", "کراچی", "اسلام آباد", "پشاور", "فیصل آباد", "راولپنڈی", "ملتان", "سیالکوٹ"]
UR_CORE = ["انڈس", "مارگلہ", "راوی", "ہلال", "شاہین", "کہکشاں", "سنگ میل", "روشن راہ", "نیا افق"]
UR_KIND = [
    "ٹیکنالوجیز",
    "روبوٹکس",
    "بائیوٹیک",
    "فن ٹیک لیبز",
    "کلاؤڈ سروسز",
    "بلاک چین سولوشنز",
    "مصنوعی ذہانت تحقیقی مرکز",
    "سیمی کنڈکٹرز",
]
EN_SENTENCES = [
    "We design low-power chips for edge computing and smart meters.",
    "Our team builds computer vision systems for quality inspection on production lines.",
    "We run a private cloud platform for hospitals and universities.",
    "The company develops payment and lending software for small merchants.",
    "We are looking for partners in Pakistan to pilot precision agriculture with drones.",
    "Our laboratory sequences crop genomes and develops drought-tolerant seed varieties.",
    "We offer blockchain-based trade finance for textile exporters.",
    "Industrial robots from our plant weld, paint and palletise for automotive suppliers.",
    "We seek a research partner for speech recognition in Urdu and Punjabi.",
    "Our diagnostics kits detect dengue and hepatitis in under fifteen minutes.",
    "We license our EDA tools for static timing analysis to design houses.",
    "The institute trains young engineers in machine learning and data science.",
]
ZH_SENTENCES = [
    "我们设计用于边缘计算和智能电表的低功耗芯片。",
    "公司团队为生产线质量检测开发机器视觉系统。",
    "我们为医院和高校运营私有云平台。",
    "公司开发面向小微商户的支付与信贷软件。",
    "我们希望与巴基斯坦伙伴合作，开展无人机精准农业试点。",
    "实验室从事作物基因组测序，培育抗旱种子品种。",
    "我们为纺织品出口企业提供基于区块链的贸易融资服务。",
    "工厂生产的工业机器人为汽车零部件企业完成焊接、喷涂和码垛。",
    "我们正在寻找乌尔都语和旁遮普语语音识别的研发合作伙伴。",
    "公司的诊断试剂盒可在十五分钟内检测登革热和肝炎。",
]
UR_SENTENCES = [
    "ہم ایج کمپیوٹنگ اور اسمارٹ میٹرز کے لیے کم توانائی والی چپس ڈیزائن کرتے ہیں۔",
    "ہماری ٹیم پیداواری لائنوں پر معیار کی جانچ کے لیے کمپیوٹر وژن نظام بناتی ہے۔",
    "ہم ہسپتالوں اور جامعات کے لیے نجی کلاؤڈ پلیٹ فارم چلاتے ہیں۔",
    "کمپنی چھوٹے تاجروں کے لیے ادائیگی اور قرض کا سافٹ ویئر تیار کرتی ہے۔",
    "ہم ڈرون کے ذریعے درست زراعت کے تجربے کے لیے چینی شراکت دار تلاش کر رہے ہیں۔",
    "ہماری تجربہ گاہ فصلوں کے جینوم کی ترتیب معلوم کرتی ہے اور خشک سالی برداشت کرنے والے بیج تیار کرتی ہے۔",
    "ہم ٹیکسٹائل برآمد کنندگان کو بلاک چین پر مبنی تجارتی مالیات فراہم کرتے ہیں۔",
    "ہمارے صنعتی روبوٹ گاڑیوں کے پرزے بنانے والوں کے لیے ویلڈنگ اور پینٹنگ کرتے ہیں۔",
]
SIZES = ["", "micro", "small", "medium", "large", "very_large"]
KINDS = ["enterprise"] * 7 + [
    "university",
    "rnd_centre",
    "investor",
    "industry_body",
    "government_body",
]
ROR_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def sector_codes() -> list[str]:
    codes: list[str] = []

    def walk(node):
        codes.append(node["code"])
        for child in node.get("children", []):
            walk(child)

    for node in json.loads(
        (ROOT / "corridor/registry/data/sectors.json").read_text(encoding="utf-8")
    ):
        walk(node)
    return codes


def demo_zones() -> dict:
    return json.loads((ROOT / "corridor/registry/demo/data/zones.json").read_text(encoding="utf-8"))


def generate(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    codes = sector_codes()
    zones = demo_zones()["zones"]
    zones_by_country = {c: [z["slug"] for z in zones if z["country"] == c] for c in ("CN", "PK")}
    columns = [
        "slug",
        "kind",
        "name",
        "name_en",
        "name_zh_hans",
        "name_ur",
        "country",
        "city",
        "zone",
        "sectors",
        "size",
        "year_founded",
        "website",
        "description",
        "description_language",
        "ror_id",
        "registration_number",
        "is_active",
    ]
    ror_ids: set[str] = set()
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for n in range(rows):
            country = "CN" if rng.random() < 0.6 else "PK"
            kind = rng.choice(KINDS)
            en = f"{rng.choice(EN_PREFIX)} {rng.choice(EN_CORE)} {rng.choice(EN_KIND)} {n}"
            zh = (
                f"{rng.choice(ZH_PLACE)}{rng.choice(ZH_CORE)}{rng.choice(ZH_KIND)}{n}"
                if country == "CN" or rng.random() < 0.2
                else ""
            )
            ur = (
                f"{rng.choice(UR_CORE)} {rng.choice(UR_KIND)} {rng.choice(UR_PLACE)} {n}"
                if country == "PK" or rng.random() < 0.1
                else ""
            )
            name = zh if country == "CN" and rng.random() < 0.5 else en
            # The description's language: mostly the country's own, often English.
            language = rng.choices(
                ["en", "zh-hans", "ur"], weights=[4, 5, 1] if country == "CN" else [5, 1, 4]
            )[0]
            pool = {"en": EN_SENTENCES, "zh-hans": ZH_SENTENCES, "ur": UR_SENTENCES}[language]
            description = ("" if language == "zh-hans" else " ").join(
                rng.sample(pool, rng.randint(2, 4))
            )
            ror_id = ""
            if kind in ("university", "rnd_centre") and rng.random() < 0.3:
                while not ror_id or ror_id in ror_ids:
                    ror_id = (
                        "0"
                        + "".join(rng.choice(ROR_ALPHABET) for _ in range(6))
                        + f"{rng.randint(0, 99):02d}"
                    )
                ror_ids.add(ror_id)
            writer.writerow(
                [
                    f"bench-org-{n}",
                    kind,
                    name,
                    en,
                    zh,
                    ur,
                    country,
                    rng.choice(
                        ["Beijing", "Shanghai", "Shenzhen"]
                        if country == "CN"
                        else ["Lahore", "Karachi", "Islamabad"]
                    ),
                    rng.choice(zones_by_country[country]) if rng.random() < 0.7 else "",
                    ";".join(rng.sample(codes, rng.randint(1, 3))),
                    rng.choice(SIZES),
                    rng.randint(1950, 2024) if rng.random() < 0.8 else "",
                    f"https://www.org{n}.example.com" if rng.random() < 0.7 else "",
                    description,
                    # A third leave the language to be detected.
                    language if rng.random() < 0.67 else "",
                    ror_id,
                    f"{country}-{n:08d}" if kind == "enterprise" else "",
                    "true" if rng.random() < 0.97 else "false",
                ]
            )


def setup_django(folder: Path) -> None:
    os.environ["CORRIDOR_VAR_DIR"] = str(folder)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corridor.settings")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load_zones(folder: Path) -> None:
    from django.core.management import call_command

    from corridor.registry.models import Authority

    data = demo_zones()
    for authority in data["authorities"]:
        Authority.objects.create(**authority)
    path = folder / "zones.json"
    path.write_text(json.dumps(data["zones"], ensure_ascii=False), encoding="utf-8")
    call_command("import", "zones", str(path), "--no-progress", stdout=io.StringIO())


def baseline(folder: Path, csv_path: Path) -> float:
    """Raw bulk_create of the same rows: no checks, no search documents, no detection."""
    setup_django(folder)
    load_zones(folder)
    from django.db import transaction

    from corridor.registry.models import Organisation, Sector, Zone

    started = time.perf_counter()
    zones = dict(Zone.objects.values_list("slug", "pk"))
    sectors = dict(Sector.objects.values_list("code", "pk"))
    objects, links = [], []
    with csv_path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            links.append([sectors[c] for c in row.pop("sectors").split(";") if c])
            zone = row.pop("zone")
            row["zone_id"] = zones[zone] if zone else None
            row["year_founded"] = int(row["year_founded"]) if row["year_founded"] else None
            row["is_active"] = row["is_active"] == "true"
            objects.append(Organisation(**row))
    through = Organisation.sectors.through
    with transaction.atomic():
        Organisation.objects.bulk_create(objects, batch_size=2000)
        through.objects.bulk_create(
            [
                through(organisation_id=o.pk, sector_id=s)
                for o, ids in zip(objects, links, strict=True)
                for s in ids
            ],
            batch_size=2000,
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--baseline", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.baseline:  # the child process
        folder = Path(args.baseline)
        print(json.dumps({"seconds": baseline(folder, folder.parent / "organisations.csv")}))
        return

    with tempfile.TemporaryDirectory(prefix="corridor-bench-") as tmp:
        tmp = Path(tmp)
        csv_path = tmp / "organisations.csv"
        started = time.perf_counter()
        generate(csv_path, args.rows, args.seed)
        print(
            f"generated {args.rows:,} organisations in {time.perf_counter() - started:.1f} s "
            f"({csv_path.stat().st_size / 1e6:.1f} MB CSV)"
        )

        folder = tmp / "import"
        folder.mkdir()
        setup_django(folder)
        load_zones(folder)
        from django.core.management import call_command

        from corridor.registry.models import Organisation
        from corridor.registry.selectors import OrganisationFilters, organisations_filtered

        assert not Organisation.objects.exists(), "the database must start empty"
        out = io.StringIO()
        started = time.perf_counter()
        call_command(
            "import", "organisations", str(csv_path), "--no-progress", stdout=out, verbosity=2
        )
        seconds = time.perf_counter() - started
        print(out.getvalue().strip())
        count = Organisation.objects.count()
        print(f"import: {count:,} organisations in {seconds:.1f} s ({count / seconds:,.0f} rows/s)")

        # The index is filled: each language finds what was imported.
        checks = {
            "number (bench-org-7 among the hits)": ("7", "bench-org-7"),
            "Chinese": ("机器人", None),
            "Urdu": ("روبوٹکس", None),
        }
        for label, (query, slug) in checks.items():
            found = organisations_filtered(OrganisationFilters(q=query))
            hits = found.count()
            ok = hits > 0 and (slug is None or found.filter(slug=slug).exists())
            print(f"search {label!r}: {query} -> {hits:,} hits {'ok' if ok else 'FAILED'}")
            if not ok:
                sys.exit(1)
        sample = Organisation.objects.get(slug="bench-org-7")
        doc_query = sample.name_en.split()[1]
        assert (
            organisations_filtered(
                OrganisationFilters(q=f"{doc_query} {sample.name_en.split()[-1]}")
            )
            .filter(pk=sample.pk)
            .exists()
        )

        again = io.StringIO()
        started = time.perf_counter()
        call_command("import", "organisations", str(csv_path), "--no-progress", stdout=again)
        print(
            f"second import of the same file (all unchanged): {time.perf_counter() - started:.1f} s: {again.getvalue().strip()}"
        )

        base_folder = tmp / "baseline"
        base_folder.mkdir()
        child = subprocess.run(
            [sys.executable, __file__, "--baseline", str(base_folder)],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        base = json.loads(child.stdout.strip().splitlines()[-1])["seconds"]
        print(f"baseline (raw bulk_create, no checks/index/detection): {base:.1f} s")
        print(f"ratio import / baseline: {seconds / base:.1f}x")
        print(
            f"target: <= 60 s for 100,000 rows: {'met' if seconds <= 60 * args.rows / 100_000 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
