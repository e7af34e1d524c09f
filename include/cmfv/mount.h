/* The key mount in the CMF Deployment: finding the Deployment, adding a
 * read-only Secret volume and its mount to the CMF container, idempotently,
 * and never overwriting what points elsewhere (CMF032). */
#ifndef CMFV_MOUNT_H
#define CMFV_MOUNT_H

#include "cmfv/node.h"
#include "cmfv/report.h"

#define CMFV_DEFAULT_DEPLOYMENT "confluent-manager-for-apache-flink"
#define CMFV_DEFAULT_CONTAINER "cmf"
#define CMFV_DEFAULT_MOUNT_PATH "/opt/cmf/encryption"
#define CMFV_DEFAULT_VOLUME "cmf-encryption-key"
#define CMFV_DEFAULT_FILE "encryption-key"
#define CMFV_KCV_ANNOTATION "cmf-validate.io/key-kcv"
#define CMFV_NAME_LABEL "app.kubernetes.io/name"

struct cmfv_mount_opts {
	const char *deployment;  /**< --deployment, or NULL */
	const char *container;   /**< --container, or NULL (cmf, else the only one) */
	const char *mount_path;
	const char *volume_name;
	const char *file_name;
	const char *secret_name; /**< the key Secret */
	const char *property;    /**< its data key */
	const char *kcv;         /**< the key's KCV when known: recorded as an annotation */
};

enum cmfv_match {
	CMFV_MATCH_NONE,
	CMFV_MATCH_NAME,  /**< a Deployment with the default CMF name (or --deployment) */
	CMFV_MATCH_LABEL, /**< a Deployment with the CMF name label */
};

/** Is \p doc a candidate CMF Deployment? With --deployment only its name
 * counts; otherwise the label, else the default name (the caller prefers
 * label matches over name matches). */
enum cmfv_match cmfv_mount_match(const struct cmfv_node *doc, const struct cmfv_mount_opts *o);

/** Add the volume, the mount and the KCV annotation to \p doc. Sets
 * \p *changed when anything was added. A conflict is a CMF032 finding in
 * \p r (doc unchanged); a Deployment without a usable pod template or
 * container is a CMF030 finding. Returns CMFV_ENOMEM only. */
enum cmfv_err cmfv_mount(struct cmfv_node *doc, const struct cmfv_mount_opts *o,
			  struct cmfv_report *r, int *changed);

#endif
