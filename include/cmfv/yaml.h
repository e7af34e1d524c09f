/* YAML (and JSON, which is YAML here) to a value tree, the way Helm reads
 * values: go-yaml v2's YAML 1.1 resolution, anchors, aliases and '<<' merge
 * keys, keys turned into strings, numbers into float64. Every node records
 * its file, line and column (1-based, in characters as libyaml counts). */
#ifndef CMFV_YAML_H
#define CMFV_YAML_H

#include <stddef.h>

#include "cmfv/node.h"

struct cmfv_yaml_opts {
	unsigned max_depth;   /**< nesting limit; 0 = default (1000) */
	size_t max_nodes;     /**< nodes per document incl. alias copies; 0 = default
				   (500,000). All the documents of one input together may
				   have twice that (the budget, when given, once) */
	unsigned line_offset; /**< added to every line (documents cut from a stream) */
	unsigned col_offset;  /**< added to every column (text cut from an indented block scalar) */
	int no_merge;	      /**< refuse `<<` merge keys (YAML readers merge them differently) */
	int no_duplicates;    /**< refuse a key written twice in one mapping (else the last wins) */
	int keep_ints;	      /**< an int64 plain scalar is a CMFV_INT node (Chart.yaml: go-yaml
			       * gives an int, which a string field takes in decimal) */
	int keep_nonfinite;   /**< .inf/.nan are CMFV_FLOAT nodes, not refused (Chart.yaml: a
			       * string field takes them as "+Inf"/"NaN"; its reader refuses
			       * them anywhere else, as Helm does) */
	size_t *budget;	      /**< nodes left for the whole input, shared by the calls that
				   read its documents one by one (Helm 4 values); taken from
				   as they are made. NULL: one budget for this call. */
	const char *budget_what; /**< what shares \p budget, for the message ("the values
				      of this run ..."); NULL: "the documents of this input" */
	size_t budget_total;	 /**< the shared budget's size, for the message */
	size_t *flow_spent;	 /**< flow cost (cmfv_flow_meter) already spent by the inputs
				      that share one limit, added to: ten files each just under
				      CMFV_YAML_MAX_FLOW_COST took 3.5 s. NULL: this call alone */
};

/** Load the first document of \p text. A stream with no document (empty,
 * comments only) gives \p *out == NULL and CMFV_OK. On success \p *out is
 * caller-owned; on failure it is untouched and \p d says what and where
 * (CMFV_EINPUT, CMFV_ENOMEM). \p file is borrowed into node locations and
 * must outlive the tree. \p opts may be NULL. */
enum cmfv_err cmfv_yaml_load(const char *text, size_t len, const char *file,
			     const struct cmfv_yaml_opts *opts, struct cmfv_node **out,
			     struct cmfv_diag *d);

/** cmfv_yaml_load as go-yaml reads: a BOM that starts a line (not the
 * text) is content, part of the key or string it starts ("\uFEFFk"), where
 * libyaml would skip it (src/values/values_read.c). */
enum cmfv_err cmfv_yaml_load_go(const char *text, size_t len, const char *file,
				const struct cmfv_yaml_opts *opts, struct cmfv_node **out,
				struct cmfv_diag *d);

/** Called once per document with its root (consumed: the callback owns it;
 * NULL for an empty document). Return CMFV_OK to go on. */
typedef enum cmfv_err (*cmfv_yaml_doc_fn)(void *ctx, struct cmfv_node *doc, struct cmfv_diag *d);

/** Load every document of a stream, in order. */
enum cmfv_err cmfv_yaml_load_all(const char *text, size_t len, const char *file,
				 const struct cmfv_yaml_opts *opts, cmfv_yaml_doc_fn fn, void *ctx,
				 struct cmfv_diag *d);

/** Most flow cost (cmfv_yaml_flow_cost) a text may have to be parsed:
 * 100 million, what 10,000 levels of `[` cost (go-yaml's depth limit) and
 * about 7,000 levels of `{a: `; about 0.3 s of libyaml's time on a quiet
 * machine. Past it, CMFV_EINPUT. The cost is libyaml's own (its scanner
 * walks every open flow level at every token) and cannot be taken out
 * from here: 210 million (10,000 levels of `{a: `) took 0.6 s quiet and
 * 1.3-2.4 s loaded, 1,000,000 items 999 levels deep 10 s and more. */
#define CMFV_YAML_MAX_FLOW_COST ((size_t)100000000)

/** What libyaml's parse of \p text costs for its flow collections ([..]
 * and {..}): the sum of the flow depth of every token, from above
 * (src/values/yaml_flow.c), and in \p *max_depth the deepest level seen. Linear
 * in \p len. */
size_t cmfv_yaml_flow_cost(const char *text, size_t len, size_t *max_depth);

struct yaml_event_s;
struct yaml_parser_s;

/** The flow cost as libyaml really spends it, counted from its events: the
 * real flow depth (from flow collection start and end events) added per
 * event, twice for a scalar or alias (its token and the `,` or `:` after
 * it). Every libyaml event loop over input keeps one, so that the text
 * pre-count above (blinded by brackets in quoted strings) is only an early
 * refusal. libyaml's work per token is proportional to the flow depth and
 * its lookahead is bounded (a simple key spans at most 1024 characters). */
struct cmfv_flow_meter {
	size_t depth, cost;
};

/** Account event \p ev; nonzero once the cost is past CMFV_YAML_MAX_FLOW_COST. */
int cmfv_flow_meter_add(struct cmfv_flow_meter *m, const struct yaml_event_s *ev);

/** The message for a text over CMFV_YAML_MAX_FLOW_COST (one %zu: millions). */
#define CMFV_YAML_FLOW_MSG                                                                         \
	"flow collections ([...], {...}) nested too deep for their size: "                         \
	"more than %zu million tokens times their depth, which would take "                        \
	"libyaml seconds to minutes"

/* libyaml keeps copies of the text it reads: its input buffers, the tokens
 * it scanned ahead, every scalar event's value. A Secret's value may be
 * among them, so every libyaml parser in the core (the configuration file's,
 * in libcyaml, excepted) ends through these: they wipe that text, then free
 * it (docs/keys.md). */

/** yaml_event_delete, after wiping a scalar event's value. */
void cmfv_yaml_event_wipe(struct yaml_event_s *ev);

/** yaml_parser_delete, after wiping the scanned-ahead tokens' values and the
 * part of the input buffers that \p input_len bytes of input can have used. */
void cmfv_yaml_parser_wipe(struct yaml_parser_s *p, size_t input_len);

#endif
