#!/usr/bin/env bash
# Nightly logical backup of the helpline database (PostgreSQL), kept 14 days.
#   install -m 0755 deploy/backup/helpline-backup.sh /usr/local/bin/
#   cron: 30 2 * * *  postgres  /usr/local/bin/helpline-backup.sh
# Restore: deploy/backup.md.
set -euo pipefail
DB="${HELPLINE_DB_NAME:-helpline}"
DIR="${HELPLINE_BACKUP_DIR:-/var/backups/helpline}"
KEEP_DAYS="${HELPLINE_BACKUP_KEEP_DAYS:-14}"
mkdir -p "$DIR"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$DIR/$DB-$stamp.dump"
pg_dump --format=custom --compress=6 --file="$out.part" "$DB"
mv "$out.part" "$out"
pg_restore --list "$out" >/dev/null   # the archive is readable
find "$DIR" -name "$DB-*.dump" -mtime +"$KEEP_DAYS" -delete
echo "backup written: $out ($(du -h "$out" | cut -f1))"
