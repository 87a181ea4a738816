#!/bin/sh
# proxy-watch: keeps the running NGINX current without restarting it.
#
#   proxy-watch.sh init ENV_FILE   prepares the state directory (before NGINX starts)
#   proxy-watch.sh run ENV_FILE    watches, and reloads NGINX once per change
#
# ENV_FILE is written with the configuration (proxy-watch.env): where the state lives.
# PROXY_RELOAD_COMMAND overrides how NGINX is reloaded (default: nginx -s reload), and
# PROXY_WATCH_INTERVAL how often the watcher looks, in seconds (default: 1).
#
# What it watches:
# - The certificate. NGINX serves a copy in the state directory. When the source (the
#   user's mounted files, or certbot's lineage) holds a different pair, and its key matches
#   its certificate, the watcher installs it and reloads: renewals need no restart, and a
#   half-written pair is never installed. Before there is any source pair (a first deploy,
#   before the first certificate is issued), NGINX serves a self-signed stand-in made here.
# - Ghost's invalidation notices. NGINX notes every Ghost response that carries
#   X-Cache-Invalidate in a log; the watcher then moves the page cache to a new generation
#   (part of every cache key) and reloads, so an edit reaches every visitor at once instead
#   of when the cached copy expires. Open-source NGINX has no cache purge.
#
# POSIX sh: it runs under the image's busybox and under the test machine's dash alike.
set -u

command=${1:?usage: proxy-watch.sh init|run ENV_FILE}
env_file=${2:?usage: proxy-watch.sh init|run ENV_FILE}
# shellcheck source=/dev/null
. "$env_file"
: "${PROXY_STATE_DIR:?$env_file sets no PROXY_STATE_DIR}"
: "${PROXY_CACHE_GENERATION:?$env_file sets no PROXY_CACHE_GENERATION}"
: "${PROXY_CACHE_INVALIDATIONS:?$env_file sets no PROXY_CACHE_INVALIDATIONS}"
reload_command=${PROXY_RELOAD_COMMAND:-nginx -s reload}
interval=${PROXY_WATCH_INTERVAL:-1}

log() {
  printf 'proxy-watch: %s\n' "$*" >&2
}

generation() {
  sed -n 's/^default \([0-9][0-9]*\);$/\1/p' "$PROXY_CACHE_GENERATION" 2>/dev/null
}

# TLS is watched when the configuration names a source (TLS on).
tls_watched() {
  [ -n "${PROXY_TLS_SOURCE_CERT:-}" ] && [ -n "${PROXY_TLS_CERT:-}" ]
}

# The public key of a certificate and of a key, compared: a pair NGINX would accept.
pair_matches() {
  cert_key=$(openssl x509 -in "$1" -noout -pubkey 2>/dev/null) || return 1
  key_key=$(openssl pkey -in "$2" -pubout 2>/dev/null) || return 1
  [ -n "$cert_key" ] && [ "$cert_key" = "$key_key" ]
}

fingerprint() {
  cat "$@" 2>/dev/null | md5sum | cut -d ' ' -f 1
}

# Installs the source pair when it differs from what is served and matches itself, and
# says what it installed in $installed; fails when there was nothing (new) to install.
# Not run in a subshell: it remembers in $waiting_for which pair it has already waited on.
install_source_pair() {
  [ -r "$PROXY_TLS_SOURCE_CERT" ] && [ -r "$PROXY_TLS_SOURCE_KEY" ] || return 1
  [ "$(fingerprint "$PROXY_TLS_SOURCE_CERT" "$PROXY_TLS_SOURCE_KEY")" != "$(fingerprint "$PROXY_TLS_CERT" "$PROXY_TLS_KEY")" ] || return 1
  (umask 077 && cp -L "$PROXY_TLS_SOURCE_CERT" "$PROXY_TLS_CERT.new" && cp -L "$PROXY_TLS_SOURCE_KEY" "$PROXY_TLS_KEY.new") || return 1
  if ! pair_matches "$PROXY_TLS_CERT.new" "$PROXY_TLS_KEY.new"; then
    rm -f "$PROXY_TLS_CERT.new" "$PROXY_TLS_KEY.new"
    # Said once per pair: certbot may still be writing it.
    pair=$(fingerprint "$PROXY_TLS_SOURCE_CERT" "$PROXY_TLS_SOURCE_KEY")
    if [ "$pair" != "${waiting_for:-}" ]; then
      log "the key in $PROXY_TLS_SOURCE_KEY does not match the certificate (yet); serving the current one"
      waiting_for=$pair
    fi
    return 1
  fi
  mv -f "$PROXY_TLS_KEY.new" "$PROXY_TLS_KEY" && mv -f "$PROXY_TLS_CERT.new" "$PROXY_TLS_CERT" || return 1
  installed=$(openssl x509 -in "$PROXY_TLS_CERT" -noout -serial -issuer 2>/dev/null | tr '\n' ' ')
}

