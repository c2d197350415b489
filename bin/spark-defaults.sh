# Sourced by bin/flywheel and bench/feedback, with ROOT set to the repository: conf/spark-defaults.conf
# as -Dspark.* java options in SPARK_PROPS (spark-submit reads that file itself; java does not).
SPARK_PROPS=()
if [ -f "$ROOT/conf/spark-defaults.conf" ]; then
  while read -r key value; do
    case "$key" in ''|\#*) continue ;; esac
    SPARK_PROPS+=("-D$key=$value")
  done < "$ROOT/conf/spark-defaults.conf"
fi
