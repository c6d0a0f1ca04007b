#!/usr/bin/env python3
"""Writes corpus.jsonl: the multilingual texts the tokenizer parity tests compare ids on (one JSON string a line).

Deterministic (fixed seed, no input files); rerun it to regenerate the committed file byte for byte:
    python3 tests/data/tokenizers/make_corpus.py > tests/data/tokenizers/corpus.jsonl
Every text is valid Unicode (no lone surrogates: they have no UTF-8 form, so no tokenizer can be handed one).
Characters are from Unicode 14 or older, so the Unicode tables of .NET, Node and Python agree on them.
"""
import json
import random

# Short sentences in 30+ scripts (my own wording; everyday photo-search phrases and pangram-like lines).
SEEDS = {
    "en": ["a photo of a cat sleeping on the sofa", "Two dogs play in the snow, don't they?", "The QUICK brown fox jumps over 13 lazy dogs."],
    "fr": ["Une photo d'un chat noir près de la fenêtre", "Où est l'hôtel? À côté de l'église, naïve façon."],
    "de": ["Ein Foto von einem Hund im Straßenverkehr", "Größenmaßstäbe für Übergrößen: ÄÖÜ äöü ß ẞ"],
    "es": ["¿Dónde está la playa? ¡Allí, junto al muelle!", "El niño comió piña y jalapeños."],
    "pt": ["A criança está feliz com o pão e o coração", "Não há ação sem razão."],
    "it": ["Perché la città è così bella d'estate?", "Il caffè è già pronto."],
    "pl": ["Zażółć gęślą jaźń", "Pchnąć w tę łódź jeża lub ośm skrzyń fig."],
    "cs": ["Příliš žluťoučký kůň úpěl ďábelské ódy.", "Čeština má háčky a čárky."],
    "tr": ["İstanbul'da ILIK bir gün; ığdır, şişli, çiçek", "Pijamalı hasta yağız şoföre çabucak güvendi."],
    "vi": ["Tiếng Việt có dấu: người, đường, phở bò", "Tôi yêu những bức ảnh hoàng hôn."],
    "ro": ["Șapte țărani și o pisică în grădină", "Înțelepciunea vine cu vârsta."],
    "ru": ["Фотография кошки на диване", "Съешь же ещё этих мягких французских булок, да выпей чаю."],
    "uk": ["Фото собаки біля річки", "Чуєш їх, доцю, га? Кумедна ж ти, прощайся без ґольфів!"],
    "bg": ["Снимка на планина през зимата", "Жълтата дюля беше щастлива."],
    "el": ["Μια φωτογραφία μιας γάτας", "ΟΔΥΣΣΕΥΣ ΚΑΙ ΣΙΣΥΦΟΣ: Ξεσκεπάζω την ψυχοφθόρα βδελυγμία."],
    "ar": ["صورة قطة على الأريكة", "اَلسَّلَامُ عَلَيْكُمْ وَرَحْمَةُ اللهِ", "الرقم ٣٤٥ والعدد ١٢"],
    "fa": ["عکس یک گربه روی مبل", "من کتاب می‌خوانم"],
    "he": ["תמונה של חתול על הספה", "שָׁלוֹם עֲלֵיכֶם"],
    "hi": ["सोफे पर सोती हुई बिल्ली की तस्वीर", "क्षत्रिय ज्ञान श्री १२३"],
    "bn": ["সোফায় ঘুমন্ত বিড়ালের ছবি", "আমি বাংলায় গান গাই"],
    "ta": ["சோபாவில் தூங்கும் பூனையின் புகைப்படம்", "தமிழ் மொழி"],
    "te": ["సోఫాపై నిద్రిస్తున్న పిల్లి ఫోటో", "తెలుగు భాష"],
    "kn": ["ಸೋಫಾದ ಮೇಲೆ ಮಲಗಿರುವ ಬೆಕ್ಕು", "ಕನ್ನಡ"],
    "ml": ["സോഫയിൽ ഉറങ്ങുന്ന പൂച്ച", "മലയാളം"],
    "gu": ["સોફા પર સૂતી બિલાડી", "ગુજરાતી"],
    "pa": ["ਸੋਫੇ ਉੱਤੇ ਸੁੱਤੀ ਬਿੱਲੀ", "ਪੰਜਾਬੀ"],
    "si": ["සෝෆාව මත නිදන පූසා", "සිංහල"],
    "th": ["รูปแมวนอนบนโซฟา", "ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ"],
    "lo": ["ຮູບແມວນອນຢູ່ເທິງໂຊຟາ"],
    "km": ["រូបភាពឆ្មាដេកលើសាឡុង"],
    "my": ["ဆိုဖာပေါ်မှာ အိပ်နေတဲ့ ကြောင်"],
    "bo": ["བོད་ཡིག་ནི་སྐད་ཡིག་ཅིག་རེད།"],
    "ka": ["კატის ფოტო დივანზე", "ქართული ენა"],
    "hy": ["Կատվի լուսանկար բազմոցի վրա", "Հայերեն"],
    "am": ["በሶፋ ላይ የተኛች ድመት ፎቶ", "አማርኛ"],
    "zh": ["沙发上睡觉的猫的照片", "我爱北京天安门。繁體中文：貓咪在沙發上。"],
    "ja": ["ソファで寝ている猫の写真", "ひらがなとカタカナと漢字、ｶﾀｶﾅ半角も。"],
    "ko": ["소파에서 자고 있는 고양이 사진", "한국어 문장입니다. ᄒᆞᆫ글 자모"],
    "mn": ["ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ", "Монгол хэл"],
    "chr": ["ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ"],
    "iu": ["ᐃᓄᒃᑎᑐᑦ ᑎᑎᕋᐅᓯᖅ"],
    "yi": ["ייִדיש איז אַ שפּראַך"],
    "ur": ["صوفے پر سوتی ہوئی بلی کی تصویر"],
    "sw": ["Picha ya paka akilala kwenye sofa"],
}

