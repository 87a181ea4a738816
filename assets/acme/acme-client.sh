#!/bin/sh
# acme-client: gets the stack's certificate over ACME (HTTP-01, through the proxy) with
# certbot, and keeps it current. The proxy's watcher installs each new pair it writes.
#
#   acme-client.sh run      issue, then check every ACME_CHECK_INTERVAL seconds (certbot renews
#                           when a certificate is due); after a failure retry with back-off
#   acme-client.sh once     one attempt (issue or renew); its exit status is certbot's
#   acme-client.sh health   healthy while a certificate is in place, valid for 7 more days,
#                           and the last attempt succeeded; says why not otherwise
#
# Environment, set by the stack from the settings:
#   ACME_DOMAINS        the names, space-separated; the first is the certificate's subject
#   ACME_EMAIL          the account's contact address
#   ACME_DIRECTORY      the ACME directory URL
#   ACME_CERT_NAME      certbot's name for the certificate (live/<name>/)
#   ACME_CONFIG_DIR     certbot's folder (default /etc/letsencrypt)
#   ACME_WEBROOT        where challenges are written for the proxy (default /var/www/acme)
#   ACME_EAB_KID, ACME_EAB_HMAC_KEY   external account binding, for CAs that need one
# and for tests or tuning: ACME_WORK_DIR, ACME_LOGS_DIR, ACME_CHECK_INTERVAL (default
# 43200), ACME_RETRY_MIN and ACME_RETRY_MAX (back-off bounds, default 60 and 21600),
# ACME_FORCE_RENEWAL=1 (renew now, due or not), CERTBOT (the command, default certbot).
#
# A failed attempt changes nothing that is served: certbot writes a new pair only once it
# has one. POSIX sh: it runs under the image's busybox and under the test machine's dash.
set -u

command=${1:-run}
: "${ACME_DOMAINS:?ACME_DOMAINS is not set}"
: "${ACME_EMAIL:?ACME_EMAIL is not set}"
: "${ACME_DIRECTORY:?ACME_DIRECTORY is not set}"
: "${ACME_CERT_NAME:?ACME_CERT_NAME is not set}"
config_dir=${ACME_CONFIG_DIR:-/etc/letsencrypt}
webroot=${ACME_WEBROOT:-/var/www/acme}
work_dir=${ACME_WORK_DIR:-/var/lib/letsencrypt}
logs_dir=${ACME_LOGS_DIR:-/var/log/letsencrypt}
check_interval=${ACME_CHECK_INTERVAL:-43200}
retry_min=${ACME_RETRY_MIN:-60}
retry_max=${ACME_RETRY_MAX:-21600}
certbot=${CERTBOT:-certbot}
certificate="$config_dir/live/$ACME_CERT_NAME/cert.pem"
status_file="$config_dir/acme-client.status"

log() {
  printf 'acme-client: %s\n' "$*" >&2
}

# The names a certificate is for, one per line, sorted.
certificate_names() {
  openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null |
    tr ',' '\n' | sed -n 's/^[[:space:]]*DNS:\(.*\)$/\1/p' | sort
}

wanted_names() {
  # One name per line, as meant.
  # shellcheck disable=SC2086
  printf '%s\n' $ACME_DOMAINS | sort
}

# One attempt: a new certificate when there is none or its names changed, else a renewal
# (which certbot makes only when the certificate is due, unless forced).
attempt() {
  mkdir -p "$config_dir" "$webroot" "$work_dir" "$logs_dir"
  set -- --config-dir "$config_dir" --work-dir "$work_dir" --logs-dir "$logs_dir" \
    --non-interactive --max-log-backups 5 --cert-name "$ACME_CERT_NAME"
  if [ -r "$certificate" ] && [ "$(certificate_names "$certificate")" = "$(wanted_names)" ]; then
    [ "${ACME_FORCE_RENEWAL:-}" = 1 ] && set -- "$@" --force-renewal
    "$certbot" renew --no-random-sleep-on-renew "$@"
    return
  fi
  for name in $ACME_DOMAINS; do
    set -- "$@" -d "$name"
  done
  if [ -n "${ACME_EAB_KID:-}" ]; then
    set -- "$@" --eab-kid "$ACME_EAB_KID" --eab-hmac-key "${ACME_EAB_HMAC_KEY:?ACME_EAB_KID is set, so ACME_EAB_HMAC_KEY is needed}"
  fi
  log "requesting a certificate for $ACME_DOMAINS from $ACME_DIRECTORY"
  "$certbot" certonly --webroot -w "$webroot" --server "$ACME_DIRECTORY" --agree-tos -m "$ACME_EMAIL" \
    --no-eff-email --key-type ecdsa "$@"
}

record() {
  printf '%s %s %s\n' "$1" "$(date +%s)" "${2:-}" >"$status_file.new" && mv -f "$status_file.new" "$status_file"
}

once() {
  attempt
  status=$?
  if [ "$status" -eq 0 ]; then
    record ok
  else
    record failed "certbot exited with $status; its log is in $logs_dir"
  fi
  return "$status"
}

run() {
  delay=$retry_min
  while :; do
    if once; then
      delay=$retry_min
      sleep "$check_interval"
    else
      log "the attempt failed; the current certificate (if any) stays in service; retrying in ${delay}s"
      sleep "$delay"
      delay=$((delay * 2))
      [ "$delay" -le "$retry_max" ] || delay=$retry_max
    fi
  done
}

health() {
  if [ ! -r "$certificate" ]; then
    printf 'no certificate yet for %s\n' "$ACME_DOMAINS"
    return 1
  fi
  if ! openssl x509 -in "$certificate" -noout -checkend 604800 >/dev/null 2>&1; then
    printf 'the certificate expires within 7 days\n'
    return 1
  fi
  last=$(cat "$status_file" 2>/dev/null)
  case "$last" in
    ok\ *) return 0 ;;
    *)
      printf 'the last attempt failed: %s\n' "${last:-no attempt recorded}"
      return 1
      ;;
  esac
}

case "$command" in
  run) run ;;
  once) once ;;
  health) health ;;
  *)
    log "unknown command $command (expected run, once or health)"
    exit 2
    ;;
esac
