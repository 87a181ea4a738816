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
# What it watches: Ghost's invalidation notices. NGINX notes every Ghost response that
# carries X-Cache-Invalidate in a log; the watcher then moves the page cache to a new
# generation (part of every cache key) and reloads, so an edit reaches every visitor at
# once instead of when the cached copy expires. Open-source NGINX has no cache purge.
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

init() {
  mkdir -p "$PROXY_STATE_DIR"
  [ -n "$(generation)" ] || printf 'default 0;\n' >"$PROXY_CACHE_GENERATION"
  : >>"$PROXY_CACHE_INVALIDATIONS"
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
