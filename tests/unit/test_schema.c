/* The located schema walk (src/rules/schema.c) on a schema of its own: the
 * bounds and messages the configuration's schema does not reach. */
#include "helpers.h"

#include <cyaml/cyaml.h>

#include "cmfv/schema.h"
#include "cmfv/yaml.h"

struct item {
	char *id;
	char *tag;
};

struct doc {
	struct item *items;
	unsigned nitems;
	char *code;
	int count;
};

static const cyaml_schema_value_t tag_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t item_fields[] = {
    CYAML_FIELD_STRING_PTR("id", CYAML_FLAG_POINTER, struct item, id, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("tag", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct item, tag, 0,
			   CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t item_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct item, item_fields),
};

static const cyaml_schema_field_t doc_fields[] = {
    CYAML_FIELD_SEQUENCE_COUNT("items", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct doc, items,
			       nitems, &item_entry, 1, 2),
    CYAML_FIELD_STRING_PTR("code", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct doc, code, 2,
			   4),
    CYAML_FIELD_INT("count", CYAML_FLAG_OPTIONAL, struct doc, count),
    CYAML_FIELD_IGNORE("extra", CYAML_FLAG_OPTIONAL),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t doc_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct doc, doc_fields),
};

static const cyaml_schema_value_t list_schema = {
    CYAML_VALUE_SEQUENCE(CYAML_FLAG_POINTER, char *, &tag_entry, 0, CYAML_UNLIMITED),
};

static enum cmfv_err check(const cyaml_schema_value_t *schema, const char *text,
			   struct cmfv_diag *d)
{
	struct cmfv_node *tree = NULL;
	enum cmfv_err e;

	cmfv_diag_clear(d);
	assert_int_equal(cmfv_yaml_load(text, strlen(text), "t.yaml", NULL, &tree, d), CMFV_OK);
	assert_non_null(tree);
	e = cmfv_schema_check(schema, NULL, 0, tree, d);
	cmfv_node_free(tree);
	return e;
}

struct want {
	const char *text;
	unsigned line, col;
	const char *msg; /* NULL: passes */
};

static void expect(const cyaml_schema_value_t *schema, const struct want *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct cmfv_diag d;
		enum cmfv_err e = check(schema, w[i].text, &d);

		if (w[i].msg == NULL) {
			if (e != CMFV_OK)
				fail_msg("case %zu: %s", i, d.msg);
			continue;
		}
		assert_int_equal(e, CMFV_EINPUT);
		if (d.line != w[i].line || d.col != w[i].col || strcmp(d.msg, w[i].msg) != 0)
			fail_msg("case %zu: got %u:%u '%s', want %u:%u '%s'", i, d.line, d.col,
				 d.msg, w[i].line, w[i].col, w[i].msg);
		assert_string_equal(d.file, "t.yaml");
	}
}

/* Without notes: a mapping is "the document" at the top, a list entry is
 * named by its list, a required field by its key. */
static void test_without_notes(void **state)
{
	static const struct want w[] = {
	    {"items: [{id: a}]\ncode: ab\nextra: {any: [thing]}\n", 0, 0, NULL},
	    {"- a\n", 1, 1, "the document must be a map, not a list"},
	    {"items: [{tag: x}]\n", 1, 9, "items needs id"},
	    {"items: [a]\n", 1, 9, "items must be a map, not a string"},
	    {"items: []\n", 1, 8, "items needs at least 1 entries"},
	    {"items: [{id: a}, {id: b}, {id: c}]\n", 1, 8, "items takes at most 2 entries"},
	    {"code: a\n", 1, 7, "code must be at least 2 characters long"},
	    {"code: abcde\n", 1, 7, "code must be at most 4 characters long"},
	    {"code: abcd\n", 0, 0, NULL},
	    {"nope: 1\n", 1, 1,
	     "unknown key 'nope' in the document (expected items, code, count, extra)"},
	    /* a type the walk does not know is said, not passed */
	    {"count: 3\n", 1, 8, "count: the schema's type 0 has no located check"},
	};

	(void)state;
	expect(&doc_schema, w, sizeof(w) / sizeof(w[0]));
}

static const struct cmfv_schema_note doc_notes[] = {
    {doc_fields, NULL, "the test file", NULL},
    {item_fields, NULL, "an item", NULL},
    {item_fields, "id", "an item needs an id", NULL},
    {doc_fields, "code", "a code of two to four letters, please", NULL},
};

/* Notes name mappings and required fields; a too-short string is asked
 * for with the field's note. */
static void test_with_notes(void **state)
{
	static const struct {
		const char *text;
		unsigned line, col;
		const char *msg;
	} w[] = {
	    {"7\n", 1, 1, "the test file must be a map, not a number"},
	    {"items: [{tag: x}]\n", 1, 9, "an item needs an id"},
	    {"items: [[x]]\n", 1, 9, "an item must be a map, not a list"},
	    {"items: [{id: a, x: 1}]\n", 1, 17, "unknown key 'x' in an item (expected id, tag)"},
	    {"code: a\n", 1, 7, "a code of two to four letters, please"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		struct cmfv_node *tree = NULL;
		struct cmfv_diag d;

		cmfv_diag_clear(&d);
		assert_int_equal(
		    cmfv_yaml_load(w[i].text, strlen(w[i].text), "t.yaml", NULL, &tree, &d),
		    CMFV_OK);
		assert_int_equal(cmfv_schema_check(&doc_schema, doc_notes, 4, tree, &d),
				 CMFV_EINPUT);
		if (d.line != w[i].line || d.col != w[i].col || strcmp(d.msg, w[i].msg) != 0)
			fail_msg("case %zu: got %u:%u '%s'", i, d.line, d.col, d.msg);
		cmfv_node_free(tree);
	}
}

/* A list at the top: its entries are named by the document. */
static void test_list_at_top(void **state)
{
	static const struct want w[] = {
	    {"[a, b]\n", 0, 0, NULL},
	    {"[a, {b: 1}]\n", 1, 5, "the document must be a string, not a map"},
	    {"a: 1\n", 1, 1, "the document must be a list, not a map"},
	};

	(void)state;
	expect(&list_schema, w, sizeof(w) / sizeof(w[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_without_notes),
	    cmocka_unit_test(test_with_notes),
	    cmocka_unit_test(test_list_at_top),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
