/* One rule for key text in messages (docs/keys.md, "Keeping the key
 * secret"). Every diagnostic (cmfv_diag_set), every finding's message
 * (cmfv_report_add) and every child's stderr we repeat (kubectl, helm) goes
 * through cmfv_redact, which replaces whatever looks like key material with
 * "[redacted]". Values whose origin makes them secret (a --set-file value,
 * anything inside a Secret) are never put into a message in the first
 * place: the message describes them instead (cmfv_redact_describe). */
#ifndef CMFV_REDACT_H
#define CMFV_REDACT_H

#include <stddef.h>

/** Does the word \p w (\p n bytes of [A-Za-z0-9+/=_-]) look like key
 * material? Yes for: base64 of 16 characters or more that mixes upper and
 * lower case with a digit, or has '=' padding with an upper-case letter or
 * a digit, or is at least a fifth upper and a fifth lower case; 20 or more
 * mixing both cases with '+' or '/'; hex of 16 digits or more with a
 * letter and a digit, or 32 or more; 39 or more decimal digits (a 16-byte
 * number). Names (lower-case, hyphens, dots), paths, API words in
 * CamelCase ("ServiceUnavailable") and KCVs (6 hex digits) are not. */
int cmfv_redact_word(const char *w, size_t n);

/** Does the whole value \p s look like key material: a word as above, a
 * list of 16 or more byte values (hex pairs or decimals up to 255, with ':'
 * ',' ' ' or '-' between them, "0x" allowed), or bytes that are not UTF-8
 * text? */
int cmfv_redact_looks_secret(const char *s, size_t n);

/** In the NUL-terminated \p s, replace every word that looks like key
 * material (cmfv_redact_word; a path's components are judged one by one),
 * every list of 16 or more byte values, and every run of non-blank bytes
 * that holds a control character or bytes that are not UTF-8, with
 * "[redacted]". In place: the text only ever gets shorter. Returns the
 * number of replacements. */
size_t cmfv_redact(char *s);

/** A value that must not be shown, described: "N bytes", and when it looks
 * like an encoded key what it encodes ("45 bytes, base64 of a 32-byte key
 * with KCV 1a2b3c"), or for 16 or 32 bytes the KCV they would have as a
 * key. \p out (caller-owned) is NUL-terminated. */
void cmfv_redact_describe(const char *s, size_t n, char *out, size_t outsz);

/** In the NUL-terminated \p s, replace every run of tokens that together
 * may carry 16 bytes of a key, in any encoding and however it is cut
 * (base64 in short words, hex or decimal byte lists with any separators,
 * "\x12" "%12" "\u0012" and octal escapes), with "[redacted N chars]"
 * (src/base/redact.c says how runs are found). Prose (words of 6 letters or
 * more shaped as prose) ends a run. In place, never longer. Returns the
 * number of runs dropped. */
size_t cmfv_redact_runs(char *s);

/** Remember \p len bytes (at most 128) that the tool decoded as a key or a
 * Secret's value, for cmfv_redact_known; the last 8 are kept. Fewer than 4
 * bytes are not remembered. */
void cmfv_redact_known_add(const unsigned char *key, size_t len);

/** Forget (and wipe) what cmfv_redact_known_add remembered. */
void cmfv_redact_known_clear(void);

/** In the NUL-terminated \p s, cut out every stretch that encodes 4 bytes
 * or more of a remembered key in a row, however it is cut and spaced: hex
 * digits (any case, "0x", "\x", "%", "\u00" and any separators), base64
 * of either alphabet starting on any byte, decimal byte lists, octal
 * escapes, and 6 bytes as they are. A stretch of 10 characters or more
 * becomes "[redacted]", a shorter one '*'s; never longer. Out of memory,
 * \p s is emptied. Returns the number of stretches. */
size_t cmfv_redact_known(char *s);

/** A child's stderr (\p in, \p len bytes) made safe and short for a
 * one-line message: terminal escapes and control characters dropped, then
 * cmfv_redact_known, cmfv_redact_runs and cmfv_redact, then at most 4 lines joined with "; ", cut
 * with "..." when \p out (caller-owned, \p outsz >= 8) is full. */
void cmfv_redact_stderr(const char *in, size_t len, char *out, size_t outsz);

#endif
