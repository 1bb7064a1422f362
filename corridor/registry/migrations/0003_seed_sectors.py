"""Seed the sector taxonomy: the seven sectors of the agreement and their sub-sectors.

The rows are copied from corridor/registry/data/sectors.json as it was when this
migration was written, so the migration means the same thing forever; later changes
to the file belong in a new data migration. Upserts by code, so it is safe on a
database where some of these sectors already exist.
"""

from django.db import migrations

# (code, parent code, position, English, Simplified Chinese, Urdu); parents come first.
SECTORS = [
    ["semiconductors", None, 1, "Semiconductors", "半导体", "سیمی کنڈکٹرز"],
    ["semiconductors.ic-design", "semiconductors", 1, "Integrated circuit design", "集成电路设计", "انٹیگریٹڈ سرکٹ ڈیزائن"],
    ["semiconductors.eda", "semiconductors", 2, "EDA software and IP cores", "EDA 工具与 IP 核", "ای ڈی اے سافٹ ویئر اور آئی پی کورز"],
    ["semiconductors.manufacturing", "semiconductors", 3, "Wafer fabrication", "晶圆制造", "ویفر فیبریکیشن"],
    ["semiconductors.packaging", "semiconductors", 4, "Packaging and testing", "封装测试", "چپ پیکیجنگ اور ٹیسٹنگ"],
    ["semiconductors.equipment", "semiconductors", 5, "Semiconductor equipment", "半导体设备", "سیمی کنڈکٹر آلات"],
    ["semiconductors.materials", "semiconductors", 6, "Semiconductor materials", "半导体材料", "سیمی کنڈکٹر مواد"],
    ["semiconductors.power", "semiconductors", 7, "Power and compound semiconductors", "功率与化合物半导体", "پاور اور کمپاؤنڈ سیمی کنڈکٹرز"],
    ["cloud", None, 2, "Cloud computing", "云计算", "کلاؤڈ کمپیوٹنگ"],
    ["cloud.infrastructure", "cloud", 1, "Cloud infrastructure and hosting", "云基础设施与托管", "کلاؤڈ انفراسٹرکچر اور ہوسٹنگ"],
    ["cloud.data-centres", "cloud", 2, "Data centres", "数据中心", "ڈیٹا سینٹرز"],
    ["cloud.saas", "cloud", 3, "Software as a service", "软件即服务", "سافٹ ویئر بطور سروس"],
    ["cloud.big-data", "cloud", 4, "Big data and analytics", "大数据与分析", "بگ ڈیٹا اور تجزیات"],
    ["cloud.edge", "cloud", 5, "Edge computing and IoT", "边缘计算与物联网", "ایج کمپیوٹنگ اور انٹرنیٹ آف تھنگز"],
    ["cloud.security", "cloud", 6, "Cybersecurity", "网络安全", "سائبر سیکیورٹی"],
    ["ai", None, 3, "Artificial intelligence", "人工智能", "مصنوعی ذہانت"],
    ["ai.vision", "ai", 1, "Computer vision", "计算机视觉", "کمپیوٹر وژن"],
    ["ai.nlp", "ai", 2, "Natural language processing", "自然语言处理", "فطری زبان کی پروسیسنگ"],
    ["ai.speech", "ai", 3, "Speech recognition and synthesis", "语音识别与合成", "آواز کی شناخت اور تالیف"],
    ["ai.machine-learning", "ai", 4, "Machine learning platforms", "机器学习平台", "مشین لرننگ پلیٹ فارمز"],
    ["ai.foundation-models", "ai", 5, "Large language and foundation models", "大语言模型与基础模型", "بڑے لسانی ماڈلز اور بنیادی ماڈلز"],
    ["ai.autonomous-driving", "ai", 6, "Autonomous driving", "自动驾驶", "خودکار ڈرائیونگ"],
    ["robotics", None, 4, "Robotics", "机器人", "روبوٹکس"],
    ["robotics.industrial", "robotics", 1, "Industrial robots", "工业机器人", "صنعتی روبوٹس"],
    ["robotics.service", "robotics", 2, "Service robots", "服务机器人", "سروس روبوٹس"],
    ["robotics.drones", "robotics", 3, "Drones and unmanned systems", "无人机与无人系统", "ڈرونز اور بغیر پائلٹ نظام"],
    ["robotics.medical", "robotics", 4, "Medical and surgical robots", "医疗与手术机器人", "طبی اور جراحی روبوٹس"],
    ["robotics.humanoid", "robotics", 5, "Humanoid and legged robots", "人形与足式机器人", "ہیومنائیڈ اور ٹانگوں والے روبوٹس"],
    ["robotics.components", "robotics", 6, "Robot components: reducers, servo motors, sensors", "机器人核心零部件：减速器、伺服电机、传感器", "روبوٹ کے بنیادی پرزے: ریڈیوسر، سروو موٹرز، سینسرز"],
    ["fintech", None, 5, "Fintech", "金融科技", "فن ٹیک"],
    ["fintech.payments", "fintech", 1, "Digital payments", "数字支付", "ڈیجیٹل ادائیگیاں"],
    ["fintech.banking", "fintech", 2, "Digital banking", "数字银行", "ڈیجیٹل بینکاری"],
    ["fintech.lending", "fintech", 3, "Digital lending and microfinance", "数字信贷与小额金融", "ڈیجیٹل قرضے اور مائیکرو فنانس"],
    ["fintech.insurtech", "fintech", 4, "Insurance technology", "保险科技", "انشورنس ٹیکنالوجی"],
    ["fintech.regtech", "fintech", 5, "Regulatory technology and risk control", "监管科技与风险控制", "ریگولیٹری ٹیکنالوجی اور رسک کنٹرول"],
    ["fintech.wealth", "fintech", 6, "Wealth management technology", "财富管理科技", "ویلتھ مینجمنٹ ٹیکنالوجی"],
    ["fintech.islamic", "fintech", 7, "Islamic finance technology", "伊斯兰金融科技", "اسلامی مالیاتی ٹیکنالوجی"],
    ["blockchain", None, 6, "Blockchain", "区块链", "بلاک چین"],
    ["blockchain.infrastructure", "blockchain", 1, "Blockchain platforms and infrastructure", "区块链底层平台", "بلاک چین پلیٹ فارمز اور انفراسٹرکچر"],
    ["blockchain.supply-chain", "blockchain", 2, "Supply-chain traceability", "供应链溯源", "سپلائی چین ٹریس ایبلٹی"],
    ["blockchain.digital-identity", "blockchain", 3, "Digital identity", "数字身份", "ڈیجیٹل شناخت"],
    ["blockchain.smart-contracts", "blockchain", 4, "Smart contracts", "智能合约", "اسمارٹ کنٹریکٹس"],
    ["blockchain.trade-finance", "blockchain", 5, "Trade finance and cross-border settlement", "贸易金融与跨境结算", "تجارتی مالیات اور سرحد پار تصفیہ"],
    ["blockchain.govtech", "blockchain", 6, "Public records and e-government", "政务区块链与公共存证", "سرکاری ریکارڈ اور ای گورنمنٹ"],
    ["biotech", None, 7, "Biotechnology", "生物技术", "بائیو ٹیکنالوجی"],
    ["biotech.genomics", "biotech", 1, "Genomics and bioinformatics", "基因组学与生物信息学", "جینومکس اور بائیو انفارمیٹکس"],
    ["biotech.pharma", "biotech", 2, "Biopharmaceuticals", "生物医药", "بائیو فارماسیوٹیکلز"],
    ["biotech.vaccines", "biotech", 3, "Vaccines", "疫苗", "ویکسینز"],
    ["biotech.diagnostics", "biotech", 4, "In-vitro diagnostics", "体外诊断", "لیبارٹری تشخیص"],
    ["biotech.medical-devices", "biotech", 5, "Medical devices", "医疗器械", "طبی آلات"],
    ["biotech.agri", "biotech", 6, "Agricultural biotechnology", "农业生物技术", "زرعی بائیو ٹیکنالوجی"],
    ["biotech.synthetic-biology", "biotech", 7, "Synthetic biology", "合成生物学", "مصنوعی حیاتیات"],
]


def seed(apps, schema_editor):
    Sector = apps.get_model("registry", "Sector")
    by_code = {}
    for code, parent, position, name_en, name_zh_hans, name_ur in SECTORS:
        by_code[code], _created = Sector.objects.update_or_create(
            code=code,
            defaults={
                "parent": by_code[parent] if parent else None,
                "position": position,
                "name_en": name_en,
                "name_zh_hans": name_zh_hans,
                "name_ur": name_ur,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_search_index")]

    # Reversing keeps the rows: organisations may already point at them.
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
