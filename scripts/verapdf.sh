#!/usr/bin/env bash
# Validates PDFs against the PDF/A flavour they claim with veraPDF's greenfield validator (from Maven
# Central, built once under documents/tests/verapdf/target). Exit 0 when every file complies.
#   scripts/verapdf.sh FILE.pdf...    (no files: only build the checker)
set -euo pipefail
dir="$(cd "$(dirname "$0")/../documents/tests/verapdf" && pwd)"
if [ ! -f "$dir/target/classpath.txt" ] || [ "$dir/src/main/java/PdfaCheck.java" -nt "$dir/target/classpath.txt" ]; then
  (cd "$dir" && mvn -q -B -Dstyle.color=never package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt)
fi
[ "$#" -eq 0 ] && exit 0
exec java -cp "$dir/target/classes:$(cat "$dir/target/classpath.txt")" PdfaCheck "$@"