# A certificate for every name, valid for 30 days, made here: never in the image.
self_signed() {
  first=${PROXY_TLS_NAMES%% *}
  # Split into one DNS entry per name, as meant.
  # shellcheck disable=SC2086
  names=$(printf 'DNS:%s,' $PROXY_TLS_NAMES)
  (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=$first" -addext "subjectAltName=${names%,}" \
    -keyout "$PROXY_TLS_KEY" -out "$PROXY_TLS_CERT" 2>/dev/null)
}

init() {
  mkdir -p "$PROXY_STATE_DIR"
  # The page cache outlives the container (it is on a volume), the state does not: a new
  # start begins a generation no earlier start used, so no page cached before an edit the
  # last container saw can come back.
  [ -n "$(generation)" ] || printf 'default %s;\n' "$(date +%s)" >"$PROXY_CACHE_GENERATION"
  : >>"$PROXY_CACHE_INVALIDATIONS"
  if tls_watched; then
    mkdir -p "$(dirname "$PROXY_TLS_CERT")" "$(dirname "$PROXY_TLS_KEY")"
    if install_source_pair; then
      log "serving the certificate from $PROXY_TLS_SOURCE_CERT: $installed"
    elif ! pair_matches "$PROXY_TLS_CERT" "$PROXY_TLS_KEY"; then
      self_signed || {
        log "could not make a self-signed certificate"
        return 1
      }
      log "no certificate in $PROXY_TLS_SOURCE_CERT yet; serving a self-signed one for $PROXY_TLS_NAMES until there is"
    fi
  fi
}

# A new generation, written aside and renamed into place so NGINX never reads half a file.
next_generation() {
  current=$(generation)
  next=$((${current:-0} + 1))
  printf 'default %s;\n' "$next" >"$PROXY_CACHE_GENERATION.new" &&
    mv -f "$PROXY_CACHE_GENERATION.new" "$PROXY_CACHE_GENERATION" &&
    printf '%s' "$next"
}

reload() {
  # Word splitting is wanted: the command comes with its arguments.
  # shellcheck disable=SC2086
  if $reload_command; then
    log "reloaded NGINX: $1"
  else
    log "reload failed ($1); the running configuration stays in service"
  fi
}

run() {
  init
  log "watching $PROXY_STATE_DIR every ${interval}s"
  while :; do
    if tls_watched && install_source_pair; then
      reload "new certificate from $PROXY_TLS_SOURCE_CERT: $installed"
    fi
    if [ -s "$PROXY_CACHE_INVALIDATIONS" ]; then
      # Emptied first: a notice that arrives meanwhile leads to one more generation, not none.
      : >"$PROXY_CACHE_INVALIDATIONS"
      if next=$(next_generation); then
        reload "Ghost invalidated content; page cache generation $next"
      else
        log "could not write $PROXY_CACHE_GENERATION; cached pages stay until they expire"
      fi
    fi
    sleep "$interval"
  done
}

case "$command" in
  init) init ;;
  run) run ;;
  *)
    log "unknown command $command (expected init or run)"
    exit 2
    ;;
esac