EMOJI = [
    "😀", "🐱", "🐶", "📷", "🎉", "❤️", "👍🏽", "👩🏿‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🏴‍☠️", "🇫🇷", "🇯🇵", "1️⃣", "#️⃣",
    "🧑‍🤝‍🧑", "👁️‍🗨️", "❤️‍🔥", "🫶", "🤌🏻", "☺︎", "✈️", "🦄", "🧙‍♀️", "🤷🏼‍♂️",
]

SPECIAL_TEXT = [
    "", " ", "   ", "\t", "\n", "\n\n\n", " leading space", "trailing space ", "  both  sides  ", "multiple     spaces inside",
    "tab\tseparated\tvalues", "line one\nline two\r\nline three\rline four", "no\u00a0break\u00a0space", "narrow\u202fno-break",
    "ideographic\u3000space", "zero\u200bwidth\u200bspace", "zero\u200cwidth\u200dnon-joiner", "word\u2060joiner", "\ufeffbyte order mark",
    "soft\u00adhyphen", "control\x01chars\x02here\x7f", "escape \x1b[31mred\x1b[0m", "next line\x85char", "null\x00byte", "bell\x07 and form\x0cfeed",
    "line\u2028separator\u2029paragraph", "e\u0301 vs \u00e9 (NFD vs NFC)", "A\u030a\u0301 stacked marks", "Z\u0351\u0357\u0345\u0353a\u0310\u0350l\u0308g\u0301o\u0327",
    "ﬁnance ﬂower ﬀ ligatures", "ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ　１２３", "① ② ③ circled, Ⅻ roman, ½ ¼ ¾, x² y³", "™ © ® ℃ ℉ № ℡",
    "Kelvin \u212a and Ångström \u212b", "ǅ ǈ ǋ titlecase digraphs", "ΣΊΣΥΦΟΣ final sigma ΟΣ", "İstanbul I ı İ i", "straße STRASSE ß ẞ",
    "<s> hello </s>", "[CLS] bert [SEP] [MASK] [PAD] [UNK]", "<pad><eos><bos><unk>", "<start_of_turn>user\nhi<end_of_turn>",
    "<|startoftext|>a photo<|endoftext|>", "<mask> and <unused0>", "text with <0x41> byte token", "▁already▁metaspaced▁text",
    "https://example.com/path?q=cat&lang=en#top", "user@example.org", "C:\\Users\\photos\\IMG_0001.JPG", "def f(x): return x**2 # code",
    "{\"json\": [1, 2.5, true, null]}", "1234567890 3.14159 -42 1e10 0x1F", "٠١٢٣٤٥٦٧٨٩ ०१२३४५६७८९ ০১২৩ ๐๑๒๓", "$100 €50 £30 ¥1000 ₹500 ₿",
    "can't won't I'm you're they've we'll he'd", "CAN'T WON'T I'M YOU'RE", "“smart quotes” ‘single’ «guillemets» „low“", "em—dash en–dash … ellipsis",
    "a" * 120, "ab" * 80, "x" * 300 + " end", "😀" * 50, "\u0301" * 20, "  \u00a0 \u3000 \t ", "....!!!???,,,;;;", "_-_-_", "@#$%^&*()",
]


def seed_texts():
    out = []
    for lang in sorted(SEEDS):
        out.extend(SEEDS[lang])
    return out


def main():
    rnd = random.Random(17)
    base = seed_texts()
    texts = list(SPECIAL_TEXT) + base
    # Emoji alone, in sequences and inside sentences.
    texts += EMOJI
    texts.append(" ".join(EMOJI))
    texts.append("".join(EMOJI))
    seps = [" ", "", "  ", "\n", "\t", "\u00a0", "\u200b", ", ", ". ", " - ", "\u3000"]
    pieces = base + EMOJI + [t for t in SPECIAL_TEXT if 0 < len(t) < 40]
    # Mixtures: 2..6 pieces from random languages, with random separators, casing and marks.
    while len(texts) < 1060:
        k = rnd.randint(2, 6)
        parts = [rnd.choice(pieces) for _ in range(k)]
        t = rnd.choice(seps).join(parts)
        r = rnd.random()
        if r < 0.1:
            t = t.upper()
        elif r < 0.2:
            t = t.lower()
        elif r < 0.25:
            t = t.title()
        elif r < 0.3:
            i = rnd.randrange(len(t) + 1)
            t = t[:i] + rnd.choice(["\u0301", "\u0308", "\u200d", "\u00a0", "\x01", "\ufe0f"]) + t[i:]
        elif r < 0.35:
            t = " " + t + " "
        texts.append(t)
    # Very long texts: many sentences, one long word-like run, one long run of a single script without spaces.
    texts.append(" ".join(rnd.choice(base) for _ in range(400)))
    texts.append("".join(rnd.choice(base).replace(" ", "") for _ in range(150)))
    texts.append("photo" * 2000)
    texts.append("\n".join(rnd.choice(pieces) for _ in range(300)))
    for t in texts:
        print(json.dumps(t, ensure_ascii=False))


if __name__ == "__main__":
    main()
