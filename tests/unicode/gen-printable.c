/* Print the ranges of code points Go's unicode.IsPrint accepts: letters,
 * marks, numbers, punctuation, symbols (and U+0020), from ICU's tables.
 * Build: cc gen-printable.c -licuuc; ./a.out > ranges (ICU 72 = Unicode 15.0.0,
 * the tables of Go 1.21 and later, so of Helm 3.17 and 4.1). Its output is
 * the table in src/charts/chart_sanitize.c. */
#include <stdio.h>
#include <unicode/uchar.h>
#include <unicode/uversion.h>
static int printable(UChar32 c)
{
	int t = u_charType(c);
	if (c == 0x20)
		return 1;
	switch (t) {
	case U_UPPERCASE_LETTER:
	case U_LOWERCASE_LETTER:
	case U_TITLECASE_LETTER:
	case U_MODIFIER_LETTER:
	case U_OTHER_LETTER:
	case U_NON_SPACING_MARK:
	case U_ENCLOSING_MARK:
	case U_COMBINING_SPACING_MARK:
	case U_DECIMAL_DIGIT_NUMBER:
	case U_LETTER_NUMBER:
	case U_OTHER_NUMBER:
	case U_DASH_PUNCTUATION:
	case U_START_PUNCTUATION:
	case U_END_PUNCTUATION:
	case U_CONNECTOR_PUNCTUATION:
	case U_OTHER_PUNCTUATION:
	case U_INITIAL_PUNCTUATION:
	case U_FINAL_PUNCTUATION:
	case U_MATH_SYMBOL:
	case U_CURRENCY_SYMBOL:
	case U_MODIFIER_SYMBOL:
	case U_OTHER_SYMBOL:
		return 1;
	}
	return 0;
}
int main(void)
{
	UVersionInfo v;
	char buf[32];
	UChar32 c, lo = -1;
	int n = 0;
	u_getUnicodeVersion(v);
	u_versionToString(v, buf);
	fprintf(stderr, "unicode %s\n", buf);
	for (c = 0; c <= 0x110000; c++) {
		int p = c <= 0x10FFFF && printable(c);
		if (p && lo < 0)
			lo = c;
		if (!p && lo >= 0) {
			printf("\t{0x%05X, 0x%05X},%s", (unsigned)lo, (unsigned)(c - 1),
			       (++n % 3) ? "" : "\n");
			lo = -1;
		}
	}
	fprintf(stderr, "%d ranges\n", n);
	return 0;
}
