/* The key mount in the CMF Deployment: finding the Deployment in a stream
 * of manifests, adding a read-only Secret volume and its mount to the CMF
 * container, idempotently, and never overwriting what points elsewhere
 * (rules CMF030-CMF032).
 *
 * The changed Deployment is edited as text: the volume, the mount (and the
 * KCV annotation) are inserted in the document's own style (block or flow,
 * its indentation, LF or CRLF) and every other byte stays, comments and the
 * Helm 3 `# Source:` line included. Where an insertion point is shared
 * through an anchor, an alias or a `<<` merge, a text edit could change
 * more than the Deployment's pod template, so that one document is written
 * as JSON instead (its leading comments and markers kept). */
#ifndef CMFV_INJECT_H
#define CMFV_INJECT_H

#include <stddef.h>

#include "cmfv/buf.h"
#include "cmfv/node.h"
#include "cmfv/report.h"
#include "cmfv/stream.h"

#define CMFV_DEFAULT_DEPLOYMENT "confluent-manager-for-apache-flink"
#define CMFV_DEFAULT_CONTAINER "cmf"
#define CMFV_DEFAULT_MOUNT_PATH "/opt/cmf/encryption"
#define CMFV_DEFAULT_VOLUME "cmf-encryption-key"
#define CMFV_DEFAULT_FILE "encryption-key"
#define CMFV_KCV_ANNOTATION "cmf-validate.io/key-kcv"
#define CMFV_NAME_LABEL "app.kubernetes.io/name"
#define CMFV_HOOK_ANNOTATION "helm.sh/hook"
/** defaultMode of the key volume: 0400, owner read-only. */
#define CMFV_KEY_MODE 256

struct cmfv_inject_opts {
	const char *deployment;	 /**< --deployment, or NULL: the label, else the default name */
	const char *container;	 /**< --container, or NULL: cmf, else the only container */
	const char *mount_path;	 /**< NULL: CMFV_DEFAULT_MOUNT_PATH */
	const char *volume_name; /**< NULL: CMFV_DEFAULT_VOLUME */
	const char *file_name;	 /**< NULL: CMFV_DEFAULT_FILE */
	const char *secret_name; /**< the key Secret */
	const char *property;	 /**< its data key */
	const char *kcv;	 /**< the key's KCV (hex) when known, else NULL: recorded as
				      the annotation CMFV_KCV_ANNOTATION on the Deployment's
				      metadata (not the pod template) */
	const char *namespace;	 /**< the release namespace (-n), or NULL: where documents
				      without metadata.namespace go */
	const char *file;	 /**< input name for locations, e.g. "<stdin>"; borrowed,
				      must outlive reports; NULL = "<stdin>" */
};

enum cmfv_match {
	CMFV_MATCH_NONE,
	CMFV_MATCH_NAME,  /**< a Deployment with the default CMF name (or --deployment's) */
	CMFV_MATCH_LABEL, /**< a Deployment with the CMF name label */
};

/** Is \p doc (a loaded manifest) a candidate CMF Deployment? Only kind
 * Deployment counts, and never a Helm hook. With --deployment only the name
 * counts; otherwise the label, else the default name. */
enum cmfv_match cmfv_inject_match(const struct cmfv_node *doc, const struct cmfv_inject_opts *o);

/** Mount the key into the loaded Deployment \p doc (changed in place).
 * \p *changed is set when anything was added. A conflict is a CMF032
 * finding in \p r, a missing or ambiguous container CMF030/CMF031; \p doc
 * is then unchanged. Returns CMFV_OK or CMFV_ENOMEM. */
enum cmfv_err cmfv_inject(struct cmfv_node *doc, const struct cmfv_inject_opts *o,
			  struct cmfv_report *r, int *changed);

/** Mount the key into the Deployment piece \p doc, as text. When something
 * must change, \p *changed is 1 and \p out (appended to) holds the whole new
 * piece; otherwise (already mounted, or a finding in \p r blocks it) \p out
 * is left alone and the piece goes out as it came. Errors: CMFV_EINPUT (not
 * YAML, with the stream's line and column), CMFV_ENOMEM. */
enum cmfv_err cmfv_inject_doc(const struct cmfv_inject_opts *o, const struct cmfv_doc *doc,
			      struct cmfv_buf *out, int *changed, struct cmfv_report *r,
			      struct cmfv_diag *d);

/** The mount settings are usable: an absolute mount path, a DNS-1123 volume
 * name, a plain file name. CMFV_EUSAGE with a message naming the flag. */
enum cmfv_err cmfv_inject_opts_check(const struct cmfv_inject_opts *o, struct cmfv_diag *d);

#endif
