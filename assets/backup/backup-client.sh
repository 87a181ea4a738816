#!/bin/bash
# backup-client: backs the blog up with restic (encrypted, deduplicated) and restores it.
#
#   backup-client run                      back up on the schedule, keep the repository in
#                                          shape (retention, integrity checks); never exits
#   backup-client backup                   one backup now: the database, then the content
#   backup-client snapshots                the backups in the repository, newest last
#   backup-client check                    read a part of the repository's data and verify it
#   backup-client restore-check [BACKUP]   what a restore would restore, and over what; exit 3
#                                          when the database or the content is not empty
#   backup-client restore [BACKUP] [--force]
#                                          restores the database and the content of a backup
#                                          (default the latest); refuses to overwrite a
#                                          database or content that is not empty unless forced
#   backup-client health                   healthy while the last backup is recent
#   backup-client next                     when the next scheduled backup runs
#
# A backup is two restic snapshots with the same "backup:<time>" tag: the database as one
# consistent dump (a single transaction, taken while Ghost keeps writing), streamed into
# restic, which saves nothing if the dump fails; and the content folder, read-only.
#
# Environment, set by the stack from the settings:
#   RESTIC_REPOSITORY, RESTIC_PASSWORD (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY for S3;
#     BACKUP_SFTP_PRIVATE_KEY and BACKUP_SFTP_KNOWN_HOSTS for SFTP)
#   BACKUP_HOST           the name backups are filed under (the stack's), stable across containers
#   BACKUP_DB_HOST, BACKUP_DB_PORT, BACKUP_DB_NAME, BACKUP_DB_USER, BACKUP_DB_PASSWORD
#   BACKUP_CONTENT_DIR    Ghost's content, mounted read-only (read-write only for a restore)
#   BACKUP_INTERVAL       seconds between backups; BACKUP_AT: the UTC time (HH:MM) they align to
#   BACKUP_KEEP_DAILY, BACKUP_KEEP_WEEKLY, BACKUP_KEEP_MONTHLY
#   BACKUP_CHECK_INTERVAL seconds between integrity checks (default a week)
#   BACKUP_STATE_DIR      where the time of the last backup is kept (default /var/lib/backup-client)
#   RESTIC_CACHE_DIR      restic's cache of the repository's index (restic's own setting)
#   BACKUP_SECRETS_DIR    where files holding secrets are written for a run (default TMPDIR)
#   TMPDIR                restic's temporary packs (default /tmp)
# and RESTIC, MYSQLDUMP, MYSQL: the commands (default restic, mysqldump, mysql).
set -uo pipefail

restic=${RESTIC:-restic}
# Wait for another restic run's lock (a backup-now during a scheduled backup) instead of failing.
restic_options=(--retry-lock 5m)
mysqldump=${MYSQLDUMP:-mysqldump}
mysql=${MYSQL:-mysql}
state_dir=${BACKUP_STATE_DIR:-/var/lib/backup-client}
content_dir=${BACKUP_CONTENT_DIR:-/data/content}
interval=${BACKUP_INTERVAL:-86400}
check_interval=${BACKUP_CHECK_INTERVAL:-604800}
secrets_root=${BACKUP_SECRETS_DIR:-${TMPDIR:-/tmp}}

log() {
  printf 'backup-client: %s\n' "$*" >&2
}

fail() {
  log "$1"
  exit "${2:-1}"
}

require() {
  local name
  for name in "$@"; do
    [ -n "${!name:-}" ] || fail "$name is not set"
  done
}

# Files that hold secrets live in a private folder under BACKUP_SECRETS_DIR (a tmpfs in the
# container: memory only), never in the state folder, which is kept on a volume.
secret_dir() {
  if [ -z "${secrets:-}" ]; then
    secrets=$(umask 077 && mktemp -d "$secrets_root/backup-client.XXXXXX") || fail "cannot write to $secrets_root"
    trap 'rm -rf "$secrets"' EXIT
  fi
  printf '%s' "$secrets"
}

# Database credentials in a file of the process's own, never on a command line.
db_defaults() {
  local file
  file="$(secret_dir)/db.cnf"
  umask 077
  printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword="%s"\n' \
    "$BACKUP_DB_HOST" "${BACKUP_DB_PORT:-3306}" "$BACKUP_DB_USER" "${BACKUP_DB_PASSWORD//\"/\\\"}" >"$file"
  printf '%s' "$file"
}

# restic with the repository's options (the SSH key for SFTP).
restic_with_options() {
  "$restic" "${restic_options[@]}" "$@"
}

