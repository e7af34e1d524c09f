/* Helm's values pipeline, private parts shared by values_read.c (reading
 * values files as Helm does), values_merge.c (mergeMaps, CoalesceValues)
 * and values.c (the pipeline). */
#ifndef CMFV_VALUES_INT_H
#define CMFV_VALUES_INT_H

/* strings.TrimSpace: \p *b and \p *e bound \p s less Unicode spaces. */
void vals_trim_space(const char *s, const char **b, const char **e);

#endif
