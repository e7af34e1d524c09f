/* Helm's --set family (cmfv_strvals_apply). One flag per line; the first
 * character of a line picks the flag ('s' --set, 'S' --set-string,
 * 'j' --set-json, 'l' --set-literal; anything else is a --set whose
 * argument is the whole line). All flags go into one map, as on a command
 * line. --set-file is left out: it reads files. */
#include "fuzz.h"

#include "cmfv/values.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmfv_loc none = {NULL, 0, 0};
	struct cmfv_node *base;
	struct cmfv_sources src = {0};
	char *text, *line, *next;
	unsigned index = 0;

	/* argv strings cannot hold NUL bytes: neither can flags */
	if (memchr(data, 0, size))
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	base = cmfv_node_new(CMFV_MAP, none);
	if (base == NULL) {
		free(text);
		return 0;
	}
	for (line = text; line; line = next) {
		struct cmfv_set_flag f;
		struct cmfv_diag d;
		enum cmfv_err e;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		f.index = ++index;
		f.arg = line + 1;
		switch (line[0]) {
		case 's':
			f.kind = CMFV_SET;
			break;
		case 'S':
			f.kind = CMFV_SET_STRING;
			break;
		case 'j':
			f.kind = CMFV_SET_JSON;
			break;
		case 'l':
			f.kind = CMFV_SET_LITERAL;
			break;
		default:
			f.kind = CMFV_SET;
			f.arg = line;
			break;
		}
		cmfv_diag_clear(&d);
		e = cmfv_strvals_apply(base, &f, &src, &d);
		FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e));
		FUZZ_ASSERT(e == d.code);
		if (e == CMFV_EINPUT) {
			/* Helm's errors name the flag; ours are located on it */
			FUZZ_ASSERT(strcmp(d.file, "--set") == 0 && d.col == index);
			break;
		}
		if (e != CMFV_OK)
			break;
		FUZZ_ASSERT(base->kind == CMFV_MAP);
	}
	fuzz_json_roundtrip(base, 0);
	cmfv_node_free(base);
	cmfv_sources_free(&src);
	free(text);
	return 0;
}