# restic, with what it says on failure turned into a sentence a person can act on.
run_restic() {
  local output status
  output=$(restic_with_options "$@" 2>&1)
  status=$?
  printf '%s\n' "$output"
  case $status in
    0) return 0 ;;
    3) log "some files could not be read, so the backup is incomplete: see the errors above" ;;
    10) log "there is no restic repository at $RESTIC_REPOSITORY (run 'backup-client backup' to make one)" ;;
    11) log "the repository is locked by another restic run; try again when it has finished" ;;
    12) log "the repository password is wrong: RESTIC_PASSWORD does not open $RESTIC_REPOSITORY" ;;
    *)
      if grep -q 'no space left on device' <<<"$output"; then
        log "the repository's disk is full: this run saved nothing more, and earlier backups are untouched"
      else
        log "restic $1 failed ($status)"
      fi
      ;;
  esac
  return "$status"
}

prepare() {
  require RESTIC_REPOSITORY RESTIC_PASSWORD BACKUP_HOST BACKUP_DB_HOST BACKUP_DB_NAME BACKUP_DB_USER BACKUP_DB_PASSWORD
  mkdir -p "$state_dir" "${TMPDIR:-/tmp}" || fail "cannot write $state_dir or ${TMPDIR:-/tmp}"
  secret_dir >/dev/null
  if [ -n "${BACKUP_SFTP_PRIVATE_KEY:-}" ]; then
    (umask 077 && printf '%s\n' "$BACKUP_SFTP_PRIVATE_KEY" >"$secrets/id_backup" && printf '%s\n' "${BACKUP_SFTP_KNOWN_HOSTS:-}" >"$secrets/known_hosts") ||
      fail "cannot write the SSH key under $secrets_root"
    # restic starts ssh itself; these arguments make it use the key and trust only the given host key.
    restic_options+=(-o "sftp.args=-i $secrets/id_backup -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$secrets/known_hosts")
  fi
}

# Makes the repository on the first backup; never over an existing one.
ensure_repository() {
  restic_with_options cat config >/dev/null 2>&1
  case $? in
    0) return 0 ;;
    10)
      log "making a new restic repository at $RESTIC_REPOSITORY"
      run_restic init >/dev/null
      ;;
    *) run_restic cat config >/dev/null ;;
  esac
}

dump_flags() {
  local flags=(--defaults-extra-file="$(db_defaults)" --single-transaction --quick --no-tablespaces --skip-dump-date --default-character-set=utf8mb4)
  # MySQL's own client wants this for a dump without GTID statements; MariaDB's has no such flag.
  if "$mysqldump" --help 2>/dev/null | grep -q -- '--set-gtid-purged'; then flags+=(--set-gtid-purged=OFF); fi
  printf '%s\n' "${flags[@]}"
}

backup() {
  prepare
  ensure_repository || return $?
  local stamp tag started dump_flags_list
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  tag="backup:$stamp"
  started=$(date +%s)
  mapfile -t dump_flags_list < <(dump_flags)
  log "backing up database $BACKUP_DB_NAME ($tag)"
  run_restic backup --host "$BACKUP_HOST" --tag ghost --tag database --tag "$tag" \
    --stdin-from-command --stdin-filename "$BACKUP_DB_NAME.sql" -- "$mysqldump" "${dump_flags_list[@]}" "$BACKUP_DB_NAME" || return $?
  log "backing up content from $content_dir ($tag)"
  local status
  (cd "$content_dir" && run_restic backup --host "$BACKUP_HOST" --tag ghost --tag content --tag "$tag" .)
  status=$?
  if [ "$status" -ne 0 ]; then
    # Half a backup is no backup: drop the database half, so that the repository holds whole
    # backups only. Restores skip a half left behind anyway.
    local halves
    mapfile -t halves < <(restic_with_options snapshots --host "$BACKUP_HOST" --tag "$tag" --json 2>/dev/null | grep -o '"id":"[0-9a-f]*"' | cut -d '"' -f 4)
    if [ "${#halves[@]}" -gt 0 ]; then
      restic_with_options forget "${halves[@]}" >/dev/null 2>&1 || log "the database half of $tag stays in the repository; restores skip it"
    fi
    log "backup $tag failed; the backups before it are untouched"
    return "$status"
  fi
  printf '%s %s\n' "$(date +%s)" "$tag" >"$state_dir/last-backup"
  log "backup $tag done in $(($(date +%s) - started)) s"
  prune
}

prune() {
  log "forgetting backups beyond ${BACKUP_KEEP_DAILY:-7} daily, ${BACKUP_KEEP_WEEKLY:-4} weekly, ${BACKUP_KEEP_MONTHLY:-6} monthly"
  run_restic forget --host "$BACKUP_HOST" --tag ghost --group-by host,paths \
    --keep-daily "${BACKUP_KEEP_DAILY:-7}" --keep-weekly "${BACKUP_KEEP_WEEKLY:-4}" --keep-monthly "${BACKUP_KEEP_MONTHLY:-6}" --prune >/dev/null
}

