/* The key mount, private parts shared by the matching and plan
 * (mount_plan.c), the mount as tree nodes (mount_tree.c) and the text edit
 * (inject.c). The public face is include/cmfv/inject.h. */
#ifndef CMFV_MOUNT_H
#define CMFV_MOUNT_H

#include "cmfv/inject.h"

#define STDIN_NAME "<stdin>"

struct plan {
	const char *deploy;	     /* metadata.name */
	struct cmfv_node *pod;	     /* spec.template.spec */
	struct cmfv_node *container; /* the CMF container */
	size_t cidx;
	int add_volume, add_mount, set_kcv;
	int blocked; /* a finding stops the injection */
};

const char *mnt_vol_name(const struct cmfv_inject_opts *o);
const char *mnt_mount_path(const struct cmfv_inject_opts *o);
const char *mnt_file_name(const struct cmfv_inject_opts *o);
const char *mnt_in_name(const struct cmfv_inject_opts *o);
int mnt_is_absent(const struct cmfv_node *n);
/* Decide on the loaded Deployment: which container, what to add, or the
 * finding (CMF030-CMF032) that blocks it. */
enum cmfv_err mnt_plan(struct cmfv_node *doc, const struct cmfv_inject_opts *o,
		       struct cmfv_report *r, struct plan *p);

/* New tree nodes for the mount; NULL when out of memory. */
struct cmfv_node *mnt_new_str(const char *s);
struct cmfv_node *mnt_new_volume(const struct cmfv_inject_opts *o);
struct cmfv_node *mnt_new_mount(const struct cmfv_inject_opts *o);
struct cmfv_node *mnt_new_pair(const char *key, struct cmfv_node *val);
struct cmfv_node *mnt_new_list(struct cmfv_node *item);
/* Apply the plan to the tree; 0 when out of memory. */
int mnt_tree_apply(struct cmfv_node *doc, const struct cmfv_inject_opts *o, const struct plan *p);

#endif
