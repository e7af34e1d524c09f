/* Small helpers of the Deployment finder, shared by its files. */
#include <stdint.h>
#include <string.h>

#include "cmfv/alloc.h"

#include "finder_int.h"

const char *const fnd_watched[] = {CMFV_PATH_PRODUCTION, CMFV_PATH_ENC_ENABLED,
				   CMFV_PATH_SECRET_NAME, CMFV_PATH_SECRET_PROP, NULL};

void fnd_copy_str(char *dst, size_t n, const char *s, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, s ? s : "", s ? len : 0);
	dst[s ? len : 0] = '\0';
}

void fnd_copy_cstr(char *dst, size_t n, const char *s)
{
	fnd_copy_str(dst, n, s, s ? strlen(s) : 0);
}

void fnd_free_instance(struct cmfv_instance *in)
{
	cmfv_free((char *)(uintptr_t)in->doc.ptr);
	cmfv_node_free(in->config);
	cmfv_node_free(in->env);
}

/* The pod spec of a Deployment or another workload. */
const struct cmfv_node *fnd_pod_spec(const struct cmfv_node *doc)
{
	const struct cmfv_node *spec = cmfv_map_get(doc, "spec");

	if (cmfv_str_is(cmfv_map_get(doc, "kind"), "Pod"))
		return spec;
	if (cmfv_str_is(cmfv_map_get(doc, "kind"), "CronJob"))
		spec = cmfv_map_get(cmfv_map_get(spec, "jobTemplate"), "spec");
	return cmfv_map_get(cmfv_map_get(spec, "template"), "spec");
}

/* The image's own name: registry/org/cp-cmf:tag@sha256:... -> cp-cmf. */
static int image_is_cmf(const char *img)
{
	const char *end, *slash, *colon;

	if (img == NULL)
		return 0;
	end = strchr(img, '@');
	if (end == NULL)
		end = img + strlen(img);
	slash = NULL;
	for (colon = img; colon < end; colon++)
		if (*colon == '/')
			slash = colon;
	img = slash ? slash + 1 : img;
	colon = memchr(img, ':', (size_t)(end - img));
	if (colon)
		end = colon;
	return (size_t)(end - img) == strlen(CMF_IMAGE) &&
	       memcmp(img, CMF_IMAGE, strlen(CMF_IMAGE)) == 0;
}

int fnd_image_of_cmf(const struct cmfv_node *c)
{
	return image_is_cmf(cmfv_str(cmfv_map_get(c, "image")));
}

/* FNV-1a, 64 bits: a cheap filter, confirmed by the name itself. */
uint64_t fnd_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* Is \p n a list Kubernetes flattens: a `*List` kind, or any object with
 * an `items` list (the resource builder's test)? */
int fnd_is_list(const struct cmfv_node *n)
{
	const char *k = cmfv_str(cmfv_map_get(n, "kind"));
	size_t len = k ? strlen(k) : 0;

	return cmfv_is_map(n) && (cmfv_is_seq(cmfv_map_get(n, "items")) ||
				  (len >= 4 && strcmp(k + len - 4, "List") == 0));
}

int fnd_same_scalar(const struct cmfv_node *a, const struct cmfv_node *b)
{
	return !cmfv_is_map(a) && !cmfv_is_seq(a) && cmfv_node_equal(a, b, 0);
}
