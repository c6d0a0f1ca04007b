// Reference ids for the tokenizer.json parity tests, from Hugging Face's JavaScript port of `tokenizers`.
// Usage: node reference.mjs TOKENIZER_JSON CORPUS_JSONL [--rust]
// Reads one JSON string a line and writes one line a text: {"ids":[…],"normalized":"…"} — the ids of
// encode(text) with the post-processor's special tokens, and the text after the normalizer alone.
//
// --rust corrects the few places where the JavaScript port departs from the Rust library that writes and reads
// tokenizer.json (tokenizers/src in huggingface/tokenizers). Each correction is one small function below, named
// after the component, with the Rust behaviour it restores. The tests compare with the unmodified port first and
// use this variant only to explain the texts where the two differ.
import { readFileSync } from 'node:fs';
import {
  Tokenizer, LowercaseNormalizer, BertNormalizer, PrependNormalizer, StripNormalizer, ByteLevelPreTokenizer,
  WhitespaceSplitPreTokenizer, PunctuationPreTokenizer, DigitsPreTokenizer,
} from '@huggingface/tokenizers';

const [tokenizerPath, corpusPath, ...flags] = process.argv.slice(2);
const rust = flags.includes('--rust');

if (rust) {
  // NormalizedString::lowercase maps each character on its own (char::to_lowercase): no final-sigma rule.
  const lower = (text) => Array.from(text, (c) => c.toLowerCase()).join('');
  LowercaseNormalizer.prototype.normalize = lower;
  // normalizers/bert.rs lowercases the same way (after stripping accents, which commutes with it).
  const bert = BertNormalizer.prototype.normalize;
  BertNormalizer.prototype.normalize = function (text) {
    const { lowercase, strip_accents } = this.config;
    if (!lowercase) return bert.call(this, text);
    const accentless = bert.call(Object.assign(Object.create(this), { config: { ...this.config, lowercase: false, strip_accents: strip_accents !== false } }), text);
    return lower(accentless);
  };
  // normalizers/prepend.rs: an empty string stays empty.
  PrependNormalizer.prototype.normalize = function (text) { return text.length === 0 ? text : this.config.prepend + text; };
  // normalizers/strip.rs trims char::is_whitespace (Unicode White_Space: U+0085 yes, U+FEFF no); String.trim differs.
  const ws = '[\\p{White_Space}]';
  StripNormalizer.prototype.normalize = function (text) {
    if (this.config.strip_left) text = text.replace(new RegExp(`^${ws}+`, 'u'), '');
    if (this.config.strip_right) text = text.replace(new RegExp(`${ws}+$`, 'u'), '');
    return text;
  };
  // pre_tokenizers/whitespace.rs (WhitespaceSplit) splits at char::is_whitespace, not at JavaScript's \s.
  WhitespaceSplitPreTokenizer.prototype.pre_tokenize_text = (text) => text.match(/\P{White_Space}+/gu) || [];
  // pre_tokenizers/punctuation.rs: with its default behaviour, Isolated, each punctuation character is a piece.
  const punctuation = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
  PunctuationPreTokenizer.prototype.pre_tokenize_text = function (text) {
    if ((this.config.behavior ?? 'Isolated') !== 'Isolated') throw new Error('only the Isolated behaviour is corrected');
    return text.match(new RegExp(`[^${punctuation}]+|[${punctuation}]`, 'gu')) || [];
  };
  // pre_tokenizers/digits.rs splits at char::is_numeric (Nd, Nl, No), not at ASCII digits.
  DigitsPreTokenizer.prototype.pre_tokenize_text = function (text) {
    return text.match(new RegExp(`\\P{N}+|\\p{N}${this.config.individual_digits ? '' : '+'}`, 'gu')) || [];
  };
  // pre_tokenizers/byte_level.rs: the GPT-2 pattern under Oniguruma, whose \s is White_Space (U+0085 yes, U+FEFF no).
  const original = ByteLevelPreTokenizer.prototype.pre_tokenize_text;
  ByteLevelPreTokenizer.prototype.pre_tokenize_text = function (text, options) {
    this.pattern = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;
    return original.call(this, text, options);
  };
}

const tokenizer = new Tokenizer(JSON.parse(readFileSync(tokenizerPath, 'utf8')), {});
const texts = readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
const out = [];
for (const text of texts) {
  const { ids } = tokenizer.encode(text);
  const normalized = tokenizer.normalizer ? tokenizer.normalizer(text) : text;
  out.push(JSON.stringify({ ids, normalized }));
}
process.stdout.write(out.join('\n') + '\n');
