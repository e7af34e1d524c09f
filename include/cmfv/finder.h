/* Finding every CMF Deployment in a stream of rendered manifests, and the
 * configuration each one will read at start-up (docs/post-render.md, "How
 * post-render decides").
 *
 * The stream is the truth: what Kubernetes will create is what is judged.
 * The finder looks at every document (and every item of a `List`, or of any
 * object with an `items` list, as Helm's and kubectl's resource builder
 * flattens them), takes each Deployment that is CMF's (the CMF name label,
 * the default name or --deployment's, or a container running the cp-cmf
 * image), and pairs it with the ConfigMap file that its CMF container names
 * in its args: the volume mounted at that path, the ConfigMap behind it, the
 * data key behind the file. That file's YAML is read as CMF reads it and
 * decides whether this instance needs the key, and which Secret.
 *
 * Documents are classified from their top level without parsing
 * (classify.h); only Deployments, `List`s, documents whose top level is
 * unusual, and the ConfigMaps a CMF Deployment actually mounts are parsed.
 * ConfigMaps are remembered by position and read again (through the
 * caller's fetch function) only when paired. Memory stays bounded by the
 * largest parsed document and the CMF Deployments kept. */
#ifndef CMFV_FINDER_H
#define CMFV_FINDER_H

#include <stddef.h>

#include "cmfv/buf.h"
#include "cmfv/check.h"
#include "cmfv/inject.h"
#include "cmfv/node.h"
#include "cmfv/report.h"
#include "cmfv/stream.h"

/** How an instance's configuration was found. */
enum cmfv_cfg_state {
	CMFV_CFG_FOUND,	  /**< read from the ConfigMap in the stream */
	CMFV_CFG_NO_REF,  /**< the CMF container names no file on a ConfigMap volume */
	CMFV_CFG_MISSING, /**< it names one, but that ConfigMap (or its key) is not in the stream */
	CMFV_CFG_AMBIGUOUS, /**< more than one ConfigMap of that name in that namespace */
};

/** One CMF Deployment and what the finder learnt about it. */
struct cmfv_instance {
	struct cmfv_doc doc;	 /**< the Deployment's piece (bytes owned by the finder) */
	const char *file;	 /**< the input it was read from */
	int in_list;		 /**< an item of a List document: cannot be edited as text */
	char kind[32];		 /**< Deployment, or the workload kind CMF runs in */
	int editable;		 /**< a Deployment document of its own: the mount can go in */
	int hook;		 /**< kept only when paired with a configuration: a Helm hook, or
				      (with --deployment) a Deployment of another name */
	int named;		 /**< the Deployment --deployment names */
	int ns_unsure;		 /**< its ConfigMap's namespace could not be compared */
	char name[254];		 /**< metadata.name */
	char ns[254];		 /**< metadata.namespace, "" when none */
	struct cmfv_loc loc;	 /**< metadata.name, else kind */
	char chart[254];	 /**< values path of the (sub)chart that rendered it, from
				      Helm 3's `# Source:` or Helm 4's post-render annotation:
				      "" for the root chart, "a.b" for charts/a/charts/b */
	int chart_known;	 /**< chart was read from the stream */
	char container[254];	 /**< the CMF container, or "" when none is certain */
	char problem[600];	 /**< why this Deployment cannot be judged (which container runs
				      CMF is ambiguous, CMF in an init container, settings from an
				      environment the finder cannot read), or "" */
	enum cmfv_cfg_state cfg; /**< the worst state over its configuration files */
	size_t nfiles;		 /**< configuration files its container names (at most 4) */
	struct {
		char file[512];	   /**< the path in the container */
		char cm_name[254]; /**< the ConfigMap */
		char cm_key[254];  /**< its data key */
	} files[4];
	char cfg_file[512];	  /**< the first file's path, or "" */
	char cm_name[254];	  /**< its ConfigMap, or "" */
	char cm_key[254];	  /**< its data key */
	struct cmfv_loc cm_loc;	  /**< the first ConfigMap data value, when found */
	struct cmfv_node *env;	  /**< the CMF container's environment for the settings we
				       decide on (canonical paths), or NULL; owned */
	struct cmfv_node *config; /**< the configuration: every file's YAML documents merged,
				       relaxed spellings (dotted keys, kebab/snake case, the
				       container's environment) folded into the canonical paths;
				       owned */
};

struct cmfv_finder;

/** Bounds on what one stream may hold (memory stays bounded whatever the
 * input; a real release has a handful of each): past them the stream is
 * refused (CMFV_EINPUT), never judged in part. */
#define CMFV_FINDER_MAX_INSTANCES 1000
#define CMFV_FINDER_MAX_CONFIGMAPS 1000000
/** Pieces of the stream (documents, empty ones included): 250,000, as
 * CMFV_MAX_DOCS for files; bounds time (a few microseconds each). */
#define CMFV_FINDER_MAX_DOCS 250000

/** Most YAML nodes in all the documents one stream's finder parses
 * (workloads, the ConfigMaps paired with them and the configuration files
 * they hold) together: 250,000. A CMF Deployment is parsed twice (found,
 * then edited) at about 180 bytes a node: one of 1,000,000 nodes took
 * 2.9 s and 362 MB, eight of 800,000 took 25 s and 464 MB; a real
 * release's workloads hold a few thousand. Past it CMFV_EINPUT. */