check() {
  prepare
  log "checking the repository and a tenth of its data"
  run_restic check --read-data-subset=10% || return $?
  date +%s >"$state_dir/last-check"
}

snapshots() {
  prepare
  run_restic snapshots --host "$BACKUP_HOST" --tag ghost
}

# The tags of the backups with both halves in the repository, oldest first.
whole_backups() {
  local databases contents
  databases=$(restic_with_options snapshots --host "$BACKUP_HOST" --tag ghost,database --json 2>/dev/null) || return 1
  contents=$(restic_with_options snapshots --host "$BACKUP_HOST" --tag ghost,content --json 2>/dev/null) || return 1
  comm -12 <(grep -o '"backup:[^"]*"' <<<"$databases" | tr -d '"' | sort -u) <(grep -o '"backup:[^"]*"' <<<"$contents" | tr -d '"' | sort -u)
}

# The database and content snapshots of a backup: the latest whole one, or the one named by
# its tag (backup:<time>) or by either snapshot's ID. Prints "database-id content-id tag time".
find_backup() {
  local wanted=${1:-latest} json tag database content time
  if [ "$wanted" = latest ]; then
    # The tags sort by their time; a half left by a failed run is not a backup.
    json="\"$(whole_backups | tail -n 1)\""
  elif [[ $wanted == backup:* ]]; then
    json="\"$wanted\""
  else
    json=$(restic_with_options snapshots --host "$BACKUP_HOST" --json "$wanted" 2>/dev/null) || return 1
  fi
  tag=$(grep -o '"backup:[^"]*"' <<<"$json" | tail -n 1 | tr -d '"')
  [ -n "$tag" ] || return 1
  json=$(restic_with_options snapshots --host "$BACKUP_HOST" --tag "$tag,database" --json 2>/dev/null) || return 1
  database=$(grep -o '"id":"[0-9a-f]*"' <<<"$json" | head -n 1 | cut -d '"' -f 4)
  time=$(grep -o '"time":"[^"]*"' <<<"$json" | head -n 1 | cut -d '"' -f 4)
  json=$(restic_with_options snapshots --host "$BACKUP_HOST" --tag "$tag,content" --json 2>/dev/null) || return 1
  content=$(grep -o '"id":"[0-9a-f]*"' <<<"$json" | head -n 1 | cut -d '"' -f 4)
  [ -n "$database" ] && [ -n "$content" ] || return 1
  printf '%s %s %s %s\n' "$database" "$content" "$tag" "$time"
}

database_tables() {
  "$mysql" --defaults-extra-file="$(db_defaults)" --batch --skip-column-names \
    -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$BACKUP_DB_NAME'"
}

content_files() {
  find "$content_dir" -mindepth 1 ! -path "$content_dir/.restore-staging*" 2>/dev/null | wc -l
}

restore_check() {
  prepare
  local found database content tag time tables files
  # A repository that cannot be opened says why (missing, wrong password) before anything else.
  run_restic cat config >/dev/null || exit $?
  found=$(find_backup "${1:-latest}") || fail "no backup ${1:-latest} in $RESTIC_REPOSITORY (backup-client snapshots lists them)" 4
  read -r database content tag time <<<"$found"
  tables=$(database_tables) || fail "cannot reach the database $BACKUP_DB_NAME on $BACKUP_DB_HOST"
  files=$(content_files)
  printf 'backup %s from %s: database snapshot %s, content snapshot %s\n' "$tag" "$time" "$database" "$content"
  printf 'now: database %s holds %s tables, %s holds %s files and folders\n' "$BACKUP_DB_NAME" "$tables" "$content_dir" "$files"
  if [ "$tables" -gt 0 ] || [ "$files" -gt 0 ]; then return 3; fi
}

