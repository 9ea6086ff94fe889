#!/bin/sh
# t-ops-alerts - etc/m3u8nas-alerts.yml: valid for `promtool check rules`,
# and each of the four rules fires on series that break it and stays quiet
# on healthy ones (`promtool test rules`). That every metric the rules name
# is exported is checked on a live /metrics in t-ops-metrics.sh.
. "$top_srcdir/tests/integ/lib.sh"
command -v promtool >/dev/null 2>&1 || skip "promtool not found (Debian: prometheus)"
RULES=$top_srcdir/etc/m3u8nas-alerts.yml
W=$(tmpdir)

promtool check rules "$RULES" || fail "promtool check rules"

cat >"$W/alerts.test.yml" <<EOF2
rule_files: [ "$RULES" ]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      # spool 95% used, library 50%
      - series: 'm3u8nas_disk_used_bytes{volume="spool"}'
        values: '95x20'
      - series: 'm3u8nas_disk_free_bytes{volume="spool"}'
        values: '5x20'
      - series: 'm3u8nas_disk_used_bytes{volume="library"}'
        values: '50x20'
      - series: 'm3u8nas_disk_free_bytes{volume="library"}'
        values: '50x20'
      # 10 answers a minute, 1 of them a 5xx from minute 10 on
      - series: 'm3u8nas_http_responses_total{class="2xx"}'
        values: '0+10x10 100+9x10'
      - series: 'm3u8nas_http_responses_total{class="5xx"}'
        values: '0x10 0+1x10'
      - series: 'm3u8nas_queue_length'
        values: '10x5 60x15'
      - series: 'm3u8nas_spooler_up'
        values: '1x10 0x10'
    alert_rule_test:
      - eval_time: 4m
        alertname: M3u8nasDiskAlmostFull
      - eval_time: 6m
        alertname: M3u8nasDiskAlmostFull
        exp_alerts:
          - exp_labels: { severity: error, volume: spool }
            exp_annotations: { summary: "m3u8nas spool disk 95% full" }
      - eval_time: 9m
        alertname: M3u8nasHighErrorRate
      - eval_time: 16m
        alertname: M3u8nasHighErrorRate
        exp_alerts:
          - exp_labels: { severity: error }
            exp_annotations: { summary: "m3u8nas endpoint: 10% of answers are 5xx" }
      - eval_time: 10m
        alertname: M3u8nasQueueLong
      - eval_time: 16m
        alertname: M3u8nasQueueLong
        exp_alerts:
          - exp_labels: { severity: warning }
            exp_annotations: { summary: "m3u8nas: 60 jobs waiting" }
      - eval_time: 9m
        alertname: M3u8nasSpoolerDown
      - eval_time: 12m
        alertname: M3u8nasSpoolerDown
        exp_alerts:
          - exp_labels: { severity: critical }
            exp_annotations: { summary: "m3u8nas spooler down" }
  - interval: 1m
    input_series:
      - series: 'm3u8nas_http_responses_total{class="2xx"}'
        values: '0+10x10'
    alert_rule_test:
      # the endpoint answers but exports no spooler_up: cannot happen;
      # no m3u8nas metric at all (endpoint down): the spooler alert fires
      - eval_time: 5m
        alertname: M3u8nasSpoolerDown
        exp_alerts:
          - exp_labels: { severity: critical }
            exp_annotations: { summary: "m3u8nas spooler down" }
EOF2
promtool test rules "$W/alerts.test.yml" || fail "promtool test rules"
echo "ok: rules valid, each fires when it should"
exit 0
