/* The YAML loader, private parts shared by yaml.c (events to a tree:
 * anchors, merge keys, limits) and yaml_scalar.c (scalars and keys as
 * go-yaml v2 and Helm resolve them). */
#ifndef CMFV_YAML_INT_H
#define CMFV_YAML_INT_H

#include <stddef.h>
#include <yaml.h>

#include "cmfv/node.h"
#include "cmfv/scalar.h"
#include "cmfv/yaml.h"

struct frame {
	struct cmfv_node *node; /* map or sequence under construction */
	char *anchor;		/* registered when the collection completes */
	int have_key;		/* maps: a key is waiting for its value */
	int key_is_merge;
	char *key;
	struct cmfv_loc key_loc;
	int flow; /* a [..] or {..} collection */
};

struct loader {
	yaml_parser_t parser;
	const char *file;
	unsigned line_offset;
	unsigned col_offset;
	int no_merge;
	int no_duplicates;
	int keep_ints;
	int keep_nonfinite;
	unsigned max_depth;
	size_t max_nodes;
	size_t nodes;
	size_t total, total_max; /* nodes in every document of the input */
	const char *budget_what; /* who shares the budget, for the message */
	size_t budget_total;
	size_t alias_nodes; /* of nodes, those that alias expansion made */
	struct frame *stack;
	size_t depth, cap;
	/* anchor name -> a private copy of its node (the tree may change
	 * later); a map, so that lookups stay fast with many anchors */
	struct cmfv_node *anchors;
	struct cmfv_node *root;
	int have_root;
	struct cmfv_diag *d;
	const char *text; /* the input, for checks go-yaml v2 makes */
	size_t len;
	size_t cur_char, cur_byte; /* a character index and its byte offset */
	size_t base_byte;	   /* character 0 (libyaml does not count a BOM) */
};

struct cmfv_loc yl_mark_loc(const struct loader *l, yaml_mark_t m);
/* libyaml's allocations, wiped when given back (yaml_alloc.c). */
void *cmfv_libyaml_malloc(size_t n);
void *cmfv_libyaml_realloc(void *p, size_t n);
void cmfv_libyaml_free(void *p);
/* On while a parser cleared by cmfv_yaml_parser_wipe is deleted. */
void cmfv_libyaml_cleared_parser(int on);
char *cmfv_libyaml_strdup(const char *s);
/* Referenced by the loader so that yaml_alloc.c is always linked in. */
int cmfv_yaml_alloc_linked(void);

enum cmfv_err yl_oom(struct loader *l);
enum cmfv_err yl_fail_at(struct loader *l, yaml_mark_t m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum cmfv_err yl_scalar_node(struct loader *l, const yaml_event_t *ev, struct cmfv_node **out);
enum cmfv_err yl_key_from_node(struct loader *l, const struct cmfv_node *n, yaml_mark_t m,
			       char **out);
enum cmfv_err yl_key_from_scalar(struct loader *l, const yaml_event_t *ev, char **out,
				 int *is_merge);

#endif