#define CMFV_FINDER_MAX_NODES ((size_t)250000)

/** \p o is borrowed and must outlive the finder (o->file names the input
 * being added and may change between streams). */
enum cmfv_err cmfv_finder_new(const struct cmfv_inject_opts *o, struct cmfv_finder **out);

/** Look at the next piece of a stream. Errors: CMFV_EINPUT for a document
 * that must be read and is not YAML, or a CMF Deployment that cannot be
 * read safely; CMFV_ENOMEM. */
enum cmfv_err cmfv_finder_add(struct cmfv_finder *f, const struct cmfv_doc *doc,
			      struct cmfv_diag *d);

/** cmfv_finder_add for every piece left in \p s; the first error stops it. */
enum cmfv_err cmfv_finder_add_stream(struct cmfv_finder *f, struct cmfv_stream *s,
				     struct cmfv_diag *d);

/** Gives back \p len bytes at \p offset of the input named \p file (as it
 * was when added), into \p buf. Returns CMFV_OK or an error set in \p d. */
typedef enum cmfv_err (*cmfv_fetch_fn)(void *ctx, const char *file, unsigned long long offset,
				       char *buf, size_t len, struct cmfv_diag *d);

/** After the last piece: pair every instance with its configuration,
 * reading the ConfigMaps it needs through \p fetch. Errors: CMFV_EINPUT for
 * a configuration that is not YAML or sets a setting twice with different
 * values (with the stream's line and column), CMFV_ENOMEM. */
enum cmfv_err cmfv_finder_pair(struct cmfv_finder *f, cmfv_fetch_fn fetch, void *ctx,
			       struct cmfv_diag *d);

/** The instances, in stream order. */
size_t cmfv_finder_count(const struct cmfv_finder *f);

/** Whether a Deployment or other workload whose text cannot name CMF goes
 * unparsed (1, the default) or is parsed like the rest (0): for tests and
 * fuzzing, which hold both to the same CMF Deployments. Process-wide. */
void cmfv_finder_use_prefilter(int on);

/** Does \p text[0..len) hold CMF's name ("confluent-manager-for-apache-
 * flink") or image ("cp-cmf") as written? Text that holds neither, no `\`
 * escape and no `!` tag cannot name CMF in any YAML string it holds. */
int cmfv_text_names_cmf(const char *text, size_t len);
struct cmfv_instance *cmfv_finder_get(struct cmfv_finder *f, size_t i);

/** Is the Deployment --deployment names among the instances? */
int cmfv_finder_has_named(const struct cmfv_finder *f);

/** Documents seen (pieces that are documents), and how many were parsed. */
unsigned long cmfv_finder_documents(const struct cmfv_finder *f);
unsigned long cmfv_finder_parsed(const struct cmfv_finder *f);

void cmfv_finder_free(struct cmfv_finder *f);

/** What one instance needs, decided from its rendered configuration (or,
 * without one, from the values or the Secret flags). */
struct cmfv_decision {
	struct cmfv_keyref ref; /**< required, Secret name and property (borrowed) */
	const char *basis;	/**< "the rendered config", "the values", "--secret-name and
				     --secret-property", or NULL: undecided (CMF031 was added) */
};

/** The inputs a decision weighs besides the stream. */
struct cmfv_judge_input {
	const struct cmfv_node *values; /**< merged values, or NULL when none were given */
	const char *secret_name;	/**< --secret-name, or NULL */
	const char *secret_property;	/**< --secret-property, or NULL */
	int check_fallback;		/**< run CMF001-CMF011 on the values when they decide
					     (the caller has not checked them already) */
};

/** Decide for instance \p in: the rules CMF001-CMF004, CMF010, CMF011 over
 * its rendered configuration (locations in the stream); CMF005 when the
 * given values or Secret flags disagree with it; without a configuration,
 * the values (seen from the instance's chart) or the Secret flags, else
 * CMF031. Findings go to \p r; \p note (may be NULL) receives one line
 * saying what the decision rests on. */
enum cmfv_err cmfv_instance_decide(const struct cmfv_instance *in, const struct cmfv_judge_input *j,
				   struct cmfv_decision *dec, struct cmfv_report *r,
				   struct cmfv_buf *note);

/** CMF033 for instance \p in, which needs the key but is no Deployment
 * document of its own (an item of a List, or another workload kind). */
enum cmfv_err cmfv_instance_unmountable(const struct cmfv_instance *in, struct cmfv_report *r);

/** CMF030 (no CMF Deployment) when \p f found none, worded for \p o. */
enum cmfv_err cmfv_finder_none(const struct cmfv_finder *f, struct cmfv_report *r);

/** The one decision check --manifests and post-render share: CMF030 when
 * a CMF Deployment was expected and the stream has none. With --deployment,
 * when no Deployment has that name; otherwise, when none was found and
 * encryption is required: by the values (\p ref->required), or, with no
 * values (\p have_values 0), by --secret-name and --secret-property
 * (\p secret_flags) naming a key to mount. */
enum cmfv_err cmfv_finder_expected(const struct cmfv_finder *f, const struct cmfv_keyref *ref,
				   int have_values, int secret_flags, struct cmfv_report *r);

#endif