restore() {
  local wanted=latest force=false argument
  for argument in "$@"; do
    case $argument in
      --force) force=true ;;
      *) wanted=$argument ;;
    esac
  done
  restore_check "$wanted"
  local checked=$?
  if [ "$checked" -eq 3 ] && [ "$force" != true ]; then
    fail "refusing to restore over a database or content that is not empty; stop Ghost and restore with --force to replace them" 3
  fi
  [ "$checked" -eq 0 ] || [ "$checked" -eq 3 ] || return "$checked"
  local found database content tag time defaults started staging
  found=$(find_backup "$wanted") || return 1
  read -r database content tag time <<<"$found"
  defaults=$(db_defaults)
  started=$(date +%s)
  # Both halves are read out of the repository in full before anything is replaced: a
  # damaged repository or a full disk leaves the database and content as they were.
  staging="$content_dir/.restore-staging"
  rm -rf "$staging"
  if ! mkdir -p "$staging/content"; then fail "cannot write into $content_dir"; fi
  log "reading backup $tag out of the repository"
  if ! restic_with_options dump "$database" "/$BACKUP_DB_NAME.sql" >"$staging/database.sql" ||
    ! run_restic restore "$content" --target "$staging/content" >/dev/null; then
    rm -rf "$staging"
    fail "the backup $tag cannot be read in full; nothing was changed. Check the repository (backup-client check) or restore an older backup (backup-client snapshots)"
  fi
  log "restoring database $BACKUP_DB_NAME from $tag"
  if ! "$mysql" --defaults-extra-file="$defaults" -e "DROP DATABASE IF EXISTS \`$BACKUP_DB_NAME\`; CREATE DATABASE \`$BACKUP_DB_NAME\` CHARACTER SET utf8mb4" ||
    ! "$mysql" --defaults-extra-file="$defaults" "$BACKUP_DB_NAME" <"$staging/database.sql"; then
    rm -rf "$staging"
    fail "importing the database failed; its state is unknown and the content was left as it was: restore again with --force"
  fi
  log "restoring content into $content_dir from $tag"
  if ! find "$content_dir" -mindepth 1 -maxdepth 1 ! -name .restore-staging -exec rm -rf {} + ||
    ! find "$staging/content" -mindepth 1 -maxdepth 1 -exec mv -t "$content_dir" {} +; then
    fail "moving the restored content into $content_dir failed; it is in $staging/content"
  fi
  rm -rf "$staging"
  printf 'restored %s (%s): %s tables, %s files and folders, in %s s\n' "$tag" "$time" "$(database_tables)" "$(content_files)" "$(($(date +%s) - started))"
}

# The next time on the schedule, BACKUP_AT plus whole intervals, after the time given
# (seconds since the epoch).
next_run_after() {
  local now=$1 anchor at hours minutes
  at=${BACKUP_AT:-03:00}
  hours=$((10#${at%%:*}))
  minutes=$((10#${at##*:}))
  # Midnight UTC of that day: epoch time counts every day as 86,400 seconds.
  anchor=$((now - now % 86400 + hours * 3600 + minutes * 60))
  while [ "$anchor" -le "$now" ]; do anchor=$((anchor + interval)); done
  while [ $((anchor - interval)) -gt "$now" ]; do anchor=$((anchor - interval)); done
  printf '%s' "$anchor"
}

# Seconds to sleep until the next time on the schedule.
until_next() {
  local now
  now=$(date -u +%s)
  printf '%s' $(($(next_run_after "$now") - now))
}

next() {
  local now at
  # One reading of the clock for both figures, so they agree.
  now=$(date -u +%s)
  at=$(next_run_after "$now")
  printf 'next backup at %s (in %s s)\n' "$(date -u -d "@$at" '+%Y-%m-%d %H:%M UTC')" $((at - now))
}

run() {
  prepare
  # docker stop sends TERM: stop at once, even mid-wait (the EXIT trap removes the secrets).
  trap 'log "stopping"; exit 0' TERM INT
  date +%s >"$state_dir/started"
  # A backup killed with its container leaves a lock behind; unlock removes only locks whose
  # process is gone, never a live one.
  restic_with_options unlock >/dev/null 2>&1 || true
  while :; do
    local wait
    wait=$(until_next)
    log "next backup in ${wait}s"
    # In the background, so that a signal interrupts the wait instead of waiting for the sleep.
    sleep "$wait" &
    wait $!
    if ! backup; then
      log "the backup failed; trying again in 15 minutes"
      sleep 900 &
      wait $!
      backup || log "the backup failed again; the next try is on the schedule"
    fi
    local last_check
    last_check=$(cat "$state_dir/last-check" 2>/dev/null || printf 0)
    if [ $(($(date +%s) - last_check)) -ge "$check_interval" ]; then check || log "the integrity check failed: see above"; fi
  done
}

health() {
  local now last started
  now=$(date +%s)
  last=$(cut -d ' ' -f 1 "$state_dir/last-backup" 2>/dev/null)
  if [ -z "$last" ]; then
    started=$(cat "$state_dir/started" 2>/dev/null || printf '%s' "$now")
    if [ $((now - started)) -le $((2 * interval)) ]; then return 0; fi
    printf 'no backup since the client started %s s ago\n' $((now - started))
    return 1
  fi
  if [ $((now - last)) -gt $((2 * interval)) ]; then
    printf 'the last backup is %s s old, more than twice the schedule (%s s)\n' $((now - last)) "$interval"
    return 1
  fi
}

command=${1:-run}
[ $# -gt 0 ] && shift
case $command in
  run) run ;;
  backup) backup ;;
  snapshots) snapshots ;;
  check) check ;;
  restore-check) restore_check "$@" ;;
  restore) restore "$@" ;;
  health) health ;;
  next) next ;;
  *) fail "unknown command $command (expected run, backup, snapshots, check, restore-check, restore, health or next)" 2 ;;
esac
