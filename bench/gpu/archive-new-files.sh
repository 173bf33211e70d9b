#!/usr/bin/env bash
# The device scripts' output archive (the device tool returns at most 8 files from $OUT), never touching
# what $OUT held before the script started (a caller's results, committed logs when $OUT points into the
# repository). Sourced; two steps:
#   archiveNewFilesBegin OUT            at the start: remember the files OUT holds
#   archiveNewFilesEnd OUT NAME [KEEP]  at the end: pack the files added since into OUT/NAME (written
#                                       outside OUT first: tar reading the folder it writes into fails)
#                                       and remove exactly those; summary.txt, NAME and files matching
#                                       the glob KEEP stay as they are
archiveNewFilesBegin() {
  _archivePre=$(mktemp /tmp/archive-pre.XXXXXX)
  (cd "$1" && find . -type f | sort) > "$_archivePre"
}
archiveNewFilesEnd() {
  local out=$1 name=$2 keep=${3:-}
  local added tmp
  added=$(mktemp /tmp/archive-new.XXXXXX)
  (cd "$out" && find . -type f ! -path ./summary.txt ! -path "./$name" ${keep:+! -name "$keep"} | sort |
    comm -13 "$_archivePre" -) > "$added"
  tmp=$(mktemp /tmp/archive.XXXXXX.tgz)
  if (cd "$out" && tar -czf "$tmp" -T "$added"); then
    mv "$tmp" "$out/$name"
    (cd "$out" && xargs -r -d '\n' rm -f < "$added")
  else
    echo "archive-new-files: could not archive $out's new files; left them in place" >&2
  fi
  rm -f "$_archivePre" "$added"
}
