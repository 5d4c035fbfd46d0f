/* The GPT-2 pre-tokenizer, written out by hand instead of run through a
 * regex engine:
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * and its identifier variant, the same with "_" among the letters.
 * Alternatives are tried in order at each position (the first that matches
 * wins, as in Oniguruma, which Hugging Face's tokenizers use).  Also the
 * UTF-8 and ByteLevel helpers. */
#include "io/tokenizer_internal.h"

enum char_class { CLASS_OTHER, CLASS_LETTER, CLASS_NUMBER, CLASS_SPACE };

static int in_ranges(uint32_t cp, const pad_unicode_range *r, int n)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < r[mid].lo) hi = mid - 1;
        else if (cp > r[mid].hi) lo = mid + 1;
        else return 1;
    }
    return 0;
}

static enum char_class class_of(uint32_t cp)
{
    if (cp < 128) {
        if ((cp | 32) >= 'a' && (cp | 32) <= 'z') return CLASS_LETTER;
        if (cp >= '0' && cp <= '9') return CLASS_NUMBER;
        if (cp == ' ' || (cp >= 9 && cp <= 13)) return CLASS_SPACE;
        return CLASS_OTHER;
    }
    if (in_ranges(cp, pad_unicode_letters, pad_unicode_letters_count)) return CLASS_LETTER;
    if (in_ranges(cp, pad_unicode_numbers, pad_unicode_numbers_count)) return CLASS_NUMBER;
    if (in_ranges(cp, pad_unicode_spaces, pad_unicode_spaces_count)) return CLASS_SPACE;
    return CLASS_OTHER;
}

int pad_unicode_is_space(uint32_t cp) { return class_of(cp) == CLASS_SPACE; }

int pad_utf8_get(const char *s, size_t len, uint32_t *cp)
{
    const uint8_t *u = (const uint8_t *)s;
    *cp = u[0];
    if (u[0] < 0x80) return 1;
    int n = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC0 ? 2 : 0;
    if (n == 0 || (size_t)n > len) return 0;
    uint32_t v = u[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (u[i] & 0x3F);
    }
    static const uint32_t min_of[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min_of[n] || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return 0;
    *cp = v;
    return n;
}

int pad_utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

uint32_t pad_bytelevel_char(uint8_t byte)
{
    int printable = (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || byte >= 0xAE;
    if (printable) return byte;
    /* the n-th unprintable byte (in byte order) becomes 256 + n */
    uint32_t n = byte <= 0x20 ? byte : byte <= 0xA0 ? 33 + (byte - 0x7F) : 67;
    return 256 + n;
}

/* The class and byte length of the character at s (invalid bytes: other, 1). */
static enum char_class next_char(const char *s, size_t len, int *clen, pad_words words)
{
    uint32_t cp;
    int n = pad_utf8_get(s, len, &cp);
    *clen = n ? n : 1;
    if (n && cp == '_' && words == PAD_WORDS_IDENTIFIERS) return CLASS_LETTER;
    return n ? class_of(cp) : CLASS_OTHER;
}

/* The end of the run of characters of class `c` starting at `pos`. */
static size_t run_end(const char *s, size_t len, size_t pos, enum char_class c, pad_words words)
{
    while (pos < len) {
        int clen;
        if (next_char(s + pos, len - pos, &clen, words) != c) break;
        pos += (size_t)clen;
    }
    return pos;
}

static size_t contraction(const char *s, size_t len)
{
    if (len < 2 || s[0] != '\'') return 0;
    if (s[1] == 's' || s[1] == 't' || s[1] == 'm' || s[1] == 'd') return 2;
    if (len < 3) return 0;
    if ((s[1] == 'r' && s[2] == 'e') || (s[1] == 'v' && s[2] == 'e') || (s[1] == 'l' && s[2] == 'l'))
        return 3;
    return 0;
}

size_t pad_pretok_piece(const char *s, size_t len, pad_words words)
{
    size_t n = contraction(s, len);
    if (n) return n;
    int clen;
    enum char_class c = next_char(s, len, &clen, words);
    /* " ?X+": an optional leading space joins a run of letters, numbers or others */
    if (s[0] == ' ' && len > 1) {
        int clen1;
        enum char_class c1 = next_char(s + 1, len - 1, &clen1, words);
        if (c1 != CLASS_SPACE) return run_end(s, len, 1 + (size_t)clen1, c1, words);
    }
    if (c != CLASS_SPACE) return run_end(s, len, (size_t)clen, c, words);
    /* \s+(?!\S): a run of spaces gives back its last character to the word
     * that follows; \s+ takes a lone space before a word */
    size_t pos = 0, last = 0;
    while (pos < len) {
        int l;
        if (next_char(s + pos, len - pos, &l, words) != CLASS_SPACE) break;
        last = pos;
        pos += (size_t)l;
    }
    if (pos == len || last == 0) return pos;
    return last;
}

size_t pad_pretok_next(const char *s, size_t len, int use_regex, pad_digits digits, pad_words words)
{
    if (digits != PAD_DIGITS_KEEP) {
        int clen;
        if (next_char(s, len, &clen, words) == CLASS_NUMBER)
            return digits == PAD_DIGITS_EACH ? (size_t)clen : run_end(s, len, 0, CLASS_NUMBER, words);
        size_t end = (size_t)clen;
        while (end < len && next_char(s + end, len - end, &clen, words) != CLASS_NUMBER) end += (size_t)clen;
        len = end;
    }
    return use_regex ? pad_pretok_piece(s, len, words) : len;
}
