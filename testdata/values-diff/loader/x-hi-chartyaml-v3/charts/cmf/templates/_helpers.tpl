{{- define "cmf.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "cmf.labels" -}}
app.kubernetes.io/name: confluent-manager-for-apache-flink
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
{{- /* The ConfigMap: cmf-config as in the vendor's chart; a renamed or
aliased instance gets its own, so that two can live in one release. */ -}}
{{- define "cmf.configName" -}}
{{- if eq (include "cmf.name" .) "confluent-manager-for-apache-flink" }}cmf-config{{ else }}{{ include "cmf.name" . }}-config{{ end -}}
{{- end -}}
