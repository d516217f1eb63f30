#!/usr/bin/env bash
# C-STORE answer times under load: 4 storescu processes at once, each sending SERIES series of
# one ultrasound object (each object a new series, so each one starts a stream), against a
# running `medrelay serve` (or gateway) at HOST PORT. Prints one line per C-STORE (milliseconds
# from storescu start to its exit, i.e. association + store + response + release) and a summary.
#   bench/dicom_store_load.sh HOST PORT [SERIES] [AE_TITLE]
set -euo pipefail
host=$1 port=$2 series=${3:-5} called=${4:-MEDRELAY}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c $((128 * 128)) /dev/urandom >"$work/px.raw"
cat >"$work/tmpl.dump" <<DUMP
(0008,0016) UI =UltrasoundImageStorage
(0008,0018) UI 1.2.826.0.1.3680043.10.1.1
(0008,0060) CS [US]
(0010,0010) PN [LOAD^TEST]
(0010,0020) LO [LOAD-1]
(0020,000d) UI 1.2.826.0.1.3680043.10.1.2
(0020,000e) UI 1.2.826.0.1.3680043.10.1.3
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 128
(0028,0011) US 128
(0028,0100) US 8
(0028,0101) US 8
(0028,0102) US 7
(0028,0103) US 0
(7fe0,0010) OB =$work/px.raw
DUMP
dump2dcm --write-xfer-little "$work/tmpl.dump" "$work/tmpl.dcm"
for sender in 1 2 3 4; do
  for n in $(seq 1 "$series"); do
    f="$work/s${sender}_${n}.dcm"
    cp "$work/tmpl.dcm" "$f"
    dcmodify -nb -gst -gse -gin "$f"  # new study, series and instance UIDs
  done
done
for sender in 1 2 3 4; do
  (
    for n in $(seq 1 "$series"); do
      start=$(date +%s%N)
      if storescu -to 60 -ta 60 -td 60 -aec "$called" -aet LOAD$sender "$host" "$port" \
        "$work/s${sender}_${n}.dcm" 2>"$work/err$sender"; then
        status=ok
      else
        status=failed
      fi
      echo "$sender $n $(( ($(date +%s%N) - start) / 1000000 )) $status"
    done
  ) &
done | tee "$work/times"
wait
sort -k3 -n "$work/times" | awk '{t[NR]=$3; if ($4 != "ok") f++} END {
  printf "C-STORE answers: %d, failed %d; median %d ms, p90 %d ms, max %d ms\n",
         NR, f, t[int((NR+1)/2)], t[int(NR*0.9+0.5)], t[NR] }'
