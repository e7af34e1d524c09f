/* Upgrade guards: CMF can neither switch encryption mode nor rotate its key
 * once its database exists (rules CMF040-CMF042). */
#ifndef CMFV_GUARD_H
#define CMFV_GUARD_H

#include "cmfv/check.h"
#include "cmfv/node.h"
#include "cmfv/report.h"

struct cmfv_guard_input {
	const struct cmfv_node *prev_values; /**< deployed release's values, or NULL */
	const char *prev_kcv;		     /**< deployed key's KCV (hex), or NULL */
	const char *cur_kcv;		     /**< the new key's KCV, or NULL */
	int allow_unsafe;		     /**< report as warnings (database wiped) */
};

/** Compare the new values/key with the deployed release. Nothing deployed
 * (no previous values and no previous KCV) means an install: no findings. */
enum cmfv_err cmfv_check_upgrade(const struct cmfv_keyref *cur, const struct cmfv_guard_input *in,
				 struct cmfv_report *r);

/** Is \p s a KCV: 6 hex digits? */
int cmfv_is_kcv(const char *s);

#endif
